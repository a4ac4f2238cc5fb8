"""Grading one response to one question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from .compute import evaluate
from .schema import Question

__all__ = [
    "Grade",
    "InvalidAnswer",
    "correct_value",
    "format_value",
    "grade",
    "model_answer",
    "parse_choice",
    "parse_number",
]

_YES = {"y", "yes", "1", "true", "right", "correct"}
_NO = {"n", "no", "0", "false", "wrong", "missed"}


class InvalidAnswer(ValueError):
    """A response that cannot be graded (not a number, not a choice); nothing is recorded."""


@dataclass(frozen=True)
class Grade:
    """The outcome: right or wrong, what was expected, and why."""

    question: Question
    correct: bool
    response: str
    expected: str
    model_answer: str
    explanation: str


@lru_cache(maxsize=512)
def _value(qid: str, source: str, spec_key: str) -> float:
    import json

    return evaluate(json.loads(spec_key))


def correct_value(question: Question) -> float:
    """The computed answer of a numeric question (cached per question)."""
    if question.kind != "numeric" or question.compute is None:
        raise TypeError(f"question {question.id!r} is not numeric")
    import json

    return _value(question.id, question.source, json.dumps(question.compute, sort_keys=True))


def format_value(value: float) -> str:
    """A number as a person would write it: integers as such, else 6 significant digits without
    trailing zeros (so 1.9999 is not shown as 2)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


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


_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def parse_number(text: Any) -> float:
    """A number typed by a person: ``0.2``, ``2e-1``, ``1/5``, ``20%``; InvalidAnswer otherwise."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    elif isinstance(text, str):
        s = text.strip().replace(",", "").replace(" ", "").replace("\u2212", "-")  # − sign
        percent = s.endswith("%")
        s = s.removesuffix("%")
        parts = s.split("/")
        try:
            if len(parts) == 2 and all(_NUMBER.match(p) for p in parts):
                value = float(Fraction(parts[0]) / Fraction(parts[1]))
            elif len(parts) == 1 and _NUMBER.match(s):
                value = float(s)
            else:
                raise ValueError
        except (ValueError, ZeroDivisionError):
            raise InvalidAnswer(
                f"{text!r} is not a number; type one like 0.2, 2e-1, 1/5 or 20%") from None
        value = value / 100 if percent else value
    else:
        raise InvalidAnswer(f"a numeric answer must be a number or text, got {type(text).__name__}")
    if not math.isfinite(value):
        raise InvalidAnswer(f"{text!r} is not a finite number")
    return value


def parse_choice(question: Question, response: Any) -> int:
    """A choice as an index: an int, or a letter ``a``, ``b``, ... (case-insensitive, ``b)`` too)."""
    n = len(question.choices)
    if isinstance(response, int) and not isinstance(response, bool):
        index = response
    elif (isinstance(response, str) and len(key := response.strip().rstrip(").")) == 1
          and key.isalpha()):
        index = ord(key.lower()) - ord("a")  # "b", "B", "b)" and "b." all mean b
    else:
        raise InvalidAnswer(f"answer with a letter from a to {chr(ord('a') + n - 1)}, "
                            f"got {response!r}")
    if not 0 <= index < n:
        raise InvalidAnswer(f"answer with a letter from a to {chr(ord('a') + n - 1)}, "
                            f"got {response!r}")
    return index


def _within(value: float, target: float, tol: dict[str, float]) -> bool:
    err = abs(value - target)
    return err <= tol.get("abs", 0.0) or err <= tol.get("rel", 0.0) * abs(target)


def grade(question: Question, response: Any) -> Grade:
    """Grade a response: a choice index or letter (choice, curve), a number or numeric text
    (numeric), or the self-grade True/False or "y"/"n" (recall). Raises ``InvalidAnswer`` for a
    response of the wrong form."""
    if question.kind in ("choice", "curve"):
        index = parse_choice(question, response)
        correct = index == question.answer
        expected = f"{chr(ord('a') + question.answer)}) {question.choices[question.answer]}"
        shown = f"{chr(ord('a') + index)}"
    elif question.kind == "numeric":
        value = parse_number(response)
        target = correct_value(question)
        correct = _within(value, target, question.tolerance or {})
        unit = f" {question.unit}" if question.unit else ""
        expected = f"{format_value(target)}{unit}"
        shown = str(response).strip()
    else:
        if isinstance(response, bool):
            correct = response
        elif isinstance(response, str) and response.strip().lower() in _YES | _NO:
            correct = response.strip().lower() in _YES
        else:
            raise InvalidAnswer(f"say whether you got it: y or n, got {response!r}")
        expected = "(self-graded)"
        shown = "y" if correct else "n"
    return Grade(question=question, correct=bool(correct), response=shown[:200], expected=expected,
                 model_answer=model_answer(question), explanation=question.explanation)
