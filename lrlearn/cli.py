"""The ``lrlearn`` command.

    lrlearn quiz [--level L] [--topic T] [--count N] [--due] [--seed S] [--data-dir DIR]
    lrlearn quiz --list-topics | --stats
    lrlearn export-anki FILE [--level L] [--topic T] [--deck NAME]
    lrlearn quiz-page [--out book/quiz.md]

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
    p.add_argument("--level", action="append", metavar="LEVEL",
                   help="basic, intermediate or advanced (repeat or comma-separate for several)")
    p.add_argument("--topic", action="append", metavar="TOPIC",
                   help="a topic tag (see --list-topics); repeat or comma-separate for several")


def _quiz_args(p: argparse.ArgumentParser) -> None:
    _add_filters(p)
    p.add_argument("--count", type=int, default=10, metavar="N",
                   help="number of questions (default 10)")
    p.add_argument("--due", action="store_true",
                   help="only questions due for review (answered before, interval passed)")
    p.add_argument("--seed", type=int, default=None,
                   help="order of new questions (default: the day's date, same all day)")
    p.add_argument("--data-dir", default=None,
                   help="folder of the progress file (default: $LRLEARN_DATA_DIR or the user "
                        "data folder)")
    p.add_argument("--no-save", action="store_true", help="do not record answers")
    p.add_argument("--list-topics", action="store_true", help="list topic tags and exit")
    p.add_argument("--stats", action="store_true", help="show Leitner boxes and exit")


def _run_quiz(args: argparse.Namespace) -> int:
    from .quiz import TOPICS, ProgressStore, Session, load_bank
    from .quiz.leitner import BOXES
    from .quiz.terminal import run_terminal_quiz

    if args.list_topics:
        bank = load_bank()
        for tag, text in TOPICS.items():
            n = sum(tag in q.topics for q in bank)
            print(f"{tag:24s} {n:3d}  {text}")
        return 0
    store = None if args.no_save else ProgressStore(data_dir=args.data_dir)
    if args.stats:
        cards = (store or ProgressStore(data_dir=args.data_dir)).cards()
        now = time.time()
        total = len(load_bank())
        print(f"{len(cards)} of {total} questions answered at least once; "
              f"{sum(c.is_due(now) for c in cards.values())} due for review now.")
        for box in range(1, BOXES + 1):
            print(f"box {box}: {sum(c.box == box for c in cards.values())}")
        return 0
    if args.count < 1:
        raise ValueError(f"--count must be >= 1, got {args.count}")
    seed = args.seed if args.seed is not None else int(time.time() // 86400)
    session = Session(level=_split(args.level), topic=_split(args.topic), count=args.count,
                      due_only=args.due, store=store, seed=seed)
    run_terminal_quiz(session)
    return 0


def _anki_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="output file, e.g. lrlearn_quiz.txt")
    _add_filters(p)
    p.add_argument("--deck", default="lrlearn", help="Anki deck name (default lrlearn)")


def _run_anki(args: argparse.Namespace) -> int:
    from .quiz import export_anki, load_bank

    bank = load_bank()
    questions = bank.select(level=_split(args.level), topic=_split(args.topic))
    path = export_anki(args.file, questions, deck=args.deck)
    print(f"wrote {len(questions)} notes to {path}; import it in Anki with File > Import")
    return 0


def _page_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="book/quiz.md", help="output file (default book/quiz.md)")
    _add_filters(p)


def _run_page(args: argparse.Namespace) -> int:
    from .quiz import write_book_page

    print(f"wrote {write_book_page(args.out, level=_split(args.level), topic=_split(args.topic))}")
    return 0


Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {
    "quiz": ("interview self-quiz with spaced repetition", _quiz_args, _run_quiz),
    "export-anki": ("write the question bank as an Anki import file", _anki_args, _run_anki),
    "quiz-page": ("write the quiz as a book page (MyST Markdown)", _page_args, _run_page),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lrlearn", description="Learn, see and be quizzed on the learning rate and batch size.")
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
