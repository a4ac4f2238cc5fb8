"""Reading a loss curve: what its shape says about the learning rate, and what to do next.

The shapes come from real runs (``lrlearn.simulate``) and the reading from
``lrlearn.stability.classify_losses``: a curve that ends above its start diverged (lower lr),
one that rises on the way oscillates (lr near the edge, or momentum overshooting), one that is
still falling at the end is too slow (raise lr, or if lr is at the edge already, the problem is
ill-conditioned: momentum or Adam help), and a smooth drop to the floor is healthy. On a quadratic,
plain gradient descent below 2/L lowers the loss at every step; momentum can make it rise and fall
while converging, and raises the edge to ``2 (1 + beta) / L`` (Polyak's heavy ball).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks
from ..landscapes import Quadratic
from ..plots import loss_gap
from ..simulate import Trajectory, simulate
from ..stability import Verdict, classify_losses, critical_lr
from ._draw import DIVERGED_COLOR, fit_log_axis, set_status, status_text
from .controls import float_slider
from .view import View

__all__ = ["ADVICE", "LossCurveDoctor", "diagnose"]

ADVICE: dict[Verdict, str] = {
    Verdict.DIVERGES: "lower the learning rate 3-10x (or add warmup / gradient clipping)",
    Verdict.OSCILLATES: "close to the edge: lower lr a little, or decay it over training",
    Verdict.TOO_SLOW: (
        "still falling: raise lr ~3x if it is well below the edge; if it is near "
        "the edge already,\nflat directions are the bottleneck: add momentum, use "
        "Adam, or train longer"
    ),
    Verdict.CYCLES: (
        "on the edge: the loss bounces between the same levels without getting lower; "
        "lower lr by a third, or decay it"
    ),
    Verdict.CONVERGES: "healthy: keep it (the largest stable lr is usually the fastest)",
}


def diagnose(losses: Any, *, min_value: float | None = None) -> tuple[Verdict, str]:
    """``classify_losses`` on a loss curve, and the usual next move for that verdict."""
    verdict = classify_losses(losses, min_value=min_value)
    return verdict, ADVICE[verdict]


class LossCurveDoctor(View):
    """The loss curve of SGD (with optional heavy-ball momentum) at ``lr = ratio * 2/L`` on an
    ill-conditioned quadratic, and its diagnosis. Without momentum a ratio above 1 diverges and a
    small one crawls along the flat direction; momentum ``beta`` moves the edge to
    ``ratio = 1 + beta`` and makes the loss rise and fall on the way down."""

    title = "diagnose the loss curve"

    def __init__(
        self,
        curvatures: tuple[float, ...] = (10.0, 1.0, 0.3),
        *,
        steps: int = 100,
        ratio: float = 0.5,
        momentum: float = 0.0,
    ) -> None:
        super().__init__()
        self.landscape = Quadratic(curvatures=list(curvatures))
        self.x0 = np.ones(self.landscape.dim)
        self.steps = _checks.integer("steps", steps, minimum=1, maximum=100_000)
        self.controls = (
            float_slider(
                "ratio",
                "lr ÷ (2/L)",
                ratio,
                0.01,
                2.5,
                step=0.01,
                grid=(0.02, 0.1, 0.5, 0.9, 1.05, 1.5, 2.0),
            ),
            float_slider(
                "momentum", "momentum β", momentum, 0.0, 0.95, step=0.05, grid=(0.0, 0.5, 0.9)
            ),
        )

    def compute(self, ratio: float, momentum: float) -> Trajectory:
        lr = ratio * critical_lr(self.landscape)
        return simulate(self.landscape, self.x0, lr, self.steps, "sgd", momentum=momentum)

    def setup(self, fig: Any) -> None:
        ax = self.ax = fig.subplots()
        (self.line,) = ax.plot([], [], "-", color="C0", lw=1.5)
        (self.end,) = ax.plot([], [], "x", color=DIVERGED_COLOR, ms=11, mew=2.5)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("training loss − minimum")
        self.status = status_text(ax)
        self.animate(self.line, self.end, self.status)

    def update(self, run: Trajectory) -> None:
        gap = loss_gap(run.losses, self.landscape.min_value)
        t = np.arange(len(gap))
        self.line.set_data(t, gap)
        if run.diverged:
            self.end.set_data(t[-1:], gap[-1:])
            verdict, advice = Verdict.DIVERGES, ADVICE[Verdict.DIVERGES]
            head = f"diverged at step {run.diverged_at}"
        else:
            self.end.set_data([], [])
            verdict, advice = diagnose(run.losses, min_value=self.landscape.min_value)
            head = str(verdict)
        set_status(self.status, f"{head}\n→ {advice}", verdict is Verdict.DIVERGES)
        self.ax.set_xlim(-0.5, run.steps + 0.5)
        fit_log_axis(self.ax, gap, sticky=self.sticky_axes)

_checks.check_public(globals())
