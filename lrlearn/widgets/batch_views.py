"""Batch size, seen live: views over the experiments of ``lrlearn.batch``.

Each view runs its experiment once (seeded, ``fast=True`` by default, or takes a result you
pass) and its controls pick what to look at; nothing is recomputed on a change, so redraws are
instant. ``GradientNoiseView``: minibatch gradient noise against B (noise ~ tr(Sigma) / B).
``RegimesView``: SGD, minibatch and full batch against steps, epochs or examples.
``LinearScalingView``: B = k B0 with lr = k lr0, with or without warmup (Goyal et al., 2017).
``StepsToTargetView``: fewest steps to a target against B and the fit S = S_min + E_min / B
(Shallue et al., 2019; McCandlish et al., 2018).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks, batch
from ._draw import DIVERGED_COLOR
from .controls import choice
from .view import View

__all__ = ["GradientNoiseView", "LinearScalingView", "RegimesView", "StepsToTargetView"]


def _note(ax: Any, x: float = 0.02, y: float = 0.04, ha: str = "left", va: str = "bottom") -> Any:
    return ax.text(
        x,
        y,
        "",
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize=8,
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.7", "alpha": 0.9},
    )


class _PerBatchSizeView(View):
    """A view of one experiment result that has a result per batch size; the control picks one of
    those batch sizes (the nearest to ``batch_size`` at first) and ``compute`` returns its index."""

    def __init__(self, result: Any, batch_size: int) -> None:
        super().__init__()
        self.result = result
        batch_size = _checks.integer("batch_size", batch_size, minimum=1)
        sizes = tuple(int(b) for b in result.batch_sizes)
        default = min(sizes, key=lambda b: abs(b - batch_size))
        self.controls = (choice("batch_size", "batch size B", default, sizes),)

    def compute(self, batch_size: int) -> int:
        return int(np.flatnonzero(self.result.batch_sizes == batch_size)[0])


class GradientNoiseView(_PerBatchSizeView):
    """Measured ``E|g_B - G|^2`` against B (dots) with ``tr(Sigma)/B`` and its finite-population
    correction (lines); the chosen B is marked and its noise-to-signal ratio printed."""

    title = "gradient noise against batch size"

    def __init__(
        self,
        result: batch.GradientNoiseResult | None = None,
        *,
        batch_size: int = 32,
        seed: int = 0,
    ) -> None:
        super().__init__(
            result or batch.gradient_noise(fast=True, seed=seed, progress=False), batch_size
        )

    def setup(self, fig: Any) -> None:
        r = self.result
        ax = self.ax = fig.subplots()
        B = r.batch_sizes.astype(float)
        ok = r.variance_without > 0
        ax.plot(B, r.predicted_with, "-", color="C0", lw=1, label="tr(Σ)/B (with replacement)")
        ax.plot(
            B[ok],
            r.predicted_without[ok],
            "--",
            color="C1",
            lw=1,
            label="× (N − B)/(N − 1) (without)",
        )
        ax.plot(B, r.variance_with, "o", color="C0", ms=4, label="measured, with replacement")
        ax.plot(
            B[ok],
            r.variance_without[ok],
            "s",
            color="C1",
            ms=4,
            mfc="none",
            label="measured, without (an epoch's batches)",
        )
        ax.axhline(r.grad_norm2, color="0.4", ls=":", lw=1, label="|G|² (signal)")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="batch size B",
            ylabel="E |g_B − G|²  (gradient noise)",
        )
        ax.legend(fontsize=7, loc="lower left")
        (self.marker,) = ax.plot([], [], "o", ms=12, mfc="none", mec=DIVERGED_COLOR, mew=2)
        self.note = _note(ax, 0.98, 0.96, "right", "top")
        self.animate(self.marker, self.note)

    def update(self, i: int) -> None:
        r = self.result
        b = int(r.batch_sizes[i])
        self.marker.set_data([b], [r.variance_with[i]])
        ratio = r.variance_without[i] / r.grad_norm2
        self.note.set_text(
            f"B = {b}: noise / signal = {ratio:.3g}\n"
            f"(std of a step's gradient ≈ {np.sqrt(ratio):.2g} × |G|)"
        )


class RegimesView(View):
    """Training loss of SGD (B = 1), a minibatch and full batch against steps, epochs or examples
    seen (``batch.compare_regimes``): which one is "fastest" depends on what you count."""

    title = "epochs, steps or examples"

    def __init__(
        self, result: batch.RegimesResult | None = None, *, axis: str = "steps", seed: int = 0
    ) -> None:
        super().__init__()
        self.result = result or batch.compare_regimes(fast=True, seed=seed, progress=False)
        self.controls = (choice("axis", "count", axis, ("steps", "epochs", "examples")),)

    def compute(self, axis: str) -> tuple[str, tuple[np.ndarray, ...]]:
        return axis, getattr(self.result, axis)

    def setup(self, fig: Any) -> None:
        r = self.result
        ax = self.ax = fig.subplots()
        self.lines = []
        for i in range(len(r.batch_sizes)):
            (line,) = ax.plot([], [], color=f"C{i}", lw=1.5, label=r.label(i))
            self.lines.append(line)
        losses = np.concatenate(r.losses)
        losses = losses[np.isfinite(losses) & (losses > 0)]
        ax.set_yscale("log")
        ax.set_ylim(losses.min() / 1.5, losses.max() * 1.5)
        ax.set_ylabel("training loss (full data)")
        ax.legend(fontsize=7, loc="upper right")
        self.animate(*self.lines)

    def update(self, chosen: tuple[str, tuple[np.ndarray, ...]]) -> None:
        axis, xs = chosen
        r = self.result
        for line, x, y in zip(self.lines, xs, r.losses, strict=True):
            ok = np.isfinite(y)
            line.set_data(x[ok], y[ok])
        if axis == "steps":
            self.ax.set_xscale("linear")
            self.ax.set_xlim(0, r.max_steps_shown)
            self.ax.set_xlabel("steps (parameter updates)")
        elif axis == "epochs":
            self.ax.set_xscale("linear")
            self.ax.set_xlim(0, r.max_epochs_shown)
            self.ax.set_xlabel("epochs (passes over the data)")
        else:
            top = max(float(x.max()) for x in xs)
            self.ax.set_xscale("log")
            self.ax.set_xlim(1, top)
            self.ax.set_xlabel("examples seen (log)")


class LinearScalingView(View):
    """All runs of ``batch.linear_scaling`` faint, the chosen k bold, with or without warmup;
    the note says whether the linear scaling rule held for that k."""

    title = "linear scaling rule"

    def __init__(
        self,
        result: batch.LinearScalingResult | None = None,
        *,
        factor: int = 1,
        warmup: str = "off",
        seed: int = 0,
    ) -> None:
        super().__init__()
        factor = _checks.integer("factor", factor, minimum=1)
        self.result = result or batch.linear_scaling(fast=True, seed=seed, progress=False)
        factors = tuple(int(k) for k in self.result.factors)
        self.controls = (
            choice(
                "factor",
                "k (B = k·B0, lr = k·lr0)",
                factor if factor in factors else factors[0],
                factors,
            ),
            choice("warmup", "warmup", warmup, ("off", "on")),
        )

    def compute(self, factor: int, warmup: str) -> tuple[int, bool]:
        return int(np.flatnonzero(self.result.factors == factor)[0]), warmup == "on"

    def setup(self, fig: Any) -> None:
        r = self.result
        ax = self.ax = fig.subplots()
        both = np.concatenate([r.losses.ravel(), r.losses_warmup.ravel()])
        both = both[np.isfinite(both) & (both > 0)]
        self.faint = []
        for _ in r.factors:
            (line,) = ax.plot([], [], color="0.75", lw=0.8)
            self.faint.append(line)
        (self.bold,) = ax.plot([], [], color="C1", lw=2.2)
        (self.base,) = ax.plot(
            r.epochs_seen,
            r.losses[0],
            color="C0",
            lw=1.5,
            ls="--",
            label=f"k = 1 (B = {r.base_batch}, lr = {r.base_lr:g})",
        )
        ax.set(
            yscale="log",
            xlabel="epochs (examples seen / N)",
            ylabel="training loss",
            ylim=(both.min() / 1.5, both.max() * 1.5),
            xlim=(0, r.epochs_seen.max()),
        )
        ax.legend(fontsize=8, loc="upper right")
        self.note = _note(ax)
        self.animate(*self.faint, self.bold, self.note)

    def update(self, chosen: tuple[int, bool]) -> None:
        i, warm = chosen
        r = self.result
        losses = r.losses_warmup if warm else r.losses
        for line, row in zip(self.faint, losses, strict=True):
            ok = np.isfinite(row)
            line.set_data(r.epochs_seen[ok], row[ok])
        row = losses[i]
        ok = np.isfinite(row)
        self.bold.set_data(r.epochs_seen[ok], row[ok])
        holds = (r.holds_warmup if warm else r.holds)[i]
        final = (r.final_loss_warmup if warm else r.final_loss)[i]
        k, b, lr = int(r.factors[i]), int(r.batch_sizes[i]), float(r.lrs[i])
        verdict = "rule holds" if holds else "diverged" if not np.isfinite(final) else "rule broken"
        self.note.set_text(
            f"k = {k}: B = {b}, lr = {lr:g}"
            f"{' with warmup' if warm else ''}\nfinal loss {final:.3g}: {verdict} (this seed;\n"
            f"the verdict over seeds is the claim's)"
        )
        self.note.set_color("0.1" if holds else DIVERGED_COLOR)


class StepsToTargetView(_PerBatchSizeView):
    """Fewest steps to the target against B (tuned lr and momentum, ``batch.steps_to_target``)
    with the fit S = S_min + E_min / B; the chosen B is marked with its best rate."""

    title = "steps to target"

    def __init__(
        self,
        result: batch.StepsToTargetResult | None = None,
        *,
        batch_size: int = 16,
        seed: int = 0,
    ) -> None:
        super().__init__(
            result or batch.steps_to_target(fast=True, seed=seed, progress=False), batch_size
        )

    def setup(self, fig: Any) -> None:
        r = self.result
        ax = self.ax = fig.subplots()
        B = r.batch_sizes.astype(float)
        ok = r.reached
        ax.plot(B[ok], r.steps[ok], "o-", color="C0", label="fewest steps (tuned lr, momentum)")
        if np.isfinite(r.critical_batch):
            grid = np.geomspace(B.min(), B.max(), 200)
            ax.plot(
                grid,
                r.s_min + r.e_min / grid,
                "--",
                color="0.4",
                lw=1,
                label=f"S_min + E_min/B; B_crit = {r.critical_batch:.3g}",
            )
            ax.axvline(r.critical_batch, color="C2", lw=1, ls=":")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="batch size B",
            ylabel=f"steps to {r.metric} target {r.target:g}",
        )
        ax.legend(fontsize=7, loc="upper right")
        (self.marker,) = ax.plot([], [], "o", ms=12, mfc="none", mec=DIVERGED_COLOR, mew=2)
        self.note = _note(ax)
        self.regions = r.regions()
        self.animate(self.marker, self.note)

    def update(self, i: int) -> None:
        r = self.result
        b = int(r.batch_sizes[i])
        if not r.reached[i]:
            self.marker.set_data([], [])
            self.note.set_text(f"B = {b}: target not reached in {r.max_steps} steps")
            return
        self.marker.set_data([b], [r.steps[i]])
        self.note.set_text(
            f"B = {b}: {r.steps[i]:.0f} steps, {r.examples[i]:.3g} examples\n"
            f"best lr {r.best_lr[i]:.3g}, momentum {r.best_momentum[i]:g} "
            f"(effective lr {r.best_effective_lr[i]:.3g})\n{self.regions[i]}"
        )

_checks.check_public(globals())
