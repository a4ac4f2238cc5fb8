"""What the learning rate does: the path of gradient descent over a landscape, step by step.

The update is ``x_{t+1} = x_t - lr * grad f(x_t)`` (``lrlearn.simulate``). On a 1-D quadratic
``f(x) = lambda/2 x^2`` the distance to the minimum is multiplied by ``1 - lr * lambda`` each step,
so the path creeps (lr small), jumps straight in (lr = 1/lambda), zig-zags (1/lambda < lr < 2/lambda)
or flies off (lr > 2/lambda).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks
from ..landscapes import Landscape, Quadratic
from ..plots import loss_gap, plot_landscape
from ..simulate import Trajectory, simulate, sweep
from ..stability import critical_lr
from ._draw import (
    DIVERGED_COLOR,
    clip_to,
    nice_ceil,
    range_log_limits,
    set_status,
    status_text,
)
from .controls import float_slider, int_slider, log_slider
from .view import View

__all__ = ["LearningRatePath"]


class LearningRatePath(View):
    """The path over the landscape (left) and the loss against step (right) for one run of
    ``simulate(landscape, x0, lr, steps, optimizer)``.

    Controls: ``lr`` (log slider over ``lr_range``), ``steps``, and with ``start_range`` (1-D
    landscapes) the start point ``x0``. Defaults: ``f(x) = x^2`` (curvature 2, so 2/L = 1).

    The loss axis is fixed over the controls' whole range (every run a slider can ask for fits
    in it) and the step axis ends at the next of 10, 20, 50, 100, ... steps (at least the
    default's), so moving a slider redraws only the path, the curve and the texts.
    """

    title = "the path of gradient descent"
    description = (
        "Left: the steps of gradient descent over the landscape. Right: the loss minus its "
        "minimum at each step, with the run's verdict"
    )

    def __init__(
        self,
        landscape: Landscape | None = None,
        *,
        optimizer: str = "sgd",
        lr: float | None = None,
        lr_range: tuple[float, float] | None = None,
        lr_grid: tuple[float, ...] = (),
        steps: int = 20,
        max_steps: int = 100,
        x0: Any = None,
        start_range: tuple[float, float] | None = None,
        start_grid: tuple[float, ...] = (),
        **optimizer_options: Any,
    ) -> None:
        super().__init__()
        self.landscape = landscape if landscape is not None else Quadratic(curvatures=[2.0])
        if not isinstance(self.landscape, Landscape) or self.landscape.dim not in (1, 2):
            raise ValueError(f"landscape must be a 1-D or 2-D lrlearn Landscape, got {landscape!r}")
        self.optimizer = optimizer
        self.options = optimizer_options
        if lr_range is None:
            if isinstance(self.landscape, Quadratic):
                crit = critical_lr(self.landscape)
                lr_range = (crit / 100, crit * 1.25)
            else:
                lr_range = (1e-3, 1.0)
        lo, hi = lr_range
        lr = lr if lr is not None else float(np.sqrt(lo * hi))
        controls = [
            log_slider("lr", "learning rate", lr, lo, hi, grid=lr_grid),
            int_slider("steps", "steps", steps, 1, max_steps, grid=(steps,)),
        ]
        self.x0 = np.asarray(self.landscape.default_start if x0 is None else x0, dtype=float)
        if start_range is not None:
            if self.landscape.dim != 1:
                raise ValueError("start_range is for 1-D landscapes")
            ((b_lo, b_hi),) = self.landscape.bounds
            s_lo, s_hi = max(start_range[0], b_lo), min(start_range[1], b_hi)
            controls.append(
                float_slider(
                    "x0",
                    "start x0",
                    float(np.clip(self.x0[0], s_lo, s_hi)),
                    s_lo,
                    s_hi,
                    grid=start_grid,
                )
            )
        self.controls = tuple(controls)

    def compute(self, lr: float, steps: int, x0: float | None = None) -> Trajectory:
        start = self.x0 if x0 is None else np.array([x0])
        return simulate(self.landscape, start, lr, steps, self.optimizer, **self.options)

    def setup(self, fig: Any) -> None:
        self.ax_path, self.ax_loss = fig.subplots(1, 2, width_ratios=[1.15, 1])
        plot_landscape(self.landscape, self.ax_path, resolution=120)
        (self.path,) = self.ax_path.plot([], [], "o-", color="C1", ms=3.5, lw=1, zorder=6)
        (self.start,) = self.ax_path.plot([], [], "o", color="C2", ms=7, mec="k", zorder=7)
        (self.end_path,) = self.ax_path.plot(
            [], [], "x", color=DIVERGED_COLOR, ms=11, mew=2.5, zorder=8
        )
        (self.loss,) = self.ax_loss.plot([], [], ".-", color="C1", ms=3, lw=1)
        (self.end_loss,) = self.ax_loss.plot([], [], "x", color=DIVERGED_COLOR, ms=11, mew=2.5)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss − minimum")
        self.loss_limits = self._loss_limits()
        self.ax_loss.set_ylim(*self.loss_limits)
        self.status = status_text(self.ax_loss)
        self.lr_text = self.ax_path.set_title("", fontsize=10)
        self.animate(
            self.path,
            self.start,
            self.end_path,
            self.loss,
            self.end_loss,
            self.status,
            self.lr_text,
        )

    def _loss_limits(self, n_lrs: int = 41) -> tuple[float, float]:
        """Log limits holding the loss curves of runs over the whole lr range (and every start
        point of the ``x0`` slider), each run as long as the ``steps`` slider allows."""
        lr, steps = self.control("lr"), self.control("steps")
        lrs = np.geomspace(lr.low, lr.high, n_lrs)
        starts = [self.x0]
        if any(c.name == "x0" for c in self.controls):
            start = self.control("x0")
            values = {start.low, start.high, start.value, *start.grid}
            starts = [np.array([v]) for v in sorted(values)]
        gaps = [
            loss_gap(
                sweep(
                    self.landscape, x0, lrs, int(steps.high), self.optimizer, **self.options
                ).losses,
                self.landscape.min_value,
            )
            for x0 in starts
        ]
        return range_log_limits(*gaps)

    def _step_axis_end(self, steps: int) -> float:
        """Where the step axis ends: the next of 10, 20, 50, ... steps, never shorter than for
        the default step count nor longer than the slider allows (few values move it)."""
        control = self.control("steps")
        end = max(nice_ceil(steps), nice_ceil(control.value))
        return float(min(end, control.high))

    def _points(self, run: Trajectory) -> tuple[np.ndarray, np.ndarray]:
        bounds = np.array(self.landscape.bounds)
        p = np.clip(run.positions, bounds[:, 0], bounds[:, 1])
        if self.landscape.dim == 1:
            return p[:, 0], self.landscape.value(p)
        return p[:, 0], p[:, 1]

    def update(self, run: Trajectory) -> None:
        x, y = self._points(run)
        self.path.set_data(x, y)
        self.start.set_data(x[:1], y[:1])
        gap = loss_gap(run.losses, self.landscape.min_value)
        steps = np.arange(len(gap))
        self.loss.set_data(steps, gap)
        if run.diverged:
            self.end_path.set_data(x[-1:], y[-1:])
            self.end_loss.set_data(steps[-1:], [clip_to(gap[-1], self.loss_limits)])
            message = f"diverged at step {run.diverged_at}"
        else:
            self.end_path.set_data([], [])
            self.end_loss.set_data([], [])
            message = f"{run.verdict}\nloss − min = {gap[-1]:.2g} after {run.steps} steps"
        set_status(self.status, message, run.diverged)
        self.ax_loss.set_xlim(-0.5, self._step_axis_end(run.steps) + 0.5)
        lr = run.lrs[0] if run.lrs.size else float("nan")
        note = f"lr = {lr:.3g}"
        if isinstance(self.landscape, Quadratic) and self.optimizer == "sgd" and not self.options:
            note += f"  (2/L = {critical_lr(self.landscape):.3g})"
        self.lr_text.set_text(note)

_checks.check_public(globals())
