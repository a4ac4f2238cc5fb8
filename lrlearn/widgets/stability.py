"""Too high, too low: the learning rate against the 2/L threshold of a quadratic.

Gradient descent on ``f(x) = 1/2 sum_i lambda_i x_i^2`` multiplies the error along direction i by
``1 - lr * lambda_i`` per step: it converges iff ``lr < 2 / L`` (``L = max lambda_i``), fastest at
``lr = 2 / (L + mu)``, and crawls along the flat direction when lr is small
(``lrlearn.stability``). The U-curve of final loss against lr comes from ``lrlearn.sweep``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks
from ..landscapes import Quadratic
from ..plots import loss_gap, plot_sweep
from ..simulate import Trajectory, simulate, sweep
from ..stability import contraction_factors, critical_lr, optimal_lr
from ._draw import DIVERGED_COLOR, clip_to, log_limits, range_log_limits, set_status, status_text
from .controls import log_slider
from .view import View

__all__ = ["StabilityExplorer"]


class StabilityExplorer(View):
    """Left: final loss after ``steps`` against lr (``sweep``), the chosen lr marked. Right: the
    loss curve of the run at that lr (``simulate``) with its verdict and ``|1 - lr lambda_i|``.

    Both axes are fixed over the slider's whole range (the right one holds every loss curve of
    the sweep), so moving the slider only redraws the marker, the curve and the texts."""

    title = "too high, too low"
    description = (
        "Left: the loss after a fixed number of steps against the learning rate, the chosen rate "
        "marked. Right: the loss of that run step by step, with its verdict"
    )

    def __init__(
        self,
        curvatures: tuple[float, ...] = (4.0, 0.5),
        *,
        steps: int = 40,
        lr: float | None = None,
        n_sweep: int = 60,
        lr_grid: tuple[float, ...] = (),
    ) -> None:
        super().__init__()
        self.landscape = Quadratic(curvatures=list(curvatures))
        self.x0 = np.ones(self.landscape.dim) * 2.0
        self.steps = steps
        crit = critical_lr(self.landscape)
        lo, hi = crit / 200, crit * 1.3
        self.sweep = sweep(self.landscape, self.x0, np.geomspace(lo, hi, n_sweep), steps)
        grid = lr_grid or tuple(
            float(f"{crit * m:.3g}")
            for m in (0.005, 0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.97, 1.03, 1.2)
        )
        default = lr if lr is not None else optimal_lr(self.landscape)
        self.controls = (log_slider("lr", "learning rate", default, lo, hi, grid=grid),)

    def compute(self, lr: float) -> Trajectory:
        return simulate(self.landscape, self.x0, lr, self.steps)

    def setup(self, fig: Any) -> None:
        self.ax_sweep, self.ax_loss = fig.subplots(1, 2)
        plot_sweep(self.sweep, self.ax_sweep)
        self.ax_sweep.set_ylabel(f"loss − min after {self.steps} steps")
        self.ax_sweep.legend(fontsize=7, loc="lower left")
        gap = loss_gap(self.sweep.final_losses, self.landscape.min_value)
        self.top = float(gap.max())
        self.ax_sweep.set_ylim(*log_limits(gap, pad=3.0))
        self.marker_line = self.ax_sweep.axvline(1.0, color="C1", lw=1.5)
        (self.marker,) = self.ax_sweep.plot([], [], "o", color="C1", ms=8, mec="k", zorder=8)
        (self.loss,) = self.ax_loss.plot([], [], ".-", color="C1", ms=3, lw=1)
        (self.end,) = self.ax_loss.plot([], [], "x", color=DIVERGED_COLOR, ms=11, mew=2.5)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlim(-0.5, self.steps + 0.5)
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss − minimum")
        self.loss_limits = range_log_limits(loss_gap(self.sweep.losses, self.landscape.min_value))
        self.ax_loss.set_ylim(*self.loss_limits)
        self.status = status_text(self.ax_loss)
        self.heading = self.ax_loss.set_title("", fontsize=9)
        self.animate(self.marker_line, self.marker, self.loss, self.end, self.status, self.heading)

    def update(self, run: Trajectory) -> None:
        lr = float(run.lrs[0])
        gap = loss_gap(run.losses, self.landscape.min_value)
        steps = np.arange(len(gap))
        self.loss.set_data(steps, gap)
        self.marker_line.set_xdata([lr, lr])
        y = self.top if run.diverged else float(gap[-1])
        self.marker.set_data([lr], [y])
        factors = contraction_factors(lr, self.landscape)
        self.heading.set_text(
            "|1 − lr·λ| = "
            + ", ".join(f"{f:.2f}" for f in factors)
            + f"   (lr·L/2 = {lr / critical_lr(self.landscape):.2f})"
        )
        if run.diverged:
            self.end.set_data(steps[-1:], [clip_to(gap[-1], self.loss_limits)])
            message = f"lr = {lr:.3g}: diverged at step {run.diverged_at}"
        else:
            self.end.set_data([], [])
            message = f"lr = {lr:.3g}: {run.verdict}"
        set_status(self.status, message, run.diverged or factors.max() >= 1)

_checks.check_public(globals())
