"""A quiz session: draw questions by level, topic and due date; grade; record; keep score."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _checks
from .bank import Bank, EmptySelectionError, load_bank
from .grading import Grade, grade
from .leitner import Card
from .schema import Question
from .store import ProgressStore

__all__ = ["Score", "Session", "draw"]


@dataclass
class Score:
    """Right and wrong answers so far in a session."""

    right: int = 0
    wrong: int = 0
    skipped: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.right + self.wrong

    def __str__(self) -> str:
        pct = f" ({100 * self.right / self.answered:.0f}%)" if self.answered else ""
        skipped = f", {self.skipped} skipped" if self.skipped else ""
        return f"{self.right} of {self.answered} right{pct}{skipped}"


def draw(questions: Iterable[Question], cards: dict[str, Card], *, count: int | None, now: float,
         due_only: bool = False, seed: int | None = 0) -> list[Question]:
    """Choose a session's questions.

    Order: questions due for review (longest overdue first), then new ones (shuffled), then the
    rest by due date (soonest first). With ``due_only``, only questions due for review.
    """
    rng = np.random.default_rng(seed)
    pool = list(questions)
    due = sorted((q for q in pool if cards.get(q.id, Card(q.id)).is_due(now)),
                 key=lambda q: cards[q.id].due)
    if due_only:
        chosen = due
    else:
        new = [q for q in pool if q.id not in cards]
        new = [new[i] for i in rng.permutation(len(new))]
        later = sorted((q for q in pool if q.id in cards and not cards[q.id].is_due(now)),
                       key=lambda q: cards[q.id].due)
        chosen = due + new + later
    return chosen if count is None else chosen[:count]


class Session:
    """Questions for one sitting, drawn from ``bank`` (default: lrlearn's) by level, topic and due
    date, answered one by one; each answer goes to ``store`` at once (None: nothing is saved).

    >>> s = Session(level="basic", topic="basics", count=3, store=None)
    >>> q = s.next_question()
    """

    def __init__(
        self,
        bank: Bank | None = None,
        *,
        level: str | Iterable[str] | None = None,
        topic: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        count: int | None = 10,
        due_only: bool = False,
        store: ProgressStore | str | None = "default",
        seed: int | None = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if count is not None:
            count = _checks.integer("count", count, minimum=1)
        if seed is not None:
            seed = _checks.integer("seed", seed, minimum=0)
        if bank is not None and not isinstance(bank, Bank):
            raise TypeError(f"bank must be an lrlearn.quiz.Bank (see load_bank), got "
                            f"{type(bank).__name__}")
        self.bank = load_bank() if bank is None else bank
        self.store = ProgressStore() if store == "default" else store
        if self.store is not None and not isinstance(self.store, ProgressStore):
            raise TypeError(f"store must be a ProgressStore or None, got {store!r}")
        self.clock = clock
        pool = self.bank.select(level=level, topic=topic, kind=kind)
        cards = self.store.cards() if self.store is not None else {}
        self.questions = draw(pool, cards, count=count, now=clock(), due_only=due_only, seed=seed)
        if not self.questions:
            nxt = min((cards[q.id].due for q in pool if q.id in cards), default=None)
            when = ("" if nxt is None else
                    f"; the next review is due {time.strftime('%Y-%m-%d %H:%M', time.localtime(nxt))}")
            raise EmptySelectionError(f"no question is due for review{when}")
        self.position = 0
        self.score = Score()
        self.grades: list[Grade] = []

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.questions)

    def next_question(self) -> Question | None:
        """The current question (None when the session is over)."""
        return None if self.finished else self.questions[self.position]

    def answer(self, response: Any) -> Grade:
        """Grade ``response`` to the current question, save it, and move on.

        Raises ``InvalidAnswer`` (nothing saved, same question stays) if the response has the
        wrong form, e.g. text that is not a number for a numeric question.
        """
        question = self.next_question()
        if question is None:
            raise RuntimeError("the session is over; no question to answer")
        result = grade(question, response)
        if self.store is not None:
            self.store.record(question.id, result.correct, response=result.response,
                              when=self.clock())
        if result.correct:
            self.score.right += 1
        else:
            self.score.wrong += 1
            self.score.missed.append(question.id)
        self.grades.append(result)
        self.position += 1
        return result

    def skip(self) -> None:
        """Move on without answering (nothing saved)."""
        if self.finished:
            raise RuntimeError("the session is over; no question to skip")
        self.score.skipped += 1
        self.position += 1
