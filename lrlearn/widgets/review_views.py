"""Spaced repetition made visible: a simulated learner reviewing the quiz with Leitner boxes.

:func:`simulate_reviews` replays days of study through the quiz engine's own rule
(``lrlearn.quiz.leitner.cards_from_events``: right moves a question up one box, wrong sends it
back to box 1, box k is due again ``INTERVALS_DAYS[k - 1]`` days later). :class:`LeitnerReviews`
draws how many questions sit in each box and how many are reviewed per day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..quiz.leitner import BOXES, DAY, INTERVALS_DAYS, next_box
from .controls import float_slider, int_slider
from .view import View

__all__ = ["LeitnerReviews", "ReviewHistory", "simulate_reviews"]


@dataclass(frozen=True)
class ReviewHistory:
    """``boxes[d, k]``: questions in box k (0 = not seen yet) at the end of day d;
    ``reviews[d]``: answers given on day d; ``right[d]``: how many of them were right;
    ``events``: every answer in the quiz's progress-file form (replay them with
    ``lrlearn.quiz.leitner.cards_from_events`` to get the final boxes)."""

    p_right: float
    new_per_day: int
    boxes: np.ndarray
    reviews: np.ndarray
    right: np.ndarray
    events: tuple[dict[str, Any], ...] = ()

    @property
    def days(self) -> np.ndarray:
        return np.arange(len(self.reviews))

    @property
    def total_reviews(self) -> int:
        return int(self.reviews.sum())


def simulate_reviews(
    p_right: float,
    *,
    n_questions: int = 30,
    new_per_day: int = 5,
    days: int = 60,
    seed: int = 0,
) -> ReviewHistory:
    """A learner who, each day ``d`` (time ``d * DAY``), answers every question that is due plus up
    to ``new_per_day`` new ones, each right with probability ``p_right`` (seeded), the boxes
    following the quiz engine's Leitner rule (``next_box``, ``INTERVALS_DAYS``; the tests replay
    ``events`` through ``cards_from_events`` and get the same boxes)."""
    p_right = _checks.in_range("p_right", p_right, 0.0, 1.0)
    n_questions = _checks.integer("n_questions", n_questions, 1, 10_000)
    new_per_day = _checks.integer("new_per_day", new_per_day, 1, 10_000)
    days = _checks.integer("days", days, 1, 3650)
    rng = np.random.default_rng(seed)
    ids = [f"q{i:04d}" for i in range(n_questions)]
    events: list[dict[str, Any]] = []
    boxes = np.zeros((days, BOXES + 1), dtype=int)
    reviews = np.zeros(days, dtype=int)
    right = np.zeros(days, dtype=int)
    box = np.zeros(n_questions, dtype=int)  # 0: not seen yet
    due = np.full(n_questions, np.inf)
    introduced = 0
    for d in range(days):
        now = d * DAY
        todo = list(np.flatnonzero(due[:introduced] <= now))  # same test as Card.is_due
        todo += range(introduced, min(introduced + new_per_day, n_questions))
        introduced = max(introduced, todo[-1] + 1) if todo else introduced
        outcomes = rng.random(len(todo)) < p_right
        for q, ok in zip(todo, outcomes, strict=True):
            box[q] = next_box(int(box[q]), bool(ok))
            due[q] = now + INTERVALS_DAYS[box[q] - 1] * DAY
            events.append(
                {"id": f"{d}-{ids[q]}", "question": ids[q], "time": now, "correct": bool(ok)}
            )
        reviews[d], right[d] = len(todo), int(outcomes.sum())
        boxes[d] = np.bincount(box, minlength=BOXES + 1)
    return ReviewHistory(p_right, new_per_day, boxes, reviews, right, tuple(events))


class LeitnerReviews(View):
    """Left: questions per Leitner box over the days. Right: reviews per day. Controls: the chance
    of a right answer and the number of new questions a day."""

    title = "spaced repetition"
    figsize = (7.2, 3.2)

    def __init__(self, *, n_questions: int = 30, days: int = 60, seed: int = 0) -> None:
        super().__init__()
        self.n_questions, self.days, self.seed = n_questions, days, seed
        self.controls = (
            float_slider(
                "p_right",
                "chance of a right answer",
                0.8,
                0.0,
                1.0,
                step=0.05,
                grid=(0.0, 0.5, 0.7, 0.8, 0.9, 1.0),
            ),
            int_slider("new_per_day", "new questions a day", 5, 1, 30, grid=(1, 5, 30)),
        )

    def compute(self, p_right: float, new_per_day: int) -> ReviewHistory:
        return simulate_reviews(
            p_right,
            n_questions=self.n_questions,
            new_per_day=new_per_day,
            days=self.days,
            seed=self.seed,
        )

    def setup(self, fig: Any) -> None:
        self.ax_boxes, self.ax_reviews = fig.subplots(1, 2)
        colors = ["0.6", "#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2471a3"]
        labels = ["not seen yet"] + [f"box {k}" for k in range(1, BOXES + 1)]
        self.box_lines = [
            self.ax_boxes.plot([], [], color=c, lw=1.6, label=lab)[0]
            for c, lab in zip(colors, labels, strict=True)
        ]
        self.ax_boxes.set_xlim(0, self.days - 1)
        self.ax_boxes.set_ylim(-0.5, self.n_questions * 1.4)
        self.ax_boxes.set_xlabel("day")
        self.ax_boxes.set_ylabel("questions")
        self.ax_boxes.legend(fontsize=7, loc="upper center", ncols=3, handlelength=1.2)
        (self.review_line,) = self.ax_reviews.plot(
            [], [], drawstyle="steps-mid", color="C0", lw=1.2, label="reviewed"
        )
        (self.right_line,) = self.ax_reviews.plot(
            [], [], drawstyle="steps-mid", color="C2", lw=1.0, label="right"
        )
        self.ax_reviews.set_xlim(0, self.days - 1)
        self.ax_reviews.set_ylim(0, self.n_questions * 1.4)
        self.ax_reviews.set_xlabel("day")
        self.ax_reviews.set_ylabel("answers that day")
        self.ax_reviews.legend(fontsize=7, loc="upper right", ncols=2)
        self.heading = self.ax_reviews.set_title("", fontsize=9)
        self.animate(*self.box_lines, self.review_line, self.right_line, self.heading)

    def update(self, history: ReviewHistory) -> None:
        days = history.days
        for k, line in enumerate(self.box_lines):
            line.set_data(days, history.boxes[:, k])
        self.review_line.set_data(days, history.reviews)
        self.right_line.set_data(days, history.right)
        self.heading.set_text(
            f"{history.total_reviews} answers in {len(days)} days; "
            f"{history.boxes[-1, BOXES]} of {self.n_questions} in box {BOXES}"
        )
