"""The edge of stability as a widget: a thin, cached view of
:func:`lrlearn.deep.edge_of_stability`.

Full-batch gradient descent on a small tanh MLP (square loss, 100 digits): the sharpness (top
Hessian eigenvalue) rises until it reaches about ``2 / lr`` and hovers there while the loss keeps
falling, not monotonically (Cohen et al. 2021, arXiv:2103.00065). Well above the edge at the
start, a run either drops into a flatter region (sharpness falls to ``2 / lr``) or diverges.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .. import _checks
from ._draw import DIVERGED_COLOR, log_limits, set_status, status_text
from .controls import log_slider
from .view import View

__all__ = ["EdgeOfStabilityExplorer", "edge_run"]


@lru_cache(maxsize=32)
def _cached(lr: float, steps: int, n: int, seed: int) -> Any:
    from ..deep import edge_of_stability

    return edge_of_stability(lr, steps=steps, n=n, seed=seed, progress=False)


def edge_run(lr: float, steps: int = 300, *, n: int = 100, seed: int = 0) -> Any:
    """``edge_of_stability(lr, steps=steps, n=n, seed=seed)`` (its defaults otherwise: tanh MLP
    64-32-32-10, square loss, float64, one CPU thread), cached by its arguments."""
    lr = _checks.positive("lr", lr)
    steps = _checks.integer("steps", steps, minimum=10, maximum=100_000)
    n = _checks.integer("n", n, minimum=10)
    seed = _checks.integer("seed", seed, minimum=0)
    return _cached(float(lr), steps, n, seed)


class EdgeOfStabilityExplorer(View):
    """Left: the training loss of full-batch GD. Right: the sharpness against the step, with the
    stability line ``2 / lr``. Control: the learning rate."""

    title = "edge of stability"
    figsize = (7.6, 3.2)

    def __init__(self, *, steps: int = 300, n: int = 100, seed: int = 0, lr: float = 0.2) -> None:
        super().__init__()
        self.steps, self.n, self.seed = steps, n, seed
        self.controls = (
            log_slider("lr", "learning rate", lr, 0.02, 1.5, grid=(0.05, 0.1, 0.2, 0.3, 0.5, 1.0)),
        )

    def compute(self, lr: float) -> Any:
        return edge_run(lr, self.steps, n=self.n, seed=self.seed)

    def setup(self, fig: Any) -> None:
        self.ax_loss, self.ax_sharp = fig.subplots(1, 2)
        (self.loss,) = self.ax_loss.plot([], [], lw=1, color="C0")
        (self.end,) = self.ax_loss.plot([], [], "x", color=DIVERGED_COLOR, ms=11, mew=2.5)
        self.ax_loss.set(
            xlim=(0, self.steps), yscale="log", xlabel="step", ylabel="training loss (full batch)"
        )
        self.status = status_text(self.ax_loss)
        (self.sharp,) = self.ax_sharp.plot(
            [], [], ".-", ms=3, lw=1.2, color="C1", label="sharpness"
        )
        self.line = self.ax_sharp.axhline(1.0, color="k", ls="--", lw=1, label="2 / lr")
        self.ax_sharp.set(
            xlim=(0, self.steps), yscale="log", xlabel="step", ylabel="top Hessian eigenvalue"
        )
        self.ax_sharp.legend(fontsize=7, loc="lower right")
        self.heading = self.ax_sharp.set_title("", fontsize=9)
        self.animate(self.loss, self.end, self.status, self.sharp, self.line, self.heading)

    def update(self, r: Any) -> None:
        finite = np.isfinite(r.loss) & (r.loss > 0)
        steps = np.arange(len(r.loss))
        self.loss.set_data(steps[finite], r.loss[finite])
        self.ax_loss.set_ylim(*log_limits(r.loss[finite], [0.05], pad=1.5))  # from 0.01 up
        ok = np.isfinite(r.sharpness)
        self.sharp.set_data(r.sharpness_steps[ok], r.sharpness[ok])
        self.line.set_ydata([r.threshold, r.threshold])
        # whole decades on a log axis: most changes of lr keep the limits, so the redraw blits
        self.ax_sharp.set_ylim(*log_limits(r.sharpness[ok], [r.threshold], pad=1.5))
        if r.diverged:
            last = steps[finite][-1:]
            self.end.set_data(last, r.loss[last])
            message = f"lr = {r.lr:.3g}: diverged at step {r.diverged_at}"
            self.heading.set_text(
                f"2/lr = {r.threshold:.3g}; sharpness at start {r.sharpness[0]:.3g}"
            )
        else:
            self.end.set_data([], [])
            message = f"lr = {r.lr:.3g}: loss {r.loss[0]:.3g} → {r.loss[-1]:.3g}"
            self.heading.set_text(
                f"2/lr = {r.threshold:.3g}; last 30% of the run: {r.hover_ratio():.2f} × 2/lr"
            )
        set_status(self.status, message, r.diverged)

_checks.check_public(globals())
