"""Momentum, mode by mode: the (lr, beta) phase diagram and each eigen-direction's error.

Left: the regions and rate contours of heavy-ball momentum on a quadratic
(``lrlearn.momentum.phase_diagram``), with the chosen ``(lr, beta)`` and the optimum marked.
Right: ``|error|`` along each eigen-direction over the steps (``lrlearn.momentum.mode_errors``):
monotone decay, spiralling (a damped oscillation at rate ``sqrt(beta)``), sign flips, or growth.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks
from ..momentum import mode_errors, optimal_momentum, phase_diagram, regime, spectral_radius
from ._draw import set_status, status_text
from .controls import float_slider, log_slider
from .view import View

__all__ = ["MomentumModes"]


class MomentumModes(View):
    """The phase diagram of heavy-ball momentum on ``Quadratic(curvatures)`` and the per-mode
    error of the run at the chosen ``lr`` and ``beta`` (controls, each with a small grid for the
    kernel-free view)."""

    title = "momentum, mode by mode"
    figsize = (7.6, 3.4)

    def __init__(
        self,
        curvatures: tuple[float, ...] = (25.0, 1.0),
        *,
        steps: int = 60,
        lr: float = 0.05,
        beta: float = 0.0,
        lr_grid: tuple[float, ...] = (0.01, 0.03, 0.05, 0.1, 0.15),
        beta_grid: tuple[float, ...] = (0.0, 0.3, 0.5, 0.67, 0.9),
    ) -> None:
        super().__init__()
        self.curvatures = np.asarray(curvatures, dtype=float)
        self.steps = steps
        big = float(self.curvatures.max())
        self.lo, self.hi = 0.01 / big, 5.0 / big
        self.controls = (
            log_slider("lr", "learning rate", lr, self.lo, self.hi, grid=lr_grid),
            float_slider("beta", "momentum β", beta, 0.0, 0.98, step=0.01, grid=beta_grid),
        )
        self.diagram = phase_diagram(
            self.curvatures, np.geomspace(self.lo, self.hi, 160), np.linspace(0.0, 0.98, 100)
        )
        self.best = optimal_momentum(self.curvatures)

    def compute(self, lr: float, beta: float) -> dict[str, Any]:
        errors = mode_errors(lr, beta, self.curvatures, np.ones(self.curvatures.size), self.steps)
        return {
            "lr": lr,
            "beta": beta,
            "errors": errors,
            "rho": float(spectral_radius(lr, beta, self.curvatures)),
            "regimes": [regime(lr, beta, lam) for lam in self.curvatures],
        }

    def setup(self, fig: Any) -> None:
        self.ax_phase, self.ax_err = fig.subplots(1, 2, width_ratios=[1.1, 1])
        self.diagram.plot(self.ax_phase)
        lr_opt, beta_opt, _ = self.best
        self.ax_phase.plot([lr_opt], [beta_opt], "*", color="k", ms=10, zorder=6)
        (self.marker,) = self.ax_phase.plot([], [], "o", color="C1", ms=8, mec="k", zorder=7)
        self.lines = [
            self.ax_err.plot([], [], ".-", ms=2.5, lw=1, color=f"C{i}", label=f"λ = {lam:g}")[0]
            for i, lam in enumerate(self.curvatures)
        ]
        self.ax_err.set_yscale("log")
        self.ax_err.set_xlim(-0.5, self.steps + 0.5)
        self.ax_err.set_ylim(1e-8, 1e4)
        self.ax_err.set_xlabel("step")
        self.ax_err.set_ylabel("|error| along each eigen-direction")
        self.ax_err.legend(fontsize=7, loc="lower left")
        self.status = status_text(self.ax_err)
        self.heading = self.ax_phase.set_title("", fontsize=9)
        self.animate(self.marker, *self.lines, self.status, self.heading)

    def update(self, result: dict[str, Any]) -> None:
        self.marker.set_data([result["lr"]], [result["beta"]])
        steps = np.arange(self.steps + 1)
        with np.errstate(invalid="ignore"):
            magnitude = np.clip(np.abs(result["errors"]), 1e-12, 1e12)
        for line, column in zip(self.lines, magnitude.T, strict=True):
            line.set_data(steps, column)
        self.heading.set_text(
            f"lr = {result['lr']:.3g}, β = {result['beta']:.2f}: rate ρ = {result['rho']:.3f}"
        )
        lines = [
            f"λ = {lam:g}: {r}" for lam, r in zip(self.curvatures, result["regimes"], strict=True)
        ]
        set_status(self.status, "\n".join(lines), result["rho"] >= 1)

_checks.check_public(globals())
