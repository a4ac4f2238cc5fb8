"""The ``lrlearn`` command.

    lrlearn quiz [--level L] [--topic T] [--count N] [--due] [--seed S] [--data-dir DIR]
    lrlearn quiz --list-topics | --stats
    lrlearn interview [--level L] [--topic T] [--count N] [--time SECONDS] [--seed S]
    lrlearn export-anki FILE [--level L] [--topic T] [--deck NAME] [--force]
    lrlearn quiz-page [--out book | --out page.md]

Subcommands live in ``COMMANDS`` (name -> (help, add_arguments, run)); adding one is adding an entry.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

__all__ = ["COMMANDS", "main"]


def _split(values: list[str] | None) -> list[str] | None:
    """--topic a --topic b,c -> [a, b, c]."""
    if not values:
        return None
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--level",
        action="append",
        metavar="LEVEL",
        help="basic, intermediate or advanced (repeat or comma-separate for several)",
    )
    p.add_argument(
        "--topic",
        action="append",
        metavar="TOPIC",
        help="a topic tag (see --list-topics); repeat or comma-separate for several",
    )


def _quiz_args(p: argparse.ArgumentParser) -> None:
    _add_filters(p)
    p.add_argument(
        "--count", type=int, default=10, metavar="N", help="number of questions (default 10)"
    )
    p.add_argument(
        "--due",
        action="store_true",
        help="only questions due for review (answered before, interval passed)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="order of new questions (default: the day's date, same all day)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder of the progress file (default: $LRLEARN_DATA_DIR or the user data folder)",
    )
    p.add_argument("--no-save", action="store_true", help="do not record answers")
    p.add_argument("--list-topics", action="store_true", help="list topic tags and exit")
    p.add_argument(
        "--stats",
        action="store_true",
        help="accuracy by topic and level, retention, due forecast; then exit",
    )


def _seed(args: argparse.Namespace) -> int:
    return args.seed if args.seed is not None else int(time.time() // 86400)


def _run_quiz(args: argparse.Namespace) -> int:
    from .quiz import LEVELS, TOPICS, NothingDue, ProgressStore, Session, load_bank
    from .quiz.stats import format_stats, progress_stats
    from .quiz.terminal import run_terminal_quiz

    if args.list_topics:
        bank = load_bank()
        for tag, text in TOPICS.items():
            n = sum(tag in q.topics for q in bank)
            print(f"{tag:24s} {n:3d}  {text}")
        return 0
    store = None if args.no_save else ProgressStore(data_dir=args.data_dir)
    if args.stats:
        events = (store or ProgressStore(data_dir=args.data_dir)).events()
        print(format_stats(progress_stats(events, load_bank(), time.time()), LEVELS, TOPICS))
        return 0
    if args.count < 1:
        raise ValueError(f"--count must be >= 1, got {args.count}")
    try:
        session = Session(
            level=_split(args.level),
            topic=_split(args.topic),
            count=args.count,
            due_only=args.due,
            store=store,
            seed=_seed(args),
        )
    except NothingDue as exc:
        when = (
            ""
            if exc.next_due is None
            else " The next review is due "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(exc.next_due))}."
        )
        print(f"Nothing is due for review now.{when} Run `lrlearn quiz` for new questions.")
        return 0
    run_terminal_quiz(session)
    return 0


def _interview_args(p: argparse.ArgumentParser) -> None:
    _add_filters(p)
    p.add_argument(
        "--count", type=int, default=3, metavar="N", help="number of questions (default 3)"
    )
    p.add_argument(
        "--time",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="time budget per question (default 120)",
    )
    p.add_argument(
        "--seed", type=int, default=None, help="order of new questions (default: the day's date)"
    )
    p.add_argument("--data-dir", default=None, help="folder of the progress file")
    p.add_argument("--no-save", action="store_true", help="do not record answers")


def _run_interview(args: argparse.Namespace) -> int:
    from .quiz import Bank, ProgressStore, Session, load_bank, run_interview

    if args.count < 1:
        raise ValueError(f"--count must be >= 1, got {args.count}")
    if not 5 <= args.time <= 3600:
        raise ValueError(f"--time must be in [5, 3600] seconds, got {args.time:g}")
    pool = load_bank().select(level=_split(args.level), topic=_split(args.topic))
    with_points = tuple(q for q in pool if q.kind == "recall" and q.key_points)
    if not with_points:
        raise ValueError("no recall question with key points matches these filters")
    store = None if args.no_save else ProgressStore(data_dir=args.data_dir)
    session = Session(
        Bank(with_points),
        count=args.count,
        store=store,
        seed=_seed(args),
        reask=False,
        mode="interview",
    )
    run_interview(session, budget=args.time)
    return 0


def _anki_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="output file, e.g. lrlearn_quiz.txt")
    _add_filters(p)
    p.add_argument("--deck", default="lrlearn", help="Anki deck name (default lrlearn)")
    p.add_argument("--seed", type=int, default=0, help="order of the options (default 0)")
    p.add_argument(
        "--force", action="store_true", help="overwrite FILE even if export-anki did not write it"
    )


def _run_anki(args: argparse.Namespace) -> int:
    from .quiz import export_anki, load_bank

    bank = load_bank()
    questions = bank.select(level=_split(args.level), topic=_split(args.topic))
    path = export_anki(args.file, questions, deck=args.deck, seed=args.seed, force=args.force)
    print(f"wrote {len(questions)} notes to {path}; import it in Anki with File > Import")
    return 0


def _page_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        default="book",
        help="a folder: the contents page OUT/quiz.md and a page per topic group in "
        "OUT/quiz/ (default book); a .md file: one page",
    )
    _add_filters(p)


def _run_page(args: argparse.Namespace) -> int:
    from .quiz import load_bank, write_book_page, write_book_pages

    if args.out.endswith(".md"):
        path = write_book_page(args.out, level=_split(args.level), topic=_split(args.topic))
        print(f"wrote {path}")
        return 0
    pool = load_bank().select(level=_split(args.level), topic=_split(args.topic))
    paths = write_book_pages(args.out, questions=pool)
    print(f"wrote {len(paths)} pages: {paths[-1]} and {len(paths) - 1} in {paths[0].parent}")
    return 0


Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {
    "quiz": ("interview self-quiz with spaced repetition", _quiz_args, _run_quiz),
    "interview": (
        "mock interview: timed answers, follow-ups, key points",
        _interview_args,
        _run_interview,
    ),
    "export-anki": ("write the question bank as an Anki import file", _anki_args, _run_anki),
    "quiz-page": ("write the quiz as a book page (MyST Markdown)", _page_args, _run_page),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrlearn", description="Learn, see and be quizzed on the learning rate and batch size."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_args, run) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_args(p)
        p.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lrlearn`` console script; returns the exit status."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError) as exc:  # bad filters, empty selection, bad paths
        print(f"lrlearn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
