"""Momentum and adaptive optimizers: paths side by side, and the step each parameter really gets.

SGD moves each parameter by ``lr * |g_i|``; momentum accumulates past gradients (up to
``1 / (1 - beta)`` times the step along a steady slope); Adagrad, RMSprop and Adam divide by a
running root-mean-square of the gradient, so each parameter's effective learning rate
``|x_{t+1,i} - x_{t,i}| / |g_{t,i}|`` adapts to its own gradient scale (Kingma & Ba, 2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _checks
from ..landscapes import Landscape, Quadratic, Ravine
from ..plots import loss_gap, plot_landscape
from ..simulate import Trajectory, simulate, sweep
from ._draw import DIVERGED_COLOR, clip_to, log_limits, nice_ceil, range_log_limits
from .controls import choice, int_slider, log_slider
from .view import View

__all__ = ["EffectiveStep", "OptimizerRace", "effective_lr"]

ADAPTIVE = ("adagrad", "rmsprop", "adam", "adamw")


def effective_lr(run: Trajectory) -> np.ndarray:
    """Per-parameter effective learning rate ``|x_{t+1,i} - x_{t,i}| / |g_{t,i}|`` of each step,
    shape ``(steps_run, dim)``; NaN where a gradient component is exactly zero. For plain SGD it
    equals lr everywhere; for Adagrad's first step it is ``lr / (|g_i| + eps)``."""
    if not isinstance(run, Trajectory):
        raise TypeError(f"run must be a Trajectory from lrlearn.simulate, got {type(run).__name__}")
    g = np.abs(run.landscape.grad(run.positions[:-1]))
    dx = np.abs(np.diff(run.positions, axis=0))
    out = np.full(dx.shape, np.nan)
    np.divide(dx, g, out=out, where=g > 0)
    return out


def _label(name: str) -> str:
    return {
        "sgd": "SGD",
        "momentum": "SGD + momentum 0.9",
        "nesterov": "Nesterov 0.9",
        "adagrad": "Adagrad",
        "rmsprop": "RMSprop",
        "adam": "Adam",
        "adamw": "AdamW",
    }[name]


class OptimizerRace(View):
    """Several optimizers from the same start on one landscape: paths (left), losses (right).
    ``sgd_lr`` drives SGD-type optimizers, ``adaptive_lr`` the adaptive ones (their step sizes
    live on different scales). The loss axis holds every run both sliders can ask for, so moving
    one redraws only the paths and curves."""

    title = "optimizers side by side"
    figsize = (7.2, 3.4)

    def __init__(
        self,
        landscape: Landscape | None = None,
        *,
        optimizers: Sequence[str] = ("sgd", "momentum", "adam"),
        steps: int = 60,
        sgd_lr: float = 0.03,
        adaptive_lr: float = 0.1,
        sgd_grid: tuple[float, ...] = (0.003, 0.01, 0.03, 0.06, 0.08),
        adaptive_grid: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0),
    ) -> None:
        super().__init__()
        self.landscape = landscape if landscape is not None else Ravine(condition=25.0)
        if self.landscape.dim != 2:
            raise ValueError(f"landscape must be 2-D, got {self.landscape!r}")
        self.optimizers = tuple(optimizers)
        for name in self.optimizers:
            _label(name) if name in ("sgd", "momentum", "nesterov", *ADAPTIVE) else _unknown(name)
        self.steps = _checks.integer("steps", steps, minimum=1, maximum=100_000)
        self.controls = (
            log_slider("sgd_lr", "lr (SGD, momentum)", sgd_lr, 1e-3, 0.2, grid=sgd_grid),
            log_slider("adaptive_lr", "lr (adaptive)", adaptive_lr, 1e-3, 2.0, grid=adaptive_grid),
        )

    def compute(self, sgd_lr: float, adaptive_lr: float) -> list[Trajectory]:
        x0 = self.landscape.default_start
        return [
            simulate(
                self.landscape, x0, adaptive_lr if name in ADAPTIVE else sgd_lr, self.steps, name
            )
            for name in self.optimizers
        ]

    def setup(self, fig: Any) -> None:
        self.ax_path, self.ax_loss = fig.subplots(1, 2)
        plot_landscape(self.landscape, self.ax_path, resolution=120)
        self.paths, self.losses, self.ends = [], [], []
        for i, name in enumerate(self.optimizers):
            color = f"C{i + 1}"
            (p,) = self.ax_path.plot([], [], "o-", ms=2, lw=1.2, color=color)
            (loss,) = self.ax_loss.plot([], [], "-", lw=1.5, color=color, label=_label(name))
            (end,) = self.ax_loss.plot([], [], "x", ms=10, mew=2.5, color=DIVERGED_COLOR)
            self.paths.append(p)
            self.losses.append(loss)
            self.ends.append(end)
        self.ax_loss.set_yscale("log")
        self.ax_loss.set_xlim(-0.5, self.steps + 0.5)
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss − minimum")
        self.ax_loss.legend(fontsize=7, loc="lower left")
        self.loss_limits = self._loss_limits()
        self.ax_loss.set_ylim(*self.loss_limits)
        self.notes = self.ax_loss.set_title("", fontsize=8)
        self.animate(*self.paths, *self.losses, *self.ends, self.notes)

    def _loss_limits(self, n_lrs: int = 25) -> tuple[float, float]:
        """Log limits holding each optimizer's loss curve over its slider's whole range."""
        x0 = self.landscape.default_start
        gaps = []
        for name in self.optimizers:
            c = self.control("adaptive_lr" if name in ADAPTIVE else "sgd_lr")
            runs = sweep(self.landscape, x0, np.geomspace(c.low, c.high, n_lrs), self.steps, name)
            gaps.append(loss_gap(runs.losses, self.landscape.min_value))
        return range_log_limits(*gaps)

    def update(self, runs: list[Trajectory]) -> None:
        bounds = np.array(self.landscape.bounds)
        notes = []
        for run, path, loss, end, name in zip(
            runs, self.paths, self.losses, self.ends, self.optimizers, strict=True
        ):
            p = np.clip(run.positions, bounds[:, 0], bounds[:, 1])
            path.set_data(p[:, 0], p[:, 1])
            gap = loss_gap(run.losses, self.landscape.min_value)
            loss.set_data(np.arange(len(gap)), gap)
            if run.diverged:
                end.set_data([len(gap) - 1], [clip_to(gap[-1], self.loss_limits)])
                notes.append(f"{_label(name)}: diverged at step {run.diverged_at}")
            else:
                end.set_data([], [])
        self.notes.set_text("\n".join(notes))
        self.notes.set_color(DIVERGED_COLOR)


def _unknown(name: str) -> None:
    raise ValueError(
        f"optimizers must be names from {['sgd', 'momentum', 'nesterov', *ADAPTIVE]}, got {name!r}"
    )


class EffectiveStep(View):
    """One optimizer on an axis-aligned ravine (curvatures 25 along x, 1 along y): its path
    (left) and each parameter's effective learning rate per step (right, ``effective_lr``).
    The right axis spans three decades either side of the lr slider's range and the step axis
    ends at the next of 10, 20, 50, ... steps (at least the default's), so a slider move redraws only the moving artists."""

    title = "the step each parameter gets"

    def __init__(
        self,
        curvatures: tuple[float, float] = (25.0, 1.0),
        *,
        steps: int = 50,
        optimizer: str = "adam",
        lr: float = 0.1,
        lr_grid: tuple[float, ...] = (0.01, 0.03, 0.07, 0.3),
    ) -> None:
        super().__init__()
        self.landscape = Quadratic(curvatures=list(curvatures))
        self.x0 = np.array([-1.0, 3.0])
        self.steps = _checks.integer("steps", steps, minimum=1, maximum=100_000)
        names = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
        self.controls = (
            choice("optimizer", "optimizer", optimizer, names),
            log_slider("lr", "learning rate", lr, 1e-3, 1.0, grid=tuple(lr_grid)),
            int_slider("steps", "steps", steps, 5, 200, grid=(steps,)),
        )

    def compute(self, optimizer: str, lr: float, steps: int) -> Trajectory:
        return simulate(self.landscape, self.x0, lr, steps, optimizer)

    def setup(self, fig: Any) -> None:
        self.ax_path, self.ax_eff = fig.subplots(1, 2)
        plot_landscape(self.landscape, self.ax_path, resolution=120)
        (self.path,) = self.ax_path.plot([], [], "o-", ms=2, lw=1.2, color="C1")
        lam = self.landscape.matrix.diagonal()
        (self.eff_x,) = self.ax_eff.plot([], [], "-", color="C0", label=f"x (curvature {lam[0]:g})")
        (self.eff_y,) = self.ax_eff.plot([], [], "-", color="C2", label=f"y (curvature {lam[1]:g})")
        self.lr_line = self.ax_eff.axhline(1.0, ls="--", color="0.4", label="lr")
        self.ax_eff.set_yscale("log")
        self.ax_eff.set_xlabel("step")
        self.ax_eff.set_ylabel("|Δθ| / |gradient|")
        self.ax_eff.legend(fontsize=7, loc="lower right")
        self.ax_eff.set_ylim(*self._eff_limits())
        self.heading = self.ax_eff.set_title("", fontsize=9)
        self.animate(self.path, self.eff_x, self.eff_y, self.lr_line, self.heading)

    def _eff_limits(self, margin: float = 1e3) -> tuple[float, float]:
        """Fixed log limits: ``margin`` either side of the lr slider's range (an effective rate
        further from every lr than that leaves through the edge)."""
        lr = self.control("lr")
        return log_limits(np.array([lr.low / margin, lr.high * margin]), pad=1.0)

    def update(self, run: Trajectory) -> None:
        bounds = np.array(self.landscape.bounds)
        p = np.clip(run.positions, bounds[:, 0], bounds[:, 1])
        self.path.set_data(p[:, 0], p[:, 1])
        eff = effective_lr(run)
        t = np.arange(len(eff))
        lr = float(run.lrs[0])
        for line, column in ((self.eff_x, eff[:, 0]), (self.eff_y, eff[:, 1])):
            ok = np.isfinite(column) & (column > 0)
            line.set_data(t[ok], column[ok])
        self.lr_line.set_ydata([lr, lr])
        steps = self.control("steps")
        end = min(max(nice_ceil(run.steps), nice_ceil(steps.value)), steps.high)
        self.ax_eff.set_xlim(-0.5, end + 0.5)
        if run.diverged:
            self.heading.set_text(f"diverged at step {run.diverged_at}")
            self.heading.set_color(DIVERGED_COLOR)
        else:
            self.heading.set_text(f"{run.optimizer.describe()}, lr = {lr:.3g}:\n{run.verdict}")
            self.heading.set_color("0.1")


_checks.check_public(globals())
