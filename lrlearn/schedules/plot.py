"""Draw one or many schedules over a range of steps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _checks
from ..plots import new_axes
from .base import Schedule, as_steps

__all__ = ["plot_schedules"]

#: the most steps one figure draws
MAX_STEPS = 10**6


def plot_schedules(
    schedules: Schedule | Mapping[str, Schedule],
    steps: int | np.ndarray,
    ax: Any = None,
    *,
    log: bool = False,
    momentum: bool = False,
) -> Any:
    """Plot ``schedule(t)`` against the step for one schedule or a ``{label: schedule}`` dict.

    ``steps`` is a count (steps ``0 .. steps - 1``) or an array of steps; a schedule that ends
    earlier (``one_cycle_lr``) is drawn up to its last step. ``log`` uses a log y-axis; ``momentum`` plots the ``.momentum`` companions instead. Returns the Axes.
    """
    log = _checks.flag("log", log)
    momentum = _checks.flag("momentum", momentum)
    if isinstance(schedules, Schedule):
        schedules = {repr(schedules): schedules}
    if not isinstance(schedules, Mapping) or not schedules:
        raise TypeError(
            f"schedules must be a Schedule or a non-empty dict of label -> Schedule, got {schedules!r}"
        )
    if isinstance(steps, int | np.integer) and not isinstance(steps, bool):
        t = np.arange(_checks.integer("steps", steps, minimum=1, maximum=MAX_STEPS))
    else:
        if steps is None or isinstance(steps, bool | str | float):
            raise TypeError(f"steps must be a step count or an array of steps, got {steps!r}")
        t, _ = as_steps(steps, name="steps")
        if t.size > MAX_STEPS:
            raise ValueError(f"steps must hold at most {MAX_STEPS} steps, got {t.size}")
        t = np.atleast_1d(t)
        if t.size == 0:
            raise ValueError("steps must hold at least one step, got an empty array")
    curves = {}
    for label, s in schedules.items():
        if not isinstance(s, Schedule):
            raise TypeError(f"schedules[{label!r}] must be a Schedule, got {s!r}")
        if momentum:
            if s.momentum is None:
                raise ValueError(f"schedules[{label!r}] = {s!r} has no momentum schedule")
            s = s.momentum
        shown = t if s.last_step is None else t[t <= s.last_step]  # a bounded one ends early
        curves[str(label)] = (shown, s(shown))
    ax = new_axes(ax, (7, 4), pyplot=True)
    for label, (x, values) in curves.items():
        ax.plot(x, values, label=label, drawstyle="steps-post" if t.size < 60 else "default")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("momentum" if momentum else "learning rate")
    ax.legend(fontsize="small")
    return ax
