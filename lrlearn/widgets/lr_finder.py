"""The LR range test, live: how the curve and its suggested rates move with the batch size and
the smoothing (``lrlearn.lr_finder.range_test`` on a numpy problem).

The test (Smith, 2017) raises the rate exponentially every minibatch and records a smoothed loss;
``RangeTestResult.suggest`` reads a rate off the curve by three rules (steepest descent, fastai's
valley, the minimum divided by 10).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks
from ..lr_finder import METHODS, RangeTestResult, range_test
from .controls import choice, float_slider
from .view import View

__all__ = ["RangeTestView"]

_COLORS = {"steepest": "C3", "valley": "C2", "minimum/10": "C4"}


class RangeTestView(View):
    """Raw (faint) and smoothed (bold) loss against the rate, and the three suggested rates."""

    title = "LR range test"

    def __init__(
        self,
        problem: Any = None,
        *,
        optimizer: str = "sgd",
        start_lr: float = 1e-4,
        end_lr: float = 100.0,
        num_iter: int = 100,
        batch_size: int = 32,
        smooth_f: float = 0.05,
        seed: int = 0,
    ) -> None:
        super().__init__()
        from ..lr_finder import check_args
        from ..optimizers import make_optimizer

        make_optimizer(optimizer)
        check_args(start_lr, end_lr, num_iter, "exp", smooth_f, 5.0, "start_lr")
        _checks.integer("batch_size", batch_size, minimum=1)
        if problem is None:
            from ..data import digits
            from ..problems import SoftmaxRegression

            problem = SoftmaxRegression(digits())
        self.problem = problem
        self.settings = dict(
            optimizer=optimizer, start_lr=start_lr, end_lr=end_lr, num_iter=num_iter, seed=seed
        )
        self.loss0 = float(problem.loss(problem.init_params(seed)))
        self.controls = (
            choice("batch_size", "batch size", batch_size, (8, 32, 128, 512)),
            float_slider(
                "smooth_f", "smoothing factor", smooth_f, 0.0, 0.9, step=0.01, grid=(0.0, 0.05, 0.3)
            ),
        )

    def compute(self, batch_size: int, smooth_f: float) -> RangeTestResult:
        s = self.settings
        return range_test(
            self.problem,
            s["optimizer"],
            start_lr=s["start_lr"],
            end_lr=s["end_lr"],
            num_iter=s["num_iter"],
            batch_size=batch_size,
            smooth_f=smooth_f,
            seed=s["seed"],
            progress=False,
        )

    def setup(self, fig: Any) -> None:
        ax = self.ax = fig.subplots()
        (self.raw,) = ax.plot([], [], color="0.7", lw=0.8, label="minibatch loss")
        (self.smooth,) = ax.plot([], [], color="C0", lw=2, label="smoothed loss")
        self.lines = {
            m: ax.axvline(1.0, color=_COLORS[m], ls="--", lw=1.2, label=m) for m in METHODS
        }
        ax.set_xscale("log")
        ax.set_xlim(self.settings["start_lr"], self.settings["end_lr"])
        ax.set_ylim(0, 2.0 * self.loss0)
        ax.set_xlabel("learning rate (raised every minibatch)")
        ax.set_ylabel("training loss")
        ax.legend(fontsize=8, loc="upper left")
        self.note = ax.text(
            0.98,
            0.04,
            "",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            family="monospace",
        )
        self.animate(self.raw, self.smooth, *self.lines.values(), self.note)

    def update(self, result: RangeTestResult) -> None:
        top = 2.0 * self.loss0
        self.raw.set_data(result.lrs, np.minimum(result.raw_losses, top))
        self.smooth.set_data(result.lrs, np.minimum(result.losses, top))
        rows = []
        for method, line in self.lines.items():
            lr = result.suggest(method)
            line.set_xdata([lr, lr])
            rows.append(f"{method:>10s}: {lr:.3g}")
        stop = f"stopped at lr = {result.lrs[-1]:.3g}" if result.diverged else "ran to the end"
        self.note.set_text("\n".join([*rows, stop]))

_checks.check_public(globals())
