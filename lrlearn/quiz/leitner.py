"""Leitner boxes: spaced repetition from the log of answers.

A question starts outside the boxes. A right answer moves it up one box (at most the last), a
wrong one sends it back to box 1; it is due again ``INTERVALS_DAYS[box - 1]`` days after the
answer (Leitner, *So lernt man lernen*, 1972; intervals doubling as in most software versions).
The state is a pure function of the answers, replayed in time order, so two logs merged in any
order give the same boxes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["BOXES", "DAY", "INTERVALS_DAYS", "Card", "cards_from_events", "next_box"]

INTERVALS_DAYS: tuple[int, ...] = (1, 2, 4, 8, 16)
BOXES = len(INTERVALS_DAYS)
DAY = 86400.0


def next_box(box: int, correct: bool) -> int:
    """Box after an answer: up one (capped at ``BOXES``) if right, box 1 if wrong."""
    return min(box + 1, BOXES) if correct else 1


@dataclass(frozen=True)
class Card:
    """What is known about one question: its box (0 = never answered), when it is due, tallies."""

    question: str
    box: int = 0
    due: float | None = None  # epoch seconds; None for a question never answered
    right: int = 0
    wrong: int = 0
    last: float | None = None

    def is_due(self, now: float) -> bool:
        """Answered before and its interval has passed."""
        return self.due is not None and self.due <= now


def cards_from_events(events: Iterable[Mapping[str, Any]]) -> dict[str, Card]:
    """Replay answer events (``question``, ``time``, ``correct``) in (time, id) order."""
    cards: dict[str, Card] = {}
    for ev in sorted(events, key=lambda e: (float(e["time"]), str(e.get("id", "")))):
        qid, t, ok = ev["question"], float(ev["time"]), bool(ev["correct"])
        old = cards.get(qid, Card(qid))
        box = next_box(old.box, ok)
        cards[qid] = Card(qid, box=box, due=t + INTERVALS_DAYS[box - 1] * DAY,
                          right=old.right + ok, wrong=old.wrong + (not ok), last=t)
    return cards
