"""The edge of stability, seen: sharpness (top Hessian eigenvalue) during full-batch gradient
descent rises until it reaches 2 / lr and then hovers there (Cohen et al., 2021).

Runs ``lrlearn.deep.edge_of_stability`` (PyTorch, imported on first use) once per learning
rate of the grid; the control picks which run to show.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._draw import DIVERGED_COLOR
from .controls import choice
from .view import View

__all__ = ["EdgeOfStabilityView"]


class EdgeOfStabilityView(View):
    """Left: training loss; right: sharpness against step with the 2 / lr line, for the chosen
    learning rate (one ``edge_of_stability`` run per rate in ``lrs``, computed up front)."""

    title = "edge of stability"

    def __init__(
        self,
        lrs: tuple[float, ...] = (0.05, 0.1, 0.15),
        *,
        steps: int = 600,
        results: dict[float, Any] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        if results is None:
            from ..deep.sharpness import edge_of_stability

            results = {
                lr: edge_of_stability(lr, steps=steps, seed=seed, progress=False) for lr in lrs
            }
        self.results = dict(results)
        rates = tuple(self.results)
        self.controls = (choice("lr", "learning rate", rates[-1], rates),)

    def compute(self, lr: float) -> Any:
        return self.results[lr]

    def setup(self, fig: Any) -> None:
        self.ax_loss, self.ax_sharp = fig.subplots(1, 2)
        losses = np.concatenate([r.loss for r in self.results.values()])
        losses = losses[np.isfinite(losses) & (losses > 0)]
        top = max(max(float(np.nanmax(r.sharpness)), r.threshold) for r in self.results.values())
        steps = max(len(r.loss) for r in self.results.values())
        (self.loss,) = self.ax_loss.plot([], [], color="C0", lw=1.2)
        self.ax_loss.set(
            yscale="log",
            xlabel="step",
            ylabel="training loss (full batch)",
            xlim=(0, steps),
            ylim=(losses.min() / 1.5, losses.max() * 1.5),
        )
        (self.sharp,) = self.ax_sharp.plot(
            [], [], ".-", color="C1", ms=3, lw=1, label="sharpness λ_max"
        )
        self.line = self.ax_sharp.axhline(1.0, ls="--", color=DIVERGED_COLOR, label="2 / lr")
        self.ax_sharp.set(
            xlabel="step", ylabel="top Hessian eigenvalue", xlim=(0, steps), ylim=(0, 1.1 * top)
        )
        self.ax_sharp.legend(fontsize=8, loc="lower right")
        self.note = self.ax_sharp.set_title("", fontsize=9)
        self.animate(self.loss, self.sharp, self.line, self.note)

    def update(self, result: Any) -> None:
        ok = np.isfinite(result.loss)
        self.loss.set_data(np.arange(len(result.loss))[ok], result.loss[ok])
        self.sharp.set_data(result.sharpness_steps, result.sharpness)
        self.line.set_ydata([result.threshold, result.threshold])
        tail = result.tail(0.3)
        self.note.set_text(
            f"lr = {result.lr:g}: 2/lr = {result.threshold:.3g}, last 30%: "
            f"λ_max {tail.min():.3g}..{tail.max():.3g}"
        )
