"""Schedules: the learning rate as a function of the step, and what it does to a run.

A schedule designer over ``lrlearn.schedules`` (PyTorch's schedules as pure functions
``step -> lr``). The run is gradient descent on a tilted double well started on the far side of
the bump: a large early rate can jump into the deeper basin, a decaying rate lets it settle there,
and warmup keeps a steep start from blowing up (``lrlearn.simulate(..., schedule=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from .. import schedules as S
from ..landscapes import DoubleWell
from ..simulate import Trajectory, simulate
from ._draw import DIVERGED_COLOR, set_status, status_text
from .controls import choice, log_slider
from .view import View

__all__ = ["SCHEDULES", "ScheduleDesigner", "ScheduleRun", "make_schedule"]

SCHEDULES = (
    "constant",
    "step",
    "exponential",
    "cosine",
    "warmup + cosine",
    "one-cycle",
    "wsd, linear cooldown",
    "wsd, 1-sqrt cooldown",
    "linear to zero",
    "inverse sqrt",
)


def make_schedule(kind: str, peak_lr: float, total_steps: int) -> S.Schedule:
    """The named schedule with peak rate ``peak_lr`` over ``total_steps`` steps: step decay x0.3
    every 30% of the run, exponential x0.97 per step, cosine to 0, 10% linear warmup then cosine,
    one-cycle (PyTorch defaults: 30% up from peak/25, then down to peak/25e4), warmup-stable-decay
    (10% warmup, cooldown over the last 20%, linear or 1-sqrt), linear decay to zero, or inverse
    square root after a 10% warmup."""
    from .. import _checks

    kind = _checks.choice("kind", kind, SCHEDULES)
    if kind == "constant":
        return S.constant(peak_lr)
    if kind == "step":
        return S.step_lr(peak_lr, step_size=max(1, round(0.3 * total_steps)), gamma=0.3)
    if kind == "exponential":
        return S.exponential_lr(peak_lr, gamma=0.97)
    if kind == "cosine":
        return S.cosine(peak_lr, total_steps)
    if kind == "warmup + cosine":
        return S.warmup_cosine(
            peak_lr, warmup_steps=max(1, total_steps // 10), total_steps=total_steps
        )
    warm = max(1, total_steps // 10)
    if kind.startswith("wsd"):
        decay = "1-sqrt" if "1-sqrt" in kind else "linear"
        cool = max(1, min(total_steps - warm, round(0.2 * total_steps)))
        return S.warmup_stable_decay(peak_lr, total_steps, warm, cool, decay)
    if kind == "linear to zero":
        return S.linear_decay(peak_lr, total_steps)
    if kind == "inverse sqrt":
        return S.inverse_sqrt(peak_lr, warm)
    return S.one_cycle_lr(peak_lr, total_steps=total_steps)


@dataclass(frozen=True)
class ScheduleRun:
    """The schedule's rates for steps 0 .. T - 1 and the run that used them."""

    lrs: np.ndarray
    run: Trajectory


class ScheduleDesigner(View):
    """Left: ``lr(t)`` of the chosen schedule. Right: the position of gradient descent on
    ``DoubleWell(tilt)`` from ``x0`` under that schedule, the two minima dashed."""

    title = "schedule designer"

    def __init__(
        self,
        *,
        kind: str = "cosine",
        peak_lr: float = 0.25,
        steps: int = 100,
        tilt: float = 0.3,
        x0: float = 1.6,
        lr_grid: tuple[float, ...] = (0.1, 0.25, 0.4),
    ) -> None:
        super().__init__()
        self.landscape = DoubleWell(tilt)
        self.x0 = np.array([x0])
        self.steps = _checks.integer("steps", steps, minimum=1, maximum=100_000)
        self.controls = (
            choice("kind", "schedule", kind, SCHEDULES),
            log_slider("peak_lr", "peak learning rate", peak_lr, 0.01, 0.6, grid=lr_grid),
        )

    def compute(self, kind: str, peak_lr: float) -> ScheduleRun:
        schedule = make_schedule(kind, peak_lr, self.steps)
        lrs = np.asarray(schedule(np.arange(self.steps)), dtype=float)
        return ScheduleRun(
            lrs, simulate(self.landscape, self.x0, None, self.steps, schedule=schedule)
        )

    def setup(self, fig: Any) -> None:
        self.ax_lr, self.ax_x = fig.subplots(1, 2)
        (self.lr_line,) = self.ax_lr.plot([], [], color="C0", lw=2)
        self.ax_lr.set_xlim(0, self.steps)
        self.ax_lr.set_ylim(0, 0.62)
        self.ax_lr.set_xlabel("step")
        self.ax_lr.set_ylabel("learning rate")
        lo, hi = self.landscape.bounds[0]
        for m, name in zip(self.landscape.minima[:, 0], ("global", "local"), strict=True):
            self.ax_x.axhline(m, ls="--", color="0.5", lw=1)
            self.ax_x.text(self.steps, m, f" {name} min", va="center", fontsize=8, color="0.4")
        self.ax_x.axhline(self.landscape.barrier, ls=":", color="0.7", lw=1)
        (self.x_line,) = self.ax_x.plot([], [], ".-", color="C1", ms=3, lw=1)
        (self.end,) = self.ax_x.plot([], [], "x", color=DIVERGED_COLOR, ms=11, mew=2.5)
        self.ax_x.set_xlim(-1, self.steps + 1)
        self.ax_x.set_ylim(lo, hi)
        self.ax_x.set_xlabel("step")
        self.ax_x.set_ylabel("position x")
        self.status = status_text(self.ax_x)
        self.animate(self.lr_line, self.x_line, self.end, self.status)

    def update(self, result: ScheduleRun) -> None:
        run = result.run
        self.lr_line.set_data(np.arange(len(result.lrs)), result.lrs)
        lo, hi = self.landscape.bounds[0]
        x = np.clip(run.positions[:, 0], lo, hi)
        t = np.arange(len(x))
        self.x_line.set_data(t, x)
        if run.diverged:
            self.end.set_data(t[-1:], x[-1:])
            set_status(self.status, f"diverged at step {run.diverged_at}", True)
            return
        self.end.set_data([], [])
        minima = self.landscape.minima[:, 0]
        final = float(run.final_position[0])
        near = np.abs(minima - final)
        if near.min() < 1e-3:
            where = "global" if near.argmin() == 0 else "local"
            message = f"settled in the {where} minimum"
        else:
            message = f"not settled: x = {final:.2f} after {run.steps} steps"
        set_status(self.status, message, False)

_checks.check_public(globals())
