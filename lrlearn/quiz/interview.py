"""A mock interview: an oral-style question, a time budget, the interviewer's chained follow-ups,
and a typed answer matched against each question's key points.

A key point is *hit* when enough of its content words appear in the answer: as many as half of
its words outside parentheses (rounded up; words in parentheses, such as a citation, may count
but are not needed), and at least one, after both are normalised the same way (lower case,
punctuation dropped except inside numbers and formulas such as ``2/L`` or ``1e-3``, common words
dropped, plural and verb endings cut by a small suffix rule). This is keyword overlap, not
understanding: the rubric shows what was matched so the learner can judge, and the learner
grades the answer (Again/Hard/Good/Easy), with the share of key points hit as a suggestion.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO

from .. import _checks
from .grading import InvalidAnswer, parse_rating
from .scheduling import AGAIN, EASY, HARD, RATINGS
from .schema import Question
from .session import Session

__all__ = ["Rubric", "match_key_points", "normalise", "run_interview", "suggested_rating"]

_STOP = frozenset(
    """a an the of to in on at by for with and or but is are was were be been being
it its this that these those as from into than then so such can could should would will may might
do does did not no yes you your we our they their he she his her i me my if when which what who
how why where there here also just very more most much many some any each per one et al""".split()
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[./^*-][a-z0-9]+)*")
_SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ies",
    "ied",
    "ness",
    "ers",
    "er",
    "ed",
    "es",
    "ly",
    "s",
)


def _stem(word: str) -> str:
    if any(c.isdigit() for c in word) or len(word) <= 3:
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix in ("ies", "ied") else stem
    return word


def normalise(text: str) -> list[str]:
    """Content words of ``text``, lower-cased and stemmed (see the module docstring)."""
    text = re.sub(r"['’]s\b", "", text.lower()).replace("\u2212", "-").replace("η", "eta")
    words = _TOKEN.findall(text)
    return [_stem(w) for w in words if w not in _STOP]


def _covered(point: list[str], answer: set[str]) -> list[str]:
    hits = []
    for word in point:
        parts = {word, *re.split(r"[-]", word)}  # "learning-rate" also matches "learning rate"
        if parts & answer or (
            word.isalpha()
            and len(word) >= 5
            and any(a.startswith(word[:5]) for a in answer if len(a) >= 5)
        ):
            hits.append(word)
    return hits


@dataclass(frozen=True)
class Rubric:
    """Which key points an answer hit, and the words that matched each."""

    points: tuple[str, ...]
    hit: tuple[bool, ...]
    matched: tuple[tuple[str, ...], ...]

    @property
    def share(self) -> float:
        return sum(self.hit) / len(self.hit) if self.hit else 0.0

    def lines(self) -> list[str]:
        """One line per key point: ``[x]`` hit (with the words matched) or ``[ ]`` missed."""
        return [
            f"[x] {p}  (matched: {', '.join(m)})" if h else f"[ ] {p}"
            for p, h, m in zip(self.points, self.hit, self.matched, strict=True)
        ]


def match_key_points(answer: str, key_points: Sequence[str]) -> Rubric:
    """Match a typed answer against key points (keyword overlap, see the module docstring)."""
    if not isinstance(answer, str):
        raise TypeError(f"answer must be a string, got {type(answer).__name__}")
    words = set(normalise(answer[:20_000]))
    words |= {p for w in list(words) for p in w.split("-") if p}
    hit, matched = [], []
    for point in key_points:
        content = list(dict.fromkeys(normalise(point)))
        got = _covered(content, words)
        core = normalise(re.sub(r"\([^)]*\)", " ", point)) or content
        need = max(1, math.ceil(len(set(core)) / 2))
        hit.append(bool(content) and len(got) >= need)
        matched.append(tuple(got))
    return Rubric(tuple(key_points), tuple(hit), tuple(matched))


def suggested_rating(share: float, seconds: float, budget: float) -> int:
    """A suggestion for the self-grade: Again under 1/3 of the key points, Hard under 2/3 or
    over the time budget, Good otherwise, Easy with every point inside half the budget."""
    if share < 1 / 3:
        return AGAIN
    if share < 2 / 3 or seconds > budget:
        return HARD
    if share >= 1 and seconds <= budget / 2:
        return EASY
    return 3  # Good


class _Quit(Exception):
    pass


def _read_answer(read: Callable[[str], str], prompt: str) -> str:
    """Lines until an empty one (or a single line ending in nothing more)."""
    lines: list[str] = []
    while True:
        try:
            line = read(prompt if not lines else "... ")
        except (EOFError, KeyboardInterrupt):
            raise _Quit from None
        if not lines and line.strip().lower() in ("q", "quit", "exit"):
            raise _Quit
        if not line.strip():
            return "\n".join(lines)
        lines.append(line)


def run_interview(
    session: Session,
    *,
    read: Callable[[str], str] | None = None,
    out: IO[str] | None = None,
    budget: float = 120.0,
    clock: Callable[[], float] = time.monotonic,
) -> list[tuple[Question, Rubric]]:
    """Run a mock interview over ``session``'s questions (each should have key points): ask,
    time the answer, show the rubric and the model answer, ask each follow-up, take the
    self-grade and record it. Returns (question, rubric of the main answer) per question."""
    out = (
        sys.stdout if out is None else _checks.result_like("out", out, ("write",), "a text stream")
    )
    read = input if read is None else read
    graded = sorted({q.id for q in session.questions if q.kind != "recall"})
    if graded:
        raise ValueError(f"an interview asks recall questions only; the session holds {graded}")

    def say(text: str = "") -> None:
        print(text, file=out, flush=True)

    results: list[tuple[Question, Rubric]] = []
    say(
        f"lrlearn interview: {len(session)} question{'s' * (len(session) != 1)}, "
        f"{budget:.0f} s each. Answer as you would aloud; type it, finish with an empty line. "
        "q quits."
    )
    try:
        while not session.finished:
            q = session.next_question()
            say()
            say(f"Interviewer ({q.level} · {', '.join(q.topics)}): {q.prompt}")
            t0 = clock()
            answer = _read_answer(read, "> ")
            seconds = clock() - t0
            rubric = match_key_points(answer, q.key_points)
            late = f", over the {budget:.0f} s budget" if seconds > budget else ""
            say(
                f"Time: {seconds:.0f} s{late}. Key points hit: {sum(rubric.hit)} of "
                f"{len(rubric.hit)}."
            )
            for line in rubric.lines():
                say(f"  {line}")
            say(f"Model answer: {q.model_answer}")
            shares = [rubric.share]
            for k, follow in enumerate(q.follow_ups, 1):
                say()
                say(f"Follow-up {k}: {follow.prompt}")
                t1 = clock()
                fa = _read_answer(read, "> ")
                seconds += clock() - t1
                fr = match_key_points(fa, follow.key_points)
                shares.append(fr.share)
                for line in fr.lines():
                    say(f"  {line}")
            share = sum(shares) / len(shares)
            hint = suggested_rating(share, seconds, budget * (1 + len(q.follow_ups)))
            while True:
                try:
                    text = read(
                        f"Grade yourself (1 again, 2 hard, 3 good, 4 easy; Enter takes "
                        f"{hint} {RATINGS[hint].lower()}): "
                    )
                except (EOFError, KeyboardInterrupt):
                    raise _Quit from None
                try:
                    rating = hint if not text.strip() else parse_rating(text)
                    break
                except InvalidAnswer as exc:
                    say(f"{exc}.")
            session.answer(rating)
            say(
                f"Rated {RATINGS[rating]} (question {q.id}); "
                f"{'it comes back later in this sitting' if rating == AGAIN else 'saved'}."
            )
            results.append((q, rubric))
    except _Quit:
        say()
        say("Stopped.")
    say(f"Done: {session.score}.")
    return results


_checks.check_public(globals())
