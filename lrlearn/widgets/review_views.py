"""Spaced repetition made visible: a simulated learner studying the quiz with FSRS.

:func:`simulate_reviews` replays days of study through the quiz engine's own scheduler
(``lrlearn.quiz.scheduling``: every answer is rated Good if right and Again if wrong, as the quiz
rates a graded answer, and goes through ``scheduling.scheduler().review_card``, the
``fsrs.Scheduler`` that ``cards_from_events`` replays a progress file with).
:class:`ReviewSimulator` draws the answers and the due questions per day and the share right.

The learner's recall model: a question answered before, ``t`` days after its last answer, is
answered right with probability ``R(t, memory * S)``, the FSRS forgetting curve
(``scheduling.retrievability``) at the stability ``S`` FSRS holds for it, scaled by ``memory``
(1: the learner forgets exactly as FSRS predicts, so about 90 % of reviews are right; above 1 the
learner remembers longer than FSRS assumes, below 1 shorter); a new question is right with
probability ``p_new``. Every draw comes from one seeded generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from .. import _checks
from ..quiz import scheduling
from .controls import float_slider, int_slider
from .view import View

__all__ = ["ReviewSimulation", "ReviewSimulator", "simulate_reviews"]

MEMORY_RANGE = (0.01, 100.0)
MAX_DAYS = 3650


@dataclass(frozen=True)
class ReviewSimulation:
    """Day ``d`` (time ``start + d * DAY``): ``due[d]`` questions due before studying,
    ``reviews[d]`` answers given (the due ones first, then new ones), ``new[d]`` of them first
    answers, ``right[d]`` right. ``events``: every answer in the progress-file form (replay them
    with ``scheduling.cards_from_events`` to get the quiz's cards); ``intervals[i]``: the days
    FSRS scheduled after answer ``i``; ``ratings[i]``: its rating."""

    per_day: int
    memory: float
    p_new: float
    due: np.ndarray
    reviews: np.ndarray
    new: np.ndarray
    right: np.ndarray
    events: tuple[dict[str, Any], ...]
    intervals: np.ndarray
    ratings: np.ndarray

    @property
    def days(self) -> np.ndarray:
        return np.arange(len(self.reviews))

    @property
    def total_reviews(self) -> int:
        return int(self.reviews.sum())

    @property
    def accuracy(self) -> np.ndarray:
        """Share of each day's answers that were right (NaN on a day without answers)."""
        out = np.full(len(self.reviews), np.nan)
        np.divide(self.right, self.reviews, out=out, where=self.reviews > 0)
        return out

    @property
    def retention(self) -> float | None:
        """Share of the answers to questions seen before that were right (None if there were
        none): what FSRS aims to hold at 90 %."""
        seen: set[str] = set()
        n = ok = 0
        for ev in self.events:
            if ev["question"] in seen:
                n += 1
                ok += ev["correct"]
            seen.add(ev["question"])
        return ok / n if n else None


def _question_ids(questions: Any) -> list[str]:
    if isinstance(questions, bool):
        raise TypeError(f"questions must be a count or a list of question ids, got {questions!r}")
    if isinstance(questions, int | np.integer):
        n = _checks.count("questions", questions, 1, 100_000)
        return [f"q{i:05d}" for i in range(n)]
    if isinstance(questions, str | bytes) or not isinstance(questions, Sequence):
        raise TypeError(
            f"questions must be a count or a list of question ids, got {questions!r} "
            f"({type(questions).__name__})"
        )
    ids = list(questions)
    if not ids or len(ids) > 100_000:
        raise ValueError(f"questions must hold 1 to 100000 ids, got {len(ids)}")
    for q in ids:
        if not isinstance(q, str) or not q.strip():
            raise TypeError(f"questions must be non-empty strings, got {q!r} in questions")
    if len(set(ids)) != len(ids):
        raise ValueError("questions must not repeat an id")
    return ids


def simulate_reviews(
    per_day: int = 10,
    memory: float = 1.0,
    *,
    p_new: float = 0.6,
    questions: int | Sequence[str] = 60,
    days: int = 60,
    start: float = 0.0,
    seed: int = 0,
) -> ReviewSimulation:
    """A learner who each day ``d`` (all answers at time ``start + d * DAY``) answers up to
    ``per_day`` questions: the due ones (``Card.is_due``), longest overdue first, then new ones in
    the order of ``questions`` (a count, or question ids). A review ``t`` days after the last
    answer is right with probability ``retrievability(memory * S, t)``, a first answer with
    ``p_new``. Ratings: Good if right, Again if wrong; each goes through the quiz's
    ``scheduling.scheduler()``."""
    import fsrs

    per_day = _checks.count("per_day", per_day, 1, 10_000)
    memory = _checks.in_range("memory", memory, *MEMORY_RANGE)
    p_new = _checks.probability("p_new", p_new)
    ids = _question_ids(questions)
    days = _checks.count("days", days, 1, MAX_DAYS)
    start = _checks.in_range("start", start, 0.0, 1e11)
    seed = _checks.count("seed", seed, 0, 2**63 - 1)

    sched = scheduling.scheduler()
    rng = np.random.default_rng(seed)
    n = len(ids)
    states: list[Any] = [None] * n
    due_at = np.full(n, np.inf)
    last = np.zeros(n)
    introduced = 0
    out = {k: np.zeros(days, dtype=int) for k in ("due", "reviews", "new", "right")}
    events: list[dict[str, Any]] = []
    intervals: list[float] = []
    ratings: list[int] = []
    for d in range(days):
        now = start + d * scheduling.DAY
        waiting = np.flatnonzero(due_at[:introduced] <= now)  # the test of Card.is_due
        waiting = waiting[np.argsort(due_at[waiting], kind="stable")]
        out["due"][d] = len(waiting)
        todo = [int(q) for q in waiting[:per_day]]
        fresh = min(per_day - len(todo), n - introduced)
        todo += range(introduced, introduced + fresh)
        introduced += fresh
        when = datetime.fromtimestamp(now, tz=timezone.utc)
        draws = rng.random(len(todo))
        for k, q in enumerate(todo):
            state = states[q]
            if state is None:
                p = p_new
                state = fsrs.Card(card_id=0, due=when)
            else:
                p = scheduling.retrievability(
                    memory * state.stability, (now - last[q]) / scheduling.DAY
                )
            ok = bool(draws[k] < p)
            rating = scheduling.GOOD if ok else scheduling.AGAIN
            state, _ = sched.review_card(state, fsrs.Rating(rating), review_datetime=when)
            states[q], last[q] = state, now
            due_at[q] = due = state.due.timestamp()
            intervals.append((due - now) / scheduling.DAY)
            ratings.append(rating)
            events.append(
                {
                    "id": f"sim{seed}-{d:04d}-{k:05d}",
                    "question": ids[q],
                    "time": now,
                    "correct": ok,
                    "rating": rating,
                    "response": "",
                }
            )
            out["right"][d] += ok
        out["reviews"][d], out["new"][d] = len(todo), fresh
    return ReviewSimulation(
        per_day,
        memory,
        p_new,
        **out,
        events=tuple(events),
        intervals=np.asarray(intervals, dtype=float),
        ratings=np.asarray(ratings, dtype=int),
    )


class ReviewSimulator(View):
    """Left: answers per day (right ones in green) and the questions due each morning. Right:
    the share of each day's answers that were right, against FSRS's 90 % target. Controls: the
    questions a day and the learner's memory relative to FSRS's forgetting curve."""

    title = "spaced repetition with FSRS"
    figsize = (7.2, 3.2)

    def __init__(
        self,
        *,
        questions: int | Sequence[str] = 60,
        days: int = 60,
        p_new: float = 0.6,
        seed: int = 0,
    ) -> None:
        super().__init__()
        simulate_reviews(questions=questions, days=1, p_new=p_new, seed=seed)  # checks them
        self.n_questions = len(_question_ids(questions))
        self.days = _checks.count("days", days, 1, 365)  # each slider move replays every day
        self.questions, self.p_new, self.seed = questions, p_new, seed
        self._results: dict[tuple[int, float], ReviewSimulation] = {}  # revisits are instant
        self.controls = (
            int_slider("per_day", "questions a day", 10, 1, 30, grid=(5, 10, 20)),
            float_slider(
                "memory",
                "memory / FSRS's",
                1.0,
                0.25,
                4.0,
                step=0.25,
                grid=(0.5, 1.0, 2.0),
            ),
        )

    def compute(self, per_day: int, memory: float) -> ReviewSimulation:
        key = (
            _checks.count("per_day", per_day, 1, 10_000),
            _checks.in_range("memory", memory, *MEMORY_RANGE),
        )
        if key not in self._results:
            if len(self._results) >= 64:
                self._results.pop(next(iter(self._results)))
            self._results[key] = simulate_reviews(
                per_day,
                memory,
                p_new=self.p_new,
                questions=self.questions,
                days=self.days,
                seed=self.seed,
            )
        return self._results[key]

    def setup(self, fig: Any) -> None:
        self.ax_load, self.ax_right = fig.subplots(1, 2)
        top = 1.1 * min(self.n_questions, 60)  # due and answered: at most n, a backlog rarely 60
        last_day = max(self.days - 1, 1)
        (self.review_line,) = self.ax_load.plot(
            [], [], drawstyle="steps-mid", color="C0", lw=1.2, label="answers"
        )
        (self.right_line,) = self.ax_load.plot(
            [], [], drawstyle="steps-mid", color="C2", lw=1.0, label="right"
        )
        (self.due_line,) = self.ax_load.plot([], [], color="C3", lw=1.0, ls="--", label="due")
        self.ax_load.set(xlim=(0, last_day), ylim=(0, top), xlabel="day", ylabel="questions")
        self.ax_load.legend(fontsize=7, loc="upper right", ncols=3)
        (self.accuracy_line,) = self.ax_right.plot([], [], "o-", color="C0", ms=2.5, lw=0.8)
        self.ax_right.axhline(90, color="0.4", ls="--", lw=1, label="FSRS target 90%")
        self.ax_right.set(
            xlim=(0, last_day), ylim=(0, 105), xlabel="day", ylabel="% right that day"
        )
        self.ax_right.legend(fontsize=7, loc="lower right")
        self.heading = self.ax_right.set_title("", fontsize=9)
        self.animate(
            self.review_line, self.right_line, self.due_line, self.accuracy_line, self.heading
        )

    def update(self, result: ReviewSimulation) -> None:
        days = result.days
        self.review_line.set_data(days, result.reviews)
        self.right_line.set_data(days, result.right)
        self.due_line.set_data(days, result.due)
        ok = result.reviews > 0
        self.accuracy_line.set_data(days[ok], 100 * result.accuracy[ok])
        kept = result.retention
        self.heading.set_text(
            f"{result.total_reviews} answers in {len(days)} days; "
            + ("no reviews" if kept is None else f"{100 * kept:.0f}% of reviews right")
        )


_checks.check_public(globals())
