"""The quiz on a terminal: ask, read the answer, show the model answer and why, keep score.

Every answer is saved as soon as it is given, so quitting (``q``, Ctrl-D or Ctrl-C) loses nothing.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from .compute import run_curve
from .grading import Grade, InvalidAnswer
from .leitner import INTERVALS_DAYS
from .schema import Question
from .session import Score, Session
from .textplot import text_curve

__all__ = ["run_terminal_quiz"]

HELP = "Type your answer and press Enter; s skips, q quits."


class _Quit(Exception):
    pass


def _wrap(text: str, width: int, indent: str = "", hang: str = "") -> str:
    paras = text.split("\n")
    return "\n".join(textwrap.fill(p, width, initial_indent=indent,
                                   subsequent_indent=indent + hang) if p.strip() else ""
                     for p in paras)


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


def _show_question(t: _Terminal, q: Question, n: int, total: int) -> None:
    t.say(f"[{n}/{total}] {q.level} · {', '.join(q.topics)} · id: {q.id}")
    t.say(q.prompt)
    if q.kind == "curve":
        print(text_curve(run_curve(q.curve).losses, width=min(60, t.width - 12)), file=t.out)
    for i, choice in enumerate(q.choices):
        t.say(f"{chr(ord('a') + i)}) {choice}", indent="   ", hang="   ")


def _show_grade(t: _Terminal, g: Grade) -> None:
    q = g.question
    if q.kind == "recall":
        t.say("Marked right." if g.correct else "Marked to review again soon.")
    elif g.correct:
        t.say(f"Right: {g.expected}")
    else:
        t.say(f"Not quite. The answer is {g.expected}")
    if q.kind != "recall":
        t.say(f"Model answer: {g.model_answer}", indent="  ")
    t.say(f"Why: {g.explanation}", indent="  ")
    if q.correction:
        t.say(f"What the usual answer gets wrong: {q.correction}", indent="  ")
    t.say(f"See it in: {q.link}", indent="  ")
    t.say()


def _answer_one(t: _Terminal, session: Session) -> Grade | None:
    q = session.next_question()
    if q.kind == "recall":
        if t.ask("Think of your answer, then press Enter to see the model answer (s skips): ") \
                .lower() == "s":
            session.skip()
            return None
        t.say(f"Model answer: {q.model_answer}", indent="  ")
    prompt = {
        "choice": f"Your answer (a-{chr(ord('a') + len(q.choices) - 1)}): ",
        "curve": f"Your answer (a-{chr(ord('a') + len(q.choices) - 1)}): ",
        "numeric": "Your answer (a number, e.g. 0.2, 1/5, 2e-1): ",
        "recall": "Did you get it right? (y/n): ",
    }[q.kind]
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
        except OSError as exc:  # the progress file could not be written: say so, go on
            t.say(f"Could not save this answer ({exc}); it was not counted. Try again, s skips, "
                  "q quits.")
            continue
        _show_grade(t, result)
        return result


def run_terminal_quiz(
    session: Session,
    *,
    read: Callable[[str], str] = input,
    out: TextIO | None = None,
    width: int | None = None,
) -> Score:
    """Run ``session`` interactively; return the score. ``read`` and ``out`` default to the
    terminal (``input``, stdout)."""
    out = sys.stdout if out is None else out
    if width is None:
        width = max(40, min(100, shutil.get_terminal_size((88, 24)).columns - 2))
    t = _Terminal(read, out, width)
    where = (f" Each answer is saved at once in {session.store.path}."
             if session.store is not None else " Answers are not saved.")
    t.say(f"lrlearn quiz: {len(session)} question{'s' * (len(session) != 1)}. {HELP}{where}")
    t.say()
    try:
        while not session.finished:
            _show_question(t, session.next_question(), session.position + 1, len(session))
            _answer_one(t, session)
    except (_Quit, KeyboardInterrupt):  # Ctrl-C while a question is drawn stops cleanly too
        t.say()
        t.say("Stopped.")
    score = session.score
    t.say(f"Score: {score}.")
    if score.missed and session.store is not None:
        t.say(f"To review (back in box 1, due again in {INTERVALS_DAYS[0]} day): "
              f"{', '.join(score.missed)}")
    return score
