"""The spaced-repetition simulator: the simulated learner goes through the quiz's FSRS scheduler.

Truth: an ``fsrs.Scheduler`` built here (default FSRS-6 weights, 90 % retention, no learning
steps, no fuzzing, as the quiz documents) fed the same ratings at the same times; the FSRS-6
forgetting curve written out; the quiz's own replay of a progress file (``cards_from_events``)
and its store.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime, timezone

import fsrs
import numpy as np
import pytest

from lrlearn.quiz import ProgressStore
from lrlearn.quiz.scheduling import DAY, cards_from_events
from lrlearn.widgets import live, precomputed
from lrlearn.widgets.review_views import ReviewSimulator, simulate_reviews

REFERENCE = fsrs.Scheduler(
    desired_retention=0.9, learning_steps=(), relearning_steps=(), enable_fuzzing=False
)


def _dt(t: float) -> datetime:
    return datetime.fromtimestamp(t, tz=timezone.utc)


def reference_replay(events):
    """Per answer (in order): (days to the next due date, stability before it or None, days
    since the previous answer), from the reference scheduler."""
    cards, last, out = {}, {}, []
    for ev in events:
        q, t = ev["question"], ev["time"]
        card = cards.get(q) or fsrs.Card(card_id=0, due=_dt(t))
        before = card.stability if q in cards else None
        elapsed = (t - last[q]) / DAY if q in last else None
        card, _ = REFERENCE.review_card(card, fsrs.Rating(ev["rating"]), review_datetime=_dt(t))
        cards[q], last[q] = card, t
        out.append(((card.due.timestamp() - t) / DAY, before, elapsed))
    return out, cards


def forgetting_curve(stability: float, days: float) -> float:
    """FSRS-6: R = (1 + f t / S)^(-w20), f = 0.9^(-1/w20) - 1."""
    w = REFERENCE.parameters[20]
    return (1 + (0.9 ** (-1 / w) - 1) * days / stability) ** (-w)


@pytest.mark.parametrize("memory", [0.5, 1.0, 3.0])
def test_intervals_and_cards_are_fsrs(memory):
    h = simulate_reviews(8, memory, questions=25, days=90, seed=3)
    assert len(h.events) == h.total_reviews == len(h.intervals)
    ref, ref_cards = reference_replay(h.events)
    np.testing.assert_allclose(h.intervals, [r[0] for r in ref], rtol=0, atol=1e-6)
    assert {r for r in h.ratings} <= {1, 3}
    assert all((ev["rating"] == 3) == ev["correct"] for ev in h.events)
    # the quiz's own replay of the same answers gives the same cards
    cards = cards_from_events(h.events)
    assert set(cards) == set(ref_cards)
    for q, card in cards.items():
        assert card.due == pytest.approx(ref_cards[q].due.timestamp())
        assert card.stability == pytest.approx(ref_cards[q].stability)


def test_due_counts_match_the_quiz_cards():
    h = simulate_reviews(3, 0.5, questions=20, days=40, seed=1)
    assert h.due.max() > 3  # a backlog forms: more due than the learner answers
    for d in range(40):
        now = d * DAY
        cards = cards_from_events([e for e in h.events if e["time"] < now])
        assert h.due[d] == sum(c.is_due(now) for c in cards.values())
        # due ones first; new ones only when the due ones fit
        assert h.reviews[d] == min(3, h.due[d] + (20 - len(cards)))
        assert h.new[d] == (h.reviews[d] - h.due[d] if h.due[d] < 3 else 0)
    assert h.new.sum() == 20


def test_a_learner_who_always_remembers_reviews_less_and_less_often():
    h = simulate_reviews(5, 100.0, p_new=1.0, questions=5, days=400, seed=0)
    assert all(ev["correct"] for ev in h.events)
    answered = defaultdict(list)
    for ev in h.events:
        answered[ev["question"]].append(ev["time"] / DAY)
    for days in answered.values():
        gaps = np.diff(days)
        assert len(gaps) >= 3 and np.all(np.diff(gaps) > 0)  # each wait longer than the last


def test_review_waits_equal_the_scheduled_intervals():
    h = simulate_reviews(30, 1.0, questions=10, days=120, seed=4)
    nxt = {}
    for ev, interval in zip(h.events, h.intervals, strict=True):
        q, t = ev["question"], ev["time"] / DAY
        if q in nxt:  # never over capacity here, so a question is asked the day it falls due
            assert t == math.ceil(nxt[q] - 1e-9)
        nxt[q] = t + interval


@pytest.mark.parametrize("memory", [0.1, 3.0])
def test_recall_model_is_the_stated_forgetting_curve(memory):
    """Reviews right with R(t, memory * S), first answers with p_new: the counts right agree
    with the sums of those chances within 4 binomial standard deviations (ignoring ``memory``
    would be 26 and 5 deviations off)."""
    chance = {"first": [0.0, 0, 0], "review": [0.0, 0, 0]}  # sum of p, right, answers
    for seed in range(4):
        h = simulate_reviews(10, memory, p_new=0.3, questions=40, days=60, seed=seed)
        ref, _ = reference_replay(h.events)
        for ev, (_, before, elapsed) in zip(h.events, ref, strict=True):
            kind = "first" if before is None else "review"
            p = 0.3 if before is None else forgetting_curve(memory * before, elapsed)
            chance[kind][0] += p
            chance[kind][1] += ev["correct"]
            chance[kind][2] += 1
    for predicted, observed, n in chance.values():
        sd = math.sqrt(predicted * (1 - predicted / n))
        assert n > 100 and abs(observed - predicted) < 4 * sd, (observed, predicted, sd)


def test_more_memory_means_fewer_answers_and_higher_retention():
    runs = [simulate_reviews(10, m, questions=60, days=90) for m in (0.25, 1.0, 4.0)]
    totals = [r.total_reviews for r in runs]
    kept = [r.retention for r in runs]
    assert totals == sorted(totals, reverse=True) and totals[0] > 1.5 * totals[-1]
    assert kept == sorted(kept)


def test_determinism_by_seed():
    a = simulate_reviews(7, 1.0, days=30, seed=5)
    b = simulate_reviews(7, 1.0, days=30, seed=5)
    c = simulate_reviews(7, 1.0, days=30, seed=6)
    assert a.events == b.events and np.array_equal(a.intervals, b.intervals)
    assert [e["correct"] for e in a.events] != [e["correct"] for e in c.events]


def test_events_go_into_a_progress_file(tmp_path):
    bank_ids = ["warmup-how-long", "basics-what-is-lr", "sched-exponential"]
    h = simulate_reviews(2, 1.0, questions=bank_ids, days=20, start=1.7e9, seed=2)
    assert {e["question"] for e in h.events} == set(bank_ids)
    store = ProgressStore(tmp_path / "progress.json")
    store.merge(h.events)
    assert len(store.events()) == h.total_reviews
    assert store.cards() == cards_from_events(h.events)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"per_day": 0}, r"per_day must be in \[1, 10000\], got 0"),
        ({"per_day": 2.5}, "per_day"),
        ({"memory": 0.0}, r"memory must be in \[0.01, 100.0\], got 0.0"),
        ({"memory": float("nan")}, "memory"),
        ({"p_new": 1.5}, "p_new must be in"),
        ({"days": 0}, "days"),
        ({"days": 10**6}, "days"),
        ({"questions": 0}, "questions"),
        ({"questions": []}, "questions"),
        ({"questions": ["a", "a"]}, "questions"),
        ({"questions": ["a", 3]}, "questions"),
        ({"questions": "abc"}, "questions"),
        ({"seed": -1}, "seed"),
        ({"start": float("inf")}, "start"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        simulate_reviews(**kwargs)


def test_live_and_precomputed_views():
    view = ReviewSimulator(questions=20, days=30)
    w = live(view)
    before = w.output.value
    w.set(memory=0.5)
    assert w.output.value != before and w.message.value == ""
    assert f"{view.compute(10, 0.5).total_reviews} answers in 30 days" in view.heading.get_text()
    again = view.compute(10, 0.5)  # a revisit comes from the cache and is the same run
    assert again is view.compute(10, 0.5)
    assert again.events == simulate_reviews(10, 0.5, questions=20, days=30).events
    w.close()
    pre = precomputed(
        ReviewSimulator(questions=20, days=30), grid={"per_day": (10,), "memory": (0.5, 2.0)}
    )
    assert len(pre.images) == 2 and pre.images[0].value != pre.images[1].value
    pre.close()
    with pytest.raises(ValueError, match="days"):
        ReviewSimulator(days=0)
