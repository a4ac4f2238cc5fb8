"""Grading one response to one question.

A choice is given by the letter of its position in the order shown (``order``, see
``lrlearn.quiz.shuffle``) or by its index in the bank (an int). A numeric answer is right when it
is within the question's tolerance of the computed value, or equals the model answer's printed
value, or the computed value rounded to 3 significant figures; a wrong one is told how far off it
is and what counts. Parsing is bounded: at most ``MAX_CHARS`` characters, exponents within
±``MAX_EXPONENT``, so no input hangs or overflows.
"""

from __future__ import annotations

import json
import math
import re
import string
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .. import _checks
from .compute import evaluate
from .scheduling import AGAIN, EASY, GOOD, HARD, RATINGS
from .schema import Question
from .shuffle import letter

__all__ = [
    "MAX_CHARS",
    "MAX_EXPONENT",
    "Grade",
    "InvalidAnswer",
    "accepted_values",
    "correct_value",
    "format_value",
    "grade",
    "model_answer",
    "parse_choice",
    "parse_number",
    "parse_rating",
    "round_sig",
]

MAX_CHARS = 64
MAX_EXPONENT = 400

_YES = {"y", "yes", "true", "right", "correct"}
_NO = {"n", "no", "false", "wrong", "missed"}
_RATING_WORDS = {
    "again": AGAIN,
    "hard": HARD,
    "good": GOOD,
    "easy": EASY,
    "1": AGAIN,
    "2": HARD,
    "3": GOOD,
    "4": EASY,
}


class InvalidAnswer(ValueError):
    """A response that cannot be graded (not a number, not a choice); nothing is recorded."""


@dataclass(frozen=True)
class Grade:
    """The outcome: right or wrong, the rating it earns, what was expected, and why."""

    question: Question
    correct: bool
    response: str
    expected: str
    model_answer: str
    explanation: str
    rating: int = GOOD
    order: tuple[int, ...] = ()  # the option indices in the order shown
    chosen: int | None = None  # the bank index of the option picked
    note: str = ""  # a numeric near miss: how far off, and the tolerance


@lru_cache(maxsize=1024)
def _value(spec_key: str) -> float:
    return evaluate(json.loads(spec_key))


def correct_value(question: Question) -> float:
    """The computed answer of a numeric question (cached per spec)."""
    if question.kind != "numeric" or question.compute is None:
        raise TypeError(f"question {question.id!r} is not numeric")
    return _value(json.dumps(question.compute, sort_keys=True))


def format_value(value: float) -> str:
    """A number as a person would write it: integers as such, else 6 significant digits without
    trailing zeros (so 1.9999 is not shown as 2)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def round_sig(value: float, digits: int = 3) -> float:
    """``value`` rounded to ``digits`` significant figures."""
    return float(f"{value:.{digits - 1}e}")


def _printed(template: str, value: float) -> list[str]:
    """How each ``{value...}`` placeholder of a model answer prints ``value``."""
    out = []
    for _, name, spec, _ in string.Formatter().parse(template):
        if name == "value":
            out.append(format(value, spec) if spec else format_value(value))
    return out or [format_value(value)]


def model_answer(question: Question) -> str:
    """The model answer, with ``{value}`` filled in for numeric questions."""
    if question.kind == "numeric":
        value = correct_value(question)
        text = question.model_answer
        if "{value" in text:
            text = text.replace("{value}", format_value(value))
            return text.format(value=value)
        return f"{format_value(value)}. {text}"
    return question.model_answer


def accepted_values(question: Question) -> tuple[float, ...]:
    """Exact answers a numeric question accepts besides its tolerance band: the model answer's
    printed value(s) and the computed value at 3 significant figures."""
    value = correct_value(question)
    printed = []
    for text in _printed(question.model_answer, value):
        try:
            printed.append(parse_number(text))
        except InvalidAnswer:
            continue
    return tuple(dict.fromkeys([*printed, round_sig(value, 3)]))


_MANTISSA = r"(\d+\.?\d*|\.\d+)"
_NUMBER = re.compile(rf"^[-+]?{_MANTISSA}([eE]([-+]?\d+))?$")


def _fraction(part: str) -> Fraction:
    m = _NUMBER.match(part)
    if m is None:
        raise ValueError
    exponent = m.group(3)
    if exponent is not None and (
        len(exponent.lstrip("+-")) > 4 or abs(int(exponent)) > MAX_EXPONENT
    ):
        raise OverflowError
    return Fraction(part)


def parse_number(text: Any) -> float:
    """A number typed by a person: ``0.2``, ``2e-1``, ``1/5``, ``20%``; InvalidAnswer otherwise
    (a one-line message, in bounded time for any input)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    elif isinstance(text, str):
        if len(text) > MAX_CHARS:
            raise InvalidAnswer(
                f"that answer is {len(text)} characters long; a number has at most {MAX_CHARS}"
            )
        s = text.strip().replace(",", "").replace(" ", "").replace("\u2212", "-")  # − sign
        shown = s if len(s) <= 24 else s[:21] + "..."
        percent = s.endswith("%")
        s = s.removesuffix("%")
        parts = s.split("/")
        try:
            if len(parts) == 2:
                value = float(_fraction(parts[0]) / _fraction(parts[1]))
            elif len(parts) == 1:
                value = float(_fraction(s))
            else:
                raise ValueError
        except OverflowError:
            raise InvalidAnswer(
                f"{shown!r} is too large or too small to grade (exponents up to ±{MAX_EXPONENT})"
            ) from None
        except (ValueError, ZeroDivisionError):
            raise InvalidAnswer(
                f"{shown!r} is not a number; type one like 0.2, 2e-1, 1/5 or 20%"
            ) from None
        value = value / 100 if percent else value
    else:
        raise InvalidAnswer(f"a numeric answer must be a number or text, got {type(text).__name__}")
    if not math.isfinite(value):
        raise InvalidAnswer(f"{text!r} is not a finite number")
    return value


def parse_choice(question: Question, response: Any, order: tuple[int, ...] | None = None) -> int:
    """A choice as a bank index: an int (the bank index), or the letter of its position in
    ``order`` (default: bank order), case-insensitive, ``b)`` and ``b.`` too."""
    n = len(question.choices)
    order = tuple(range(n)) if order is None else order
    message = f"answer with a letter from a to {letter(n - 1)}, got {str(response)[:24]!r}"
    if isinstance(response, int) and not isinstance(response, bool):
        if not 0 <= response < n:
            raise InvalidAnswer(message)
        return response
    if (
        isinstance(response, str)
        and len(key := response.strip().rstrip(").")) == 1
        and key.isalpha()
    ):
        pos = ord(key.lower()) - ord("a")
        if 0 <= pos < n:
            return order[pos]
    raise InvalidAnswer(message)


def parse_rating(response: Any) -> int:
    """A self-grade: Again/Hard/Good/Easy (or 1-4, or their first letters), or y/n (Good/Again)."""
    if isinstance(response, bool):
        return GOOD if response else AGAIN
    if isinstance(response, int) and response in RATINGS:
        return response
    if not isinstance(response, str | int):
        raise TypeError(
            f"response must be a rating 1-4 or a word such as 'good' or 'y', "
            f"got {str(response)[:24]!r} ({type(response).__name__})"
        )
    if isinstance(response, str):
        key = response.strip().lower()
        if key in _RATING_WORDS:
            return _RATING_WORDS[key]
        for word, value in _RATING_WORDS.items():
            if word.isalpha() and key == word[0]:
                return value
        if key in _YES:
            return GOOD
        if key in _NO:
            return AGAIN
    raise InvalidAnswer(
        f"grade yourself: again, hard, good or easy (1-4), or y/n; got {str(response)[:24]!r}"
    )


def _tolerance_text(tol: dict[str, float], unit: str) -> str:
    parts = []
    if tol.get("rel"):
        parts.append(f"{100 * tol['rel']:g}%")
    if tol.get("abs"):
        parts.append(f"±{tol['abs']:g}{unit}")
    return " or ".join(parts)


def _within(value: float, target: float, tol: dict[str, float]) -> bool:
    err = abs(value - target)
    return err <= tol.get("abs", 0.0) or err <= tol.get("rel", 0.0) * abs(target)


def _grade_number(question: Question, value: float) -> tuple[bool, str]:
    target = correct_value(question)
    tol = question.tolerance or {}
    exact = any(
        math.isclose(value, v, rel_tol=1e-9, abs_tol=1e-300) for v in accepted_values(question)
    )
    if exact or _within(value, target, tol):
        return True, ""
    unit = f" {question.unit}" if question.unit else ""
    exact_texts = [
        f"{v:.6g}" for v in accepted_values(question) if f"{v:.6g}" != format_value(target)
    ]
    counts = f"within {_tolerance_text(tol, unit)} of {format_value(target)} counts" + (
        f", and so does {' or '.join(exact_texts)}" if exact_texts else ""
    )
    if target == 0:
        return False, f"You are {format_value(abs(value))}{unit} off; {counts}."
    if value * target < 0:
        return False, f"Your answer has the wrong sign; {counts}."
    rel = (value - target) / abs(target)
    side = "high" if rel > 0 else "low"
    how = (
        f"{100 * abs(rel):.3g}% too {side}"
        if abs(rel) < 10
        else f"about {abs(value / target):.3g} times the answer"
    )
    return False, f"You are {how}; {counts}."


def grade(
    question: Question,
    response: Any,
    order: tuple[int, ...] | None = None,
    *,
    again_in_sitting: bool = False,
) -> Grade:
    """Grade a response: a choice letter (position in ``order``) or bank index (choice, curve,
    training), a number or numeric text (numeric), or a self-grade (recall: again/hard/good/easy,
    1-4, y/n or True/False). ``again_in_sitting``: the question was missed earlier in the same
    sitting, so a right answer now is rated Hard. Raises ``InvalidAnswer`` for a response of the
    wrong form."""
    order = tuple(range(len(question.choices))) if order is None else tuple(order)
    chosen, note = None, ""
    if question.choices:
        chosen = parse_choice(question, response, order)
        correct = chosen == question.answer
        pos = order.index(question.answer)
        expected = f"{letter(pos)}) {question.choices[question.answer]}"
        shown = letter(order.index(chosen))
        rating = (HARD if again_in_sitting else GOOD) if correct else AGAIN
    elif question.kind == "numeric":
        value = parse_number(response)
        correct, note = _grade_number(question, value)
        unit = f" {question.unit}" if question.unit else ""
        expected = f"{format_value(correct_value(question))}{unit}"
        shown = str(response).strip()
        rating = (HARD if again_in_sitting else GOOD) if correct else AGAIN
    else:
        rating = parse_rating(response)
        correct = rating != AGAIN
        expected = "(self-graded)"
        shown = RATINGS[rating].lower()
    return Grade(
        question=question,
        correct=bool(correct),
        response=shown[:200],
        expected=expected,
        model_answer=model_answer(question),
        explanation=question.explanation,
        rating=rating,
        order=order,
        chosen=chosen,
        note=note,
    )


_checks.check_public(globals())
