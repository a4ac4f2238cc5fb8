"""The spaced-repetition view: the simulated learner follows the quiz engine's Leitner rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn.quiz.leitner import BOXES, DAY, INTERVALS_DAYS, cards_from_events
from lrlearn.widgets import live, precomputed
from lrlearn.widgets.review_views import LeitnerReviews, simulate_reviews


def review_days_always_right(days: int) -> list[int]:
    """Closed form: answered on day 0, then each interval in turn, the last one repeating."""
    out, d, box = [0], 0, 1
    while True:
        d += INTERVALS_DAYS[box - 1]
        box = min(box + 1, BOXES)
        if d >= days:
            return out
        out.append(d)


def test_always_right_reviews_on_the_leitner_days():
    h = simulate_reviews(1.0, n_questions=3, new_per_day=3, days=100)
    expected = review_days_always_right(100)
    assert expected[:7] == [0, 1, 3, 7, 15, 31, 47]
    assert list(np.flatnonzero(h.reviews)) == expected
    assert np.all(h.reviews[expected] == 3) and np.all(h.right == h.reviews)
    assert h.boxes[-1].tolist() == [0, 0, 0, 0, 0, 3]


def test_always_wrong_reviews_everything_every_day():
    h = simulate_reviews(0.0, n_questions=10, new_per_day=4, days=20)
    assert h.reviews[:3].tolist() == [4, 8, 10]  # introduced 4 a day, all stay due daily
    assert np.all(h.reviews[2:] == 10) and h.right.sum() == 0
    assert np.all(h.boxes[2:, 1] == 10)


@settings(max_examples=25, deadline=None)
@given(p=st.floats(0, 1), n=st.integers(1, 20), new=st.integers(1, 8), seed=st.integers(0, 99))
def test_bookkeeping(p, n, new, seed):
    h = simulate_reviews(p, n_questions=n, new_per_day=new, days=25, seed=seed)
    assert np.all(h.boxes.sum(axis=1) == n)
    assert np.all(h.right <= h.reviews)
    # a question is reviewed at least once a day while in box 1, so reviews >= questions seen
    assert h.total_reviews >= n - h.boxes[-1, 0]
    # the quiz engine's replay of the same answers gives the same boxes and due dates
    cards = cards_from_events(h.events)
    assert np.array_equal(
        np.bincount([c.box for c in cards.values()], minlength=BOXES + 1)[1:], h.boxes[-1, 1:]
    )
    assert len(h.events) == h.total_reviews
    due_tomorrow = sum(c.is_due(25 * DAY) for c in cards.values())
    assert due_tomorrow == simulate_reviews(
        p, n_questions=n, new_per_day=new, days=26, seed=seed
    ).reviews[25] - min(new, h.boxes[-1, 0])
    again = simulate_reviews(p, n_questions=n, new_per_day=new, days=25, seed=seed)
    assert np.array_equal(h.reviews, again.reviews)


def test_better_recall_means_fewer_reviews():
    totals = [simulate_reviews(p, days=60).total_reviews for p in (0.0, 0.5, 0.8, 1.0)]
    assert totals == sorted(totals, reverse=True) and totals[0] > 5 * totals[-1]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p_right": 1.5}, "p_right"),
        ({"p_right": 0.5, "days": 0}, "days"),
        ({"p_right": 0.5, "new_per_day": 0}, "new_per_day"),
        ({"p_right": 0.5, "n_questions": 2.5}, "n_questions"),
    ],
)
def test_bad_input(kwargs, match):
    p = kwargs.pop("p_right")
    with pytest.raises((ValueError, TypeError), match=match):
        simulate_reviews(p, **kwargs)


def test_live_and_precomputed_views():
    view = LeitnerReviews(n_questions=10, days=30)
    w = live(view)
    before = w.output.value
    w.set(p_right=0.3)
    assert w.output.value != before and w.message.value == ""
    heading = view.heading.get_text()
    assert f"{view.compute(0.3, 5).total_reviews} answers in 30 days" in heading
    w.close()
    pre = precomputed(
        LeitnerReviews(n_questions=10, days=30), grid={"p_right": (0.0, 1.0), "new_per_day": (5,)}
    )
    assert len(pre.images) == 2 and pre.images[0].value != pre.images[1].value
    pre.close()
