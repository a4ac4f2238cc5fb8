"""The quiz's public functions refuse bad arguments by name, value and range, and valid calls
still work (the property test in test_boundary.py sweeps the types; these pin the ranges)."""

from __future__ import annotations

import io

import pytest

from lrlearn.quiz import Session, load_bank
from lrlearn.quiz.grading import format_value, parse_rating, round_sig
from lrlearn.quiz.scheduling import GOOD, cards_from_events, event_rating, retrievability
from lrlearn.quiz.shuffle import letter, shuffled_order
from lrlearn.quiz.terminal import run_terminal_quiz


@pytest.mark.parametrize("value", [None, True, float("inf"), float("nan")])
@pytest.mark.parametrize("fn", [round_sig, format_value])
def test_numbers_to_print_must_be_finite_reals(fn, value):
    with pytest.raises((TypeError, ValueError), match=r"^value must be"):
        fn(value)


def test_round_sig_and_format_value_still_print():
    assert round_sig(0.123456, 3) == 0.123
    assert format_value(-5) and format_value(2e-3)


def test_retrievability_ranges():
    assert retrievability(10.0, 10.0) == pytest.approx(0.9)  # R(S) = 0.9 by construction
    assert retrievability(10.0, 0.0) == 1.0
    with pytest.raises(ValueError, match=r"stability must be in \[1e-09, .*got 0.0"):
        retrievability(0.0, 1.0)
    with pytest.raises(ValueError, match=r"elapsed_days must be in \[0.0, .*got -1.0"):
        retrievability(1.0, -1.0)


def test_events_must_be_answer_events():
    cards = cards_from_events([{"question": "q", "time": 1.7e9, "correct": True}])
    assert cards["q"].right == 1 and cards["q"].last_rating == GOOD
    with pytest.raises(TypeError, match="events must be answer events"):
        cards_from_events([object()])
    with pytest.raises(TypeError, match="events must be answer events"):
        cards_from_events([{"question": "q"}])
    with pytest.raises(ValueError, match="events: an event needs 'question' and 'correct'"):
        cards_from_events([{"time": 1.0, "correct": True}])
    with pytest.raises(TypeError, match="event must be a mapping"):
        event_rating("right")
    with pytest.raises(ValueError, match="event must hold 'rating' or 'correct'"):
        event_rating({"time": 1.0})


def test_letters_and_orders():
    assert letter(0) == "a" and letter(25) == "z"
    with pytest.raises(ValueError, match=r"position must be in \[0, 25\], got -1"):
        letter(-1)
    q = next(q for q in load_bank().questions if q.choices)
    assert sorted(shuffled_order(q, 3, 1)) == list(range(len(q.choices)))
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        shuffled_order(q, -1)
    with pytest.raises(ValueError, match="presentation must be >= 0, got -2"):
        shuffled_order(q, 0, -2)


def test_parse_rating_refuses_a_non_answer_by_name():
    assert parse_rating("good") == GOOD
    with pytest.raises(TypeError, match=r"response must be a rating 1-4 .*\(NoneType\)"):
        parse_rating(None)


def test_terminal_output_must_be_a_stream():
    session = Session(kind="curve", count=1, store=None)
    with pytest.raises(TypeError, match=r"out must be a text stream \(with write\)"):
        run_terminal_quiz(session, read=lambda prompt: "a", out="stdout")
    out = io.StringIO()
    run_terminal_quiz(session, read=lambda prompt: "a", out=out, width=80)
    assert "Score:" in out.getvalue()
