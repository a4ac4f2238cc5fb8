"""A quiz session: draw questions by level, topic and due date; shuffle their options at every
presentation; grade; record; ask misses again later in the sitting; keep score."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _checks
from .bank import Bank, EmptySelectionError, load_bank
from .grading import Grade, grade
from .scheduling import Card
from .schema import LEVELS, Question
from .shuffle import shuffled_order
from .store import ProgressStore

__all__ = ["REASK_GAP", "NothingDue", "Score", "Session", "draw", "learner_level"]

#: a missed question is asked again this many questions later (sooner if the sitting ends)
REASK_GAP = 3
#: at most this many re-asks of one question per sitting
MAX_REASKS = 2
#: a level counts as mastered after this many questions answered there, this share right
MASTERY_COUNT, MASTERY_SHARE = 5, 0.8


class NothingDue(EmptySelectionError):
    """``due_only`` and no question is due; ``next_due`` is when the next one is (or None)."""

    def __init__(self, message: str, next_due: float | None) -> None:
        super().__init__(message)
        self.next_due = next_due


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


def learner_level(questions: Iterable[Question], cards: Mapping[str, Card]) -> str:
    """The first level not yet mastered: fewer than ``MASTERY_COUNT`` of its questions answered,
    or under ``MASTERY_SHARE`` of them right at their last answer. ``basic`` for a new learner."""
    by_level: dict[str, list[bool]] = {lvl: [] for lvl in LEVELS}
    for q in questions:
        card = cards.get(q.id)
        if card is not None and card.last_rating is not None:
            by_level[q.level].append(card.last_rating > 1)
    for lvl in LEVELS:
        got = by_level[lvl]
        if len(got) < MASTERY_COUNT or sum(got) < MASTERY_SHARE * len(got):
            return lvl
    return LEVELS[-1]


def draw(
    questions: Iterable[Question],
    cards: dict[str, Card],
    *,
    count: int | None,
    now: float,
    due_only: bool = False,
    seed: int | None = 0,
    level: str | None = None,
) -> list[Question]:
    """Choose a session's questions.

    Order: questions due for review (longest overdue first), then new ones, then the rest by due
    date (soonest first). New ones come level by level from ``level`` (default: the learner's,
    ``learner_level``) upward, then the levels below it, shuffled within a level. With
    ``due_only``, only questions due for review.
    """
    rng = np.random.default_rng(seed)
    pool = list(questions)
    due = sorted(
        (q for q in pool if q.id in cards and cards[q.id].is_due(now)),
        key=lambda q: (cards[q.id].due, q.id),
    )
    if due_only:
        chosen = due
    else:
        start = LEVELS.index(level or learner_level(pool, cards))
        rank = {lvl: (i - start) % len(LEVELS) for i, lvl in enumerate(LEVELS)}
        new = [q for q in pool if q.id not in cards]
        new = [new[i] for i in rng.permutation(len(new))]
        new.sort(key=lambda q: rank[q.level])  # stable: shuffled within a level
        later = sorted(
            (q for q in pool if q.id in cards and not cards[q.id].is_due(now)),
            key=lambda q: (cards[q.id].due, q.id),
        )
        chosen = due + new + later
    return chosen if count is None else chosen[:count]


class Session:
    """Questions for one sitting, drawn from ``bank`` (default: lrlearn's) by level, topic and due
    date, answered one by one; each answer goes to ``store`` at once (None: nothing is saved).

    Every presentation shows the options in a fresh order (``order``), drawn from ``seed``; the
    order is saved with the answer. A missed question comes back ``REASK_GAP`` questions later.

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
        reask: bool = True,
        mode: str | None = None,
    ) -> None:
        if count is not None:
            count = _checks.integer("count", count, minimum=1)
        if seed is not None:
            seed = _checks.integer("seed", seed, minimum=0)
        if bank is not None and not isinstance(bank, Bank):
            raise TypeError(
                f"bank must be a Bank or None (see load_bank), got {type(bank).__name__}"
            )
        self.bank = load_bank() if bank is None else bank
        self.store = ProgressStore() if store == "default" else store
        if self.store is not None and not isinstance(self.store, ProgressStore):
            raise TypeError(f"store must be a ProgressStore or None, got {store!r}")
        self.clock = clock
        self.seed = 0 if seed is None else seed
        self.reask = bool(reask)
        self.mode = mode
        pool = self.bank.select(level=level, topic=topic, kind=kind)
        cards = self.store.cards() if self.store is not None else {}
        self.cards = cards
        asked = {q.level for q in pool} if level is not None else set()
        asked_level = next((lvl for lvl in LEVELS if lvl in asked), None)
        self.questions = draw(
            pool, cards, count=count, now=clock(), due_only=due_only, seed=seed, level=asked_level
        )
        if not self.questions:
            nxt = min((cards[q.id].due for q in pool if q.id in cards), default=None)
            when = (
                ""
                if nxt is None
                else f"; the next review is due {time.strftime('%Y-%m-%d %H:%M', time.localtime(nxt))}"
            )
            raise NothingDue(f"no question is due for review{when}", nxt)
        self.position = 0
        self.score = Score()
        self.grades: list[Grade] = []
        self._presented: dict[str, int] = {}
        self._missed: dict[str, int] = {}
        self._order: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.questions)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.questions)

    def next_question(self) -> Question | None:
        """The current question (None when the session is over)."""
        return None if self.finished else self.questions[self.position]

    @property
    def order(self) -> tuple[int, ...]:
        """The bank indices of the current question's options, in the order shown (a fresh
        shuffle per presentation, from the seed)."""
        q = self.next_question()
        if q is None:
            return ()
        if self._order is None:
            k = self._presented.get(q.id, 0)
            self._order = shuffled_order(q, self.seed, k)
        return self._order

    @property
    def is_reask(self) -> bool:
        """The current question was missed earlier in this sitting."""
        q = self.next_question()
        return q is not None and q.id in self._missed

    def _advance(self, q: Question) -> None:
        self._presented[q.id] = self._presented.get(q.id, 0) + 1
        self.position += 1
        self._order = None

    def answer(self, response: Any) -> Grade:
        """Grade ``response`` to the current question (a letter refers to the order shown),
        save it, and move on.

        Raises ``InvalidAnswer`` (nothing saved, same question stays) if the response has the
        wrong form, e.g. text that is not a number for a numeric question.
        """
        question = self.next_question()
        if question is None:
            raise RuntimeError("the session is over; no question to answer")
        result = grade(question, response, self.order, again_in_sitting=self.is_reask)
        if self.store is not None:
            self.store.record(
                question.id,
                result.correct,
                response=result.response,
                when=self.clock(),
                rating=result.rating,
                order=result.order or None,
                mode=self.mode,
            )
        if result.correct:
            self.score.right += 1
        else:
            self.score.wrong += 1
            if question.id not in self.score.missed:
                self.score.missed.append(question.id)
            misses = self._missed.get(question.id, 0)
            self._missed[question.id] = misses + 1
            if self.reask and misses < MAX_REASKS:
                where = min(self.position + 1 + REASK_GAP, len(self.questions))
                self.questions.insert(where, question)
        self.grades.append(result)
        self._advance(question)
        return result

    def skip(self) -> None:
        """Move on without answering (nothing saved)."""
        q = self.next_question()
        if q is None:
            raise RuntimeError("the session is over; no question to skip")
        self.score.skipped += 1
        self._advance(q)


_checks.check_public(globals())
