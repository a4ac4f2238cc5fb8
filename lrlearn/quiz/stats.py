"""What the progress file says: accuracy by topic and level, retention, the due forecast, and
the same over time (for the notebook's plots).

- accuracy: the share of answers right (every answer counts, re-asks included);
- measured retention: the share right among *reviews*, answers given at least ``REVIEW_GAP``
  after the previous answer to the same question (what FSRS aims to hold at 90 %);
- predicted retention: the mean of FSRS's recall probability now, over the questions answered;
- forecast: how many questions fall due within each horizon of ``HORIZONS_DAYS``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from .bank import Bank
from .scheduling import DAY, Card, cards_from_events

__all__ = ["HORIZONS_DAYS", "REVIEW_GAP", "ProgressStats", "format_stats", "progress_stats"]

REVIEW_GAP = 0.5 * DAY
HORIZONS_DAYS: tuple[float, ...] = (0, 1, 7, 30)


@dataclass(frozen=True)
class ProgressStats:
    """Totals now, and per-day series (``days``: the UTC day start of each row)."""

    questions: int
    answered: int
    by_topic: dict[str, tuple[int, int]]  # tag -> (right, answers)
    by_level: dict[str, tuple[int, int]]
    reviews: int
    reviews_right: int
    predicted_retention: float | None
    forecast: dict[float, int]  # horizon in days -> questions due by then
    days: np.ndarray
    answers_per_day: np.ndarray
    right_per_day: np.ndarray
    retention_per_day: np.ndarray  # measured retention of each day's reviews (nan: none)
    unknown: int  # answers to questions no longer in the bank

    @property
    def measured_retention(self) -> float | None:
        return self.reviews_right / self.reviews if self.reviews else None


def _share(right: int, total: int) -> str:
    return f"{100 * right / total:3.0f}% of {total:4d}" if total else "   - of    0"


def progress_stats(events: Iterable[Mapping[str, Any]], bank: Bank, now: float) -> ProgressStats:
    """Statistics of answer ``events`` (a progress file's) against ``bank`` at time ``now``."""
    evs = sorted(events, key=lambda e: (float(e["time"]), str(e.get("id", ""))))
    by_id = {q.id: q for q in bank}
    by_topic: dict[str, list[int]] = {}
    by_level: dict[str, list[int]] = {}
    last: dict[str, float] = {}
    reviews = reviews_right = unknown = 0
    day_rows: dict[int, list[int]] = {}
    for e in evs:
        t, ok = float(e["time"]), bool(e["correct"])
        row = day_rows.setdefault(int(t // DAY), [0, 0, 0, 0])
        row[0] += 1
        row[1] += ok
        prev = last.get(e["question"])
        if prev is not None and t - prev >= REVIEW_GAP:
            reviews += 1
            reviews_right += ok
            row[2] += 1
            row[3] += ok
        last[e["question"]] = t
        q = by_id.get(e["question"])
        if q is None:
            unknown += 1
            continue
        for tag in q.topics:
            by_topic.setdefault(tag, [0, 0])
            by_topic[tag][0] += ok
            by_topic[tag][1] += 1
        by_level.setdefault(q.level, [0, 0])
        by_level[q.level][0] += ok
        by_level[q.level][1] += 1
    cards: dict[str, Card] = cards_from_events(evs)
    probs = [
        p
        for c in cards.values()
        if c.question in by_id and (p := c.recall_probability(now)) is not None
    ]
    forecast = {
        h: sum(
            c.due is not None and c.due <= now + h * DAY
            for c in cards.values()
            if c.question in by_id
        )
        for h in HORIZONS_DAYS
    }
    if day_rows:
        first, final = min(day_rows), max(day_rows)
        days = np.arange(first, final + 1)
        table = np.array([day_rows.get(int(d), [0, 0, 0, 0]) for d in days], dtype=float)
    else:
        days, table = np.zeros(0), np.zeros((0, 4))
    with np.errstate(invalid="ignore", divide="ignore"):
        retention = np.where(table[:, 2] > 0, table[:, 3] / np.maximum(table[:, 2], 1), np.nan)
    return ProgressStats(
        questions=len(bank),
        answered=sum(q in by_id for q in cards),
        by_topic={k: (v[0], v[1]) for k, v in by_topic.items()},
        by_level={k: (v[0], v[1]) for k, v in by_level.items()},
        reviews=reviews,
        reviews_right=reviews_right,
        predicted_retention=float(np.mean(probs)) if probs else None,
        forecast=forecast,
        days=days * DAY,
        answers_per_day=table[:, 0].astype(int),
        right_per_day=table[:, 1].astype(int),
        retention_per_day=retention,
        unknown=unknown,
    )


def format_stats(stats: ProgressStats, levels: Iterable[str], topics: Iterable[str]) -> str:
    """The text ``lrlearn quiz --stats`` prints."""
    lines = [f"{stats.answered} of {stats.questions} questions answered at least once."]
    if stats.unknown:
        lines.append(f"({stats.unknown} answers are to questions no longer in the bank.)")
    due = ", ".join(
        f"{n} {'now' if h == 0 else f'within {h:g} day' + 's' * (h != 1)}"
        for h, n in stats.forecast.items()
    )
    lines.append(f"Due for review: {due}.")
    measured = stats.measured_retention
    lines.append(
        "Retention: "
        + (
            f"{100 * measured:.0f}% of {stats.reviews} reviews right "
            "(answers a half-day or more after the previous one)"
            if measured is not None
            else "no reviews yet"
        )
        + (
            ""
            if stats.predicted_retention is None
            else f"; FSRS predicts {100 * stats.predicted_retention:.0f}% recall now"
        )
        + "."
    )
    lines.append("")
    lines.append("Accuracy by level:")
    for lvl in levels:
        lines.append(f"  {lvl:24s} {_share(*stats.by_level.get(lvl, (0, 0)))}")
    lines.append("Accuracy by topic:")
    for tag in topics:
        if tag in stats.by_topic:
            lines.append(f"  {tag:24s} {_share(*stats.by_topic[tag])}")
    return "\n".join(lines)


_checks.check_public(globals())
