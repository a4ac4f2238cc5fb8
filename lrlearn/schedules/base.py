"""The ``Schedule`` type: a pure function ``step -> lr`` that also accepts integer arrays.

A schedule is evaluated at the *step count*: ``schedule(t)`` is the learning rate used for the
update from step ``t`` to ``t + 1``, i.e. what ``scheduler.get_last_lr()`` reports in PyTorch after
``scheduler.step()`` has been called ``t`` times. ``schedule(0)`` is the rate of the first update.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from .. import _checks

__all__ = ["Schedule", "StepLike", "constant", "sequential_lr"]

StepLike = int | np.integer | np.ndarray | Sequence[int]


def as_steps(step: Any, last_step: int | None = None, name: str = "schedule") -> tuple[np.ndarray, bool]:
    """``step`` as an int64 array (0-d for a scalar) and whether it was a scalar.

    Steps must be integers >= 0 (and <= ``last_step`` when the schedule ends there).
    """
    if isinstance(step, bool | np.bool_):
        raise TypeError(f"step must be an integer or an integer array, got {step!r}")
    scalar = isinstance(step, numbers.Integral)
    arr = np.asarray(step)
    if arr.dtype.kind not in "iu":
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        else:
            what = repr(step) if arr.size <= 5 else f"an array of shape {arr.shape}"
            raise TypeError(
                f"step must be an integer or an integer array, got {what} (dtype {arr.dtype})"
            )
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        bad = int(arr.min())
        raise ValueError(f"step must be >= 0 for {name}, got {bad}")
    if last_step is not None and arr.size and arr.max() > last_step:
        bad = int(arr.max())
        raise ValueError(
            f"step must be in [0, {last_step}] for {name}, got {bad}: the schedule ends at "
            f"step {last_step}"
        )
    return arr, scalar


class Schedule:
    """A learning-rate schedule: ``schedule(step) -> lr`` (float for an int, array for an array).

    Made by the factory functions of :mod:`lrlearn.schedules` (``step_lr``, ``cosine``, ...).
    ``base_lr`` is the reference rate (the optimizer's lr in PyTorch); ``last_step`` the largest
    valid step (``None``: unbounded); ``momentum`` the companion momentum schedule of cyclic
    policies (``one_cycle_lr``, ``cyclic_lr``), else ``None``.
    """

    def __init__(
        self,
        fn: Callable[[np.ndarray], np.ndarray],
        name: str,
        base_lr: float,
        params: dict[str, Any] | None = None,
        last_step: int | None = None,
        momentum: Schedule | None = None,
        what: str = "learning rate",
    ) -> None:
        self._fn = _checks.function("fn", fn)
        self.name = _checks.string("name", name)
        self.base_lr = _checks.non_negative("base_lr", base_lr)
        if last_step is not None:
            last_step = _checks.integer("last_step", last_step, minimum=0)
        if momentum is not None:
            _checks.instance("momentum", momentum, Schedule, "a Schedule or None")
        what = _checks.string("what", what)
        self.params = dict(params or {})
        self.last_step = last_step
        self.momentum = momentum
        self._what = what

    def __call__(self, step: StepLike) -> float | np.ndarray:
        steps, scalar = as_steps(step, self.last_step, self.name)
        flat = steps.reshape(-1)  # one code path for scalars and arrays: the same rounding
        with np.errstate(all="ignore"):
            values = np.broadcast_to(np.asarray(self._fn(flat), dtype=np.float64), flat.shape)
        values = values.reshape(steps.shape)
        bad = ~np.isfinite(values)
        if bad.any():
            first = int(steps[bad].min())
            raise ValueError(
                f"{self!r} gives a non-finite {self._what} at step {first} (float64 overflow); "
                f"evaluate it at fewer steps or change its arguments"
            )
        return float(values) if scalar else values.copy()

    def values(self, steps: int) -> np.ndarray:
        """The first ``steps`` values, ``schedule(np.arange(steps))``."""
        steps = _checks.integer("steps", steps, minimum=0)
        return self(np.arange(steps))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"


def constant(base_lr: float) -> Schedule:
    """The same rate at every step: ``lr(t) = base_lr``."""
    base_lr = _checks.positive("base_lr", base_lr)
    return Schedule(
        lambda t: np.full(t.shape, base_lr), "constant", base_lr, {"base_lr": base_lr}
    )


def sequential_lr(schedules: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    """Chain schedules at milestones, as ``torch.optim.lr_scheduler.SequentialLR``.

    With milestones ``m_1 < ... < m_k`` and ``i = #{j : m_j <= t}``, ``lr(t) = s_i(t - m_i)``
    (``m_0 = 0``): each schedule restarts from its own step 0 at its milestone.
    """
    if isinstance(schedules, Schedule | str) or not isinstance(schedules, Sequence):
        raise TypeError(f"schedules must be a list of Schedules, got {schedules!r}")
    if isinstance(milestones, str) or not isinstance(milestones, Sequence | np.ndarray):
        raise TypeError(f"milestones must be a list of steps, got {milestones!r}")
    schedules = list(schedules)
    if not schedules:
        raise ValueError("schedules must hold at least one schedule, got an empty list")
    for i, s in enumerate(schedules):
        if not isinstance(s, Schedule):
            raise TypeError(
                f"schedules[{i}] must be a lrlearn Schedule (e.g. step_lr(...)), got {s!r}"
            )
    milestones = [_checks.integer(f"milestones[{i}]", m, minimum=1) for i, m in enumerate(milestones)]
    if len(milestones) != len(schedules) - 1:
        raise ValueError(
            f"milestones must have one entry fewer than schedules ({len(schedules) - 1}), got "
            f"{len(milestones)}"
        )
    if any(b <= a for a, b in pairwise(milestones)):
        raise ValueError(f"milestones must be strictly increasing, got {milestones}")
    for i, s in enumerate(schedules[:-1]):
        span = milestones[i] - (milestones[i - 1] if i else 0)
        if s.last_step is not None and s.last_step < span - 1:
            raise ValueError(
                f"schedules[{i}] ends at its step {s.last_step} but is used for {span} steps "
                f"before milestones[{i}]={milestones[i]}"
            )
    starts = np.array([0, *milestones], dtype=np.int64)
    last = schedules[-1].last_step
    last_step = None if last is None else int(starts[-1]) + last

    def fn(t: np.ndarray) -> np.ndarray:
        which = np.searchsorted(starts, t, side="right") - 1
        out = np.empty(t.shape)
        for i, s in enumerate(schedules):
            mask = which == i
            if mask.any():
                out[mask] = s(t[mask] - starts[i])
        return out

    return Schedule(
        fn, "sequential_lr", schedules[0].base_lr,
        {"schedules": schedules, "milestones": milestones}, last_step=last_step,
    )
