"""The quiz on a terminal: ask, read the answer, show the model answer and why, keep score.

Options are shown in a fresh order at every presentation; the question id is shown only after the
answer. Every answer is saved as soon as it is given, so quitting (``q``, Ctrl-D or Ctrl-C) loses
nothing.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import IO, TextIO

from .. import _checks
from .grading import Grade, InvalidAnswer
from .render import text_plot
from .scheduling import RATINGS
from .session import REASK_GAP, Score, Session
from .shuffle import options_in_order

__all__ = ["RATING_PROMPT", "run_terminal_quiz"]

HELP = "Type your answer and press Enter; s skips, q quits."
RATING_PROMPT = "How did you do? 1 again (missed), 2 hard, 3 good, 4 easy: "


class _Quit(Exception):
    pass


def _wrap(text: str, width: int, indent: str = "", hang: str = "") -> str:
    paras = text.split("\n")
    return "\n".join(
        textwrap.fill(
            p, width, initial_indent=indent, break_on_hyphens=False, subsequent_indent=indent + hang
        )
        if p.strip()
        else ""
        for p in paras
    )


class _Terminal:
    def __init__(self, read: Callable[[str], str], out: TextIO, width: int) -> None:
        self.read_fn, self.out, self.width = read, out, width

    def say(self, text: str = "", indent: str = "", hang: str = "") -> None:
        print(_wrap(text, self.width, indent, hang) if text else "", file=self.out, flush=True)

    def ask(self, prompt: str) -> str:
        try:
            answer = self.read_fn(prompt)
        except (EOFError, KeyboardInterrupt):
            raise _Quit from None
        if answer.strip().lower() in ("q", "quit", "exit"):
            raise _Quit
        return answer.strip()


def _show_question(t: _Terminal, session: Session, n: int, total: int) -> None:
    q = session.next_question()
    again = " · again (missed earlier)" if session.is_reask else ""
    t.say(f"[{n}/{total}] {q.level} · {', '.join(q.topics)}{again}")
    t.say(q.prompt)
    if q.kind in ("curve", "training"):
        print(text_plot(q, width=min(60, t.width - 12)), file=t.out)
    for key, choice in options_in_order(q, session.order):
        t.say(f"{key}) {choice}", indent="   ", hang="   ")


def _show_grade(t: _Terminal, g: Grade) -> None:
    q = g.question
    if q.kind == "recall":
        t.say(
            f"Rated {RATINGS[g.rating]}."
            + ("" if g.correct else " It comes back later in this sitting.")
        )
    elif g.correct:
        t.say(f"Right: {g.expected}")
    else:
        t.say(f"Not quite. The answer is {g.expected}")
    if g.note:
        t.say(g.note, indent="  ")
    if q.kind != "recall":
        t.say(f"Model answer: {g.model_answer}", indent="  ")
    t.say(f"Why: {g.explanation}", indent="  ")
    if q.correction:
        t.say(f"What the usual answer gets wrong: {q.correction}", indent="  ")
    t.say(f"See it in: {q.link} (question {q.id})", indent="  ")
    t.say()


def _answer_one(t: _Terminal, session: Session) -> Grade | None:
    q = session.next_question()
    n = len(q.choices)
    if q.kind == "recall":
        if (
            t.ask(
                "Think of your answer, then press Enter to see the model answer (s skips): "
            ).lower()
            == "s"
        ):
            session.skip()
            return None
        t.say(f"Model answer: {q.model_answer}", indent="  ")
        if q.key_points:
            t.say("Key points: " + "; ".join(q.key_points), indent="  ")
    prompt = (
        RATING_PROMPT
        if q.kind == "recall"
        else "Your answer (a number, e.g. 0.2, 1/5, 2e-1): "
        if q.kind == "numeric"
        else f"Your answer (a-{chr(ord('a') + n - 1)}): "
    )
    while True:
        text = t.ask(prompt)
        if text.lower() in ("s", "skip"):
            session.skip()
            t.say("Skipped.")
            t.say()
            return None
        if text in ("?", "h", "help"):
            t.say(HELP)
            continue
        try:
            result = session.answer(text)
        except InvalidAnswer as exc:
            t.say(f"{exc}. Try again (s skips, q quits).")
            continue
        except (OSError, ValueError) as exc:  # the progress file could not be written: go on
            t.say(
                f"Could not save this answer ({exc}); it was not counted. Try again, s skips, "
                "q quits."
            )
            continue
        _show_grade(t, result)
        return result


def run_terminal_quiz(
    session: Session,
    *,
    read: Callable[[str], str] = input,
    out: IO[str] | None = None,
    width: int | None = None,
) -> Score:
    """Run ``session`` interactively; return the score. ``read`` and ``out`` default to the
    terminal (``input``, stdout)."""
    out = (
        sys.stdout if out is None else _checks.result_like("out", out, ("write",), "a text stream")
    )
    if width is None:
        width = max(40, min(100, shutil.get_terminal_size((88, 24)).columns - 2))
    t = _Terminal(read, out, width)
    where = (
        f" Each answer is saved at once in {session.store.path}."
        if session.store is not None
        else " Answers are not saved."
    )
    t.say(f"lrlearn quiz: {len(session)} question{'s' * (len(session) != 1)}. {HELP}{where}")
    t.say()
    try:
        while not session.finished:
            _show_question(t, session, session.position + 1, len(session))
            _answer_one(t, session)
    except (_Quit, KeyboardInterrupt):  # Ctrl-C while a question is drawn stops cleanly too
        t.say()
        t.say("Stopped.")
    score = session.score
    t.say(f"Score: {score}.")
    if score.missed and session.store is not None:
        t.say(
            f"To review (asked again {REASK_GAP} questions later, then scheduled by FSRS): "
            f"{', '.join(score.missed)}"
        )
    return score


_checks.check_public(globals())
