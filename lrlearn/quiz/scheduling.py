"""Spaced repetition with FSRS, the scheduler Anki ships (Ye et al., "A Stochastic Shortest Path
Algorithm for Optimizing Spaced Repetition Scheduling", KDD 2022; the ``fsrs`` package).

Every answer carries a rating: Again (1), Hard (2), Good (3) or Easy (4). A recall question is
rated by the learner; a graded question (choice, numeric, curve) is rated automatically: right is
Good, wrong is Again, and right after a miss in the same sitting is Hard. A card's state
(stability, difficulty, due date) is a pure function of its answers, replayed in (time, id) order
through ``fsrs.Scheduler.review_card`` with fuzzing off, so two logs merged in any order give the
same cards. Answers saved before ratings existed count as Good when right and Again when wrong.

The scheduler runs without learning steps: a miss is asked again later in the same sitting by the
session itself (``Session``), and FSRS spaces the card from its first answer on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from .. import _checks

__all__ = [
    "AGAIN",
    "DAY",
    "EASY",
    "GOOD",
    "HARD",
    "RATINGS",
    "Card",
    "cards_from_events",
    "event_rating",
    "retrievability",
    "scheduler",
]

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
#: rating -> its name, as Anki shows it
RATINGS: dict[int, str] = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}
DAY = 86400.0
DESIRED_RETENTION = 0.9


@lru_cache(maxsize=1)
def scheduler() -> Any:
    """The ``fsrs.Scheduler`` every card is replayed with (default FSRS-6 parameters, 90 % desired
    retention, no learning steps, no fuzzing)."""
    import fsrs

    return fsrs.Scheduler(
        desired_retention=DESIRED_RETENTION,
        learning_steps=(),
        relearning_steps=(),
        enable_fuzzing=False,
    )


def event_rating(event: Mapping[str, Any]) -> int:
    """The rating of an answer event; old events without one: Good if right, Again if wrong."""
    if "rating" not in event and "correct" not in event:
        raise ValueError(f"event must hold 'rating' or 'correct', got keys {sorted(event)[:8]}")
    return _rating(event)


def _rating(event: Mapping[str, Any]) -> int:
    r = event.get("rating")
    if type(r) is int and AGAIN <= r <= EASY:
        return r
    return GOOD if event["correct"] else AGAIN


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


@dataclass(frozen=True)
class Card:
    """What is known about one question: its FSRS memory state, when it is due, tallies."""

    question: str
    due: float | None = None  # epoch seconds; None for a question never answered
    stability: float | None = None  # days until recall falls to 90 %
    difficulty: float | None = None  # 1 (easy) to 10 (hard)
    right: int = 0
    wrong: int = 0
    last: float | None = None
    last_rating: int | None = None
    lapses: int = 0  # misses after the first answer

    @property
    def reviews(self) -> int:
        return self.right + self.wrong

    def is_due(self, now: float) -> bool:
        """Answered before and its interval has passed."""
        return self.due is not None and self.due <= now

    def recall_probability(self, now: float) -> float | None:
        """FSRS's chance of recalling it at ``now`` (None if never answered)."""
        if self.stability is None or self.last is None:
            return None
        return _retrievability(self.stability, max(0.0, now - self.last) / DAY)


def retrievability(stability: float, elapsed_days: float) -> float:
    """FSRS-6 forgetting curve R(t) = (1 + f t / S)^(-w20), f = 0.9^(-1/w20) - 1, so R(S) = 0.9."""
    _checks.in_range("stability", stability, 1e-9, 1e9)
    _checks.in_range("elapsed_days", elapsed_days, 0.0, 1e9)
    return _retrievability(stability, elapsed_days)


def _retrievability(stability: float, elapsed_days: float) -> float:
    decay = -scheduler().parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return float((1 + factor * elapsed_days / stability) ** decay)


def cards_from_events(events: Iterable[Mapping[str, Any]]) -> dict[str, Card]:
    """Replay answer events (``question``, ``time``, ``correct``, optional ``rating``) in
    (time, id) order through FSRS."""
    import fsrs

    sched = scheduler()
    states: dict[str, Any] = {}
    cards: dict[str, Card] = {}
    try:
        ordered = sorted(events, key=lambda e: (float(e["time"]), str(e.get("id", ""))))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise TypeError(
            "events must be answer events, mappings with 'question', 'time' (a number), "
            f"'correct' and optional 'rating': {type(exc).__name__}: {exc}"
        ) from None
    for ev in ordered:
        if "question" not in ev or "correct" not in ev:
            raise ValueError(f"events: an event needs 'question' and 'correct', got {ev!r:.80}")
        qid, t = ev["question"], float(ev["time"])
        if not math.isfinite(t):
            raise ValueError(f"events: an event's 'time' must be finite, got {t!r}")
        rating = _rating(ev)
        ok = bool(ev["correct"])
        state = states.get(qid)
        if state is None:
            state = fsrs.Card(card_id=0, due=_dt(t))
        state, _ = sched.review_card(state, fsrs.Rating(rating), review_datetime=_dt(t))
        states[qid] = state
        old = cards.get(qid, Card(qid))
        due = state.due.timestamp()
        cards[qid] = Card(
            qid,
            due=due if math.isfinite(due) else None,
            stability=state.stability,
            difficulty=state.difficulty,
            right=old.right + ok,
            wrong=old.wrong + (not ok),
            last=t,
            last_rating=rating,
            lapses=old.lapses + (old.reviews > 0 and not ok),
        )
    return cards


_checks.check_public(globals())
