"""The mock interview: key-point matching, the suggested grade, the timer and the follow-ups."""

from __future__ import annotations

import io

import pytest

from lrlearn.quiz import Bank, Session, load_bank, match_key_points, run_interview
from lrlearn.quiz.interview import normalise, suggested_rating
from lrlearn.quiz.schema import validate_entry

POINTS = [
    "scales the gradient step",
    "too high diverges or oscillates",
    "linear rule for SGD (Goyal et al.), square root for Adam (Malladi et al.)",
]


def test_normalise_stems_and_drops_common_words():
    assert normalise("The learning rates diverged, oscillating; batches") == [
        "learn",
        "rat",
        "diverg",
        "oscillat",
        "batch",
    ]
    assert normalise("2/L and 1e-3, η·∇L") == ["2/l", "1e-3", "eta", "l"]
    assert normalise("the optimizer's range") == ["optimiz", "range"]


def test_a_key_point_is_hit_by_its_words_in_any_form():
    r = match_key_points("It scales each gradient step; too high and training diverges.", POINTS)
    assert r.hit == (True, True, False) and r.share == pytest.approx(2 / 3)
    assert r.matched[0] == ("scal", "gradient", "step")
    assert r.lines()[0] == "[x] scales the gradient step  (matched: scal, gradient, step)"
    assert r.lines()[2].startswith("[ ] linear rule")


def test_words_in_parentheses_are_not_needed():
    r = match_key_points("The linear rule for SGD.", POINTS)
    assert r.hit[2]  # 3 of the 6 words outside the parentheses
    assert not match_key_points("Goyal et al. and Malladi et al.", POINTS).hit[2]


def test_unrelated_and_empty_answers_hit_nothing():
    assert match_key_points("", POINTS).hit == (False, False, False)
    assert match_key_points("I would use a bigger GPU.", POINTS).share == 0
    assert match_key_points("step", ["scales the gradient step"]).hit == (False,)  # 1 of 3 words
    with pytest.raises(TypeError, match="answer must be a string"):
        match_key_points(None, POINTS)


def test_a_very_long_answer_is_matched_in_bounded_time():
    r = match_key_points("word " * 1_000_000 + "scales gradient step", POINTS)
    assert r.hit[0] is False  # only the first 20,000 characters are read


@pytest.mark.parametrize(
    ("share", "seconds", "rating"),
    [
        (0.0, 10, 1),
        (0.3, 10, 1),
        (0.34, 10, 2),
        (0.5, 10, 2),
        (0.7, 200, 2),
        (0.7, 100, 3),
        (1.0, 100, 3),
        (1.0, 60, 4),
    ],
)
def test_suggested_rating(share, seconds, rating):
    assert suggested_rating(share, seconds, budget=120) == rating


def _bank() -> Bank:
    q = validate_entry(
        {
            "id": "iv-lr",
            "kind": "recall",
            "level": "basic",
            "topics": ["basics"],
            "prompt": "What is the learning rate?",
            "model_answer": "M.",
            "explanation": "E.",
            "notebook": "00_how_to_use",
            "key_points": POINTS,
            "follow_ups": [{"prompt": "How would you choose it?", "key_points": ["range test"]}],
        },
        "iv.json",
    )
    return Bank((q,))


def test_interview_times_each_answer_and_asks_the_follow_ups():
    times = iter([0.0, 150.0, 200.0, 230.0])  # main answer 150 s: over the 120 s budget
    typed = iter(["It scales the gradient step.", "", "A range test.", "", "4"])
    out = io.StringIO()
    session = Session(_bank(), count=1, store=None, reask=False, mode="interview")
    (result,) = run_interview(
        session, read=lambda p: next(typed), out=out, budget=120, clock=lambda: next(times)
    )
    text = out.getvalue()
    assert "Time: 150 s, over the 120 s budget. Key points hit: 1 of 3." in text
    assert "Follow-up 1: How would you choose it?" in text and "[x] range test" in text
    assert "Rated Easy (question iv-lr)" in text
    assert result[1].hit == (True, False, False) and session.grades[0].rating == 4


def test_interview_refuses_graded_questions():
    bank = load_bank()
    session = Session(bank.select(kind="choice"), count=1, store=None)
    with pytest.raises(ValueError, match="recall questions only"):
        run_interview(session, read=lambda p: "", out=io.StringIO())
