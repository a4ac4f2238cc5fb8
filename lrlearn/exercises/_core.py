"""The shared machinery of the exercise checkers: a learner's attempt is run, compared with an
independent reference, and reported; nothing a learner writes can make a checker raise.

A checker returns a :class:`Report` whose ``status`` is ``"not done yet"`` (the attempt raises
``NotImplementedError`` or returns ``None``/``...``), ``"correct"`` or ``"wrong"`` (with a message
that says what differed, on which input). Notebooks therefore still run top to bottom with an
unfinished exercise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NOT_DONE", "Report", "attempt", "compare_arrays", "run_cases"]

NOT_DONE = "not done yet"
CORRECT = "correct"
WRONG = "wrong"


@dataclass(frozen=True)
class Report:
    """The outcome of one check: ``status`` in {"not done yet", "correct", "wrong"}."""

    exercise: str
    status: str
    message: str = ""
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        mark = {CORRECT: "✔", WRONG: "✘", NOT_DONE: "…"}[self.status]
        text = f"{mark} {self.exercise}: {self.status}"
        if self.message:
            text += f" — {self.message}"
        if self.status != CORRECT and self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        return str(self).replace("\n", "  \n")


class _NotDone(Exception):
    pass


def attempt(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``fn``; raise ``_NotDone`` when it is unfinished."""
    try:
        out = fn(*args, **kwargs)
    except NotImplementedError as err:
        raise _NotDone from err
    if out is None or out is Ellipsis:
        raise _NotDone
    return out


def compare_arrays(got: Any, want: Any, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """``None`` when ``got`` equals ``want`` within tolerance, else what differs (in words)."""
    try:
        got_a = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return f"expected numbers, got {type(got).__name__}"
    want_a = np.asarray(want, dtype=np.float64)
    if got_a.shape != want_a.shape:
        return f"expected shape {want_a.shape}, got {got_a.shape}"
    if not np.all(np.isfinite(got_a)):
        return "your result contains inf or NaN"
    if np.allclose(got_a, want_a, rtol=rtol, atol=atol):
        return None
    worst = int(np.argmax(np.abs(got_a - want_a).ravel()))
    return (
        f"expected {np.ravel(want_a)[worst]:.6g}, got {np.ravel(got_a)[worst]:.6g}"
        f" (element {worst})"
        if got_a.size > 1
        else f"expected {float(want_a):.6g}, got {float(got_a):.6g}"
    )


def run_cases(
    exercise: str,
    fn: Callable[..., Any],
    cases: Iterable[tuple[str, tuple, dict, Any]],
    *,
    hint: str = "",
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> Report:
    """Run ``fn(*args, **kwargs)`` on each ``(description, args, kwargs, expected)`` case.

    The first failing case is reported by its description; an exception inside the learner's code
    is reported as a wrong answer, never re-raised.
    """
    if not callable(fn):
        return Report(exercise, WRONG, f"expected a function, got {type(fn).__name__}", hint)
    for description, args, kwargs, expected in cases:
        try:
            got = attempt(fn, *args, **kwargs)
        except _NotDone:
            return Report(
                exercise, NOT_DONE, "replace `raise NotImplementedError` with your code", hint
            )
        except Exception as err:  # the learner's bug is a result, not a crash
            return Report(
                exercise,
                WRONG,
                f"{description}: your code raised {type(err).__name__}: {err}",
                hint,
            )
        problem = compare_arrays(got, expected, rtol=rtol, atol=atol)
        if problem is not None:
            return Report(exercise, WRONG, f"{description}: {problem}", hint)
    return Report(exercise, CORRECT, "matches the reference on every test case")
