"""The linear scaling rule with gradual warmup (Goyal et al., "Accurate, large minibatch SGD:
training ImageNet in 1 hour", 2017, arXiv:1706.02677).

Rule: when the batch grows from B0 to k B0, multiply the learning rate by k. For small lr, k steps
of SGD at batch B0 move the parameters about as far as one step at k B0 with k times the rate,
so loss curves plotted against examples seen should coincide. The argument fails when k lr0 is
too large for the curvature (instability, worst early in training) or when too few steps remain
(k large for a fixed budget of examples). Gradual warmup ramps the rate linearly from lr0 to
k lr0 over the first ``warmup_epochs`` (``lrlearn.schedules.linear_lr``), to move the first failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..problems import Problem
from ._common import (
    check_batch_size,
    check_epochs,
    check_flags,
    check_problem,
    default_problem,
    new_figure,
    progress_bar,
    single_blas_thread,
    train,
)

__all__ = ["LinearScalingResult", "linear_scaling"]


@dataclass(frozen=True)
class LinearScalingResult:
    """Runs with batch ``batch_sizes[i] = factors[i] * base_batch`` and rate ``lrs[i] = factors[i]
    * base_lr`` for the same number of ``epochs``, without and with warmup.

    ``epochs_seen`` (n_points,): the shared grid of examples seen / N at which the training loss
    was recorded; ``losses`` / ``losses_warmup`` (n_factors, n_points): training loss there (NaN
    after a run diverged, i.e. exceeded 10x its starting loss or overflowed);
    ``final_loss`` / ``final_loss_warmup``: mean training loss over the last tenth of the epochs
    (an average, so that minibatch jitter does not decide; inf if the run diverged); ``holds`` /
    ``holds_warmup``: final loss at most (1 + ``tolerance``) times the k = 1 run's (lower is fine:
    the larger batch did at least as well per example seen);
    ``break_factor`` / ``break_factor_warmup``: the smallest k where the rule fails (None if it
    holds for every k tried).
    """

    problem: str
    base_batch: int
    base_lr: float
    momentum: float
    epochs: float
    warmup_epochs: float
    tolerance: float
    factors: np.ndarray
    batch_sizes: np.ndarray
    lrs: np.ndarray
    epochs_seen: np.ndarray
    losses: np.ndarray
    losses_warmup: np.ndarray
    final_loss: np.ndarray
    final_loss_warmup: np.ndarray
    holds: np.ndarray
    holds_warmup: np.ndarray
    break_factor: int | None
    break_factor_warmup: int | None

    def plot(self) -> Any:
        """Loss vs epochs for every k, without and with warmup, and the final loss vs k."""
        import matplotlib as mpl

        fig, axes = new_figure(ncols=3, width=4.0, height=3.5)
        cmap = mpl.colormaps["viridis"]
        colors = cmap(np.linspace(0, 0.9, len(self.factors)))
        for ax, losses, title in ((axes[0], self.losses, "no warmup"),
                                  (axes[1], self.losses_warmup,
                                   f"warmup {self.warmup_epochs:g} epochs")):
            for k, c, row in zip(self.factors, colors, losses, strict=True):
                ok = np.isfinite(row)
                ax.plot(self.epochs_seen[ok], row[ok], color=c, lw=1.2,
                        label=f"k={k} (B={k * self.base_batch})")
            ax.set(yscale="log", xlabel="epochs (examples seen / N)", ylabel="training loss",
                   title=f"B = k·{self.base_batch}, lr = k·{self.base_lr:g}: {title}")
        axes[0].legend(fontsize=6, ncol=2)
        ax = axes[2]
        base = self.final_loss[0]
        for vals, lab, mk in ((self.final_loss, "no warmup", "o"),
                              (self.final_loss_warmup, "with warmup", "s")):
            ok = np.isfinite(vals)
            ax.plot(self.factors[ok], vals[ok], mk + "-", ms=4, label=lab)
            if (~ok).any():
                ax.plot(self.factors[~ok], np.full((~ok).sum(), 10 * base), "x", color="C3")
        ax.axhspan(base * (1 + self.tolerance), 10 * base, color="C3", alpha=0.08,
                   label=f"rule broken (> k=1 + {self.tolerance:.0%})")
        ax.axhline(base, color="gray", lw=0.8, ls=":")
        ax.set(xscale="log", yscale="log", xlabel="k", ylabel="final training loss",
               title="Where the rule holds (x: diverged)")
        ax.legend(fontsize=7)
        return fig


def _break(factors: np.ndarray, holds: np.ndarray) -> int | None:
    bad = np.flatnonzero(~holds)
    return int(factors[bad[0]]) if bad.size else None


@single_blas_thread
def linear_scaling(
    problem: Problem | None = None,
    base_batch: int = 8,
    base_lr: float = 0.2,
    factors: Any = None,
    *,
    momentum: float = 0.9,
    epochs: float | None = None,
    warmup_epochs: float | None = None,
    tolerance: float = 0.2,
    n_points: int = 60,
    fast: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> LinearScalingResult:
    """Train with B = k B0, lr = k lr0 for each k in ``factors`` (default 1, 2, 4, ... up to N /
    B0; fast: 1, 4, 16, 64) for ``epochs`` (default 20; fast 5), once with a constant rate and
    once with a linear warmup from lr0 over ``warmup_epochs`` (default epochs / 5).

    Defaults: softmax regression on the digits, momentum 0.9 (as Goyal et al.), B0 = 8, lr0 = 0.2
    (there the rule first fails at k = 32 without warmup and at k = 64 with it).
    """
    fast, progress = check_flags(fast, progress)
    problem = check_problem(default_problem() if problem is None else problem)
    N = problem.n_examples
    base_batch = check_batch_size("base_batch", base_batch, N)
    base_lr = _checks.positive("base_lr", base_lr)
    momentum = _checks.in_range("momentum", momentum, 0.0, 1.0, high_open=True)
    if factors is None:
        ks = [k for k in (2**i for i in range(12)) if k * base_batch <= N]
        factors = [k for k in ks if k in (1, 4, 16, 64)] if fast else ks
    if isinstance(factors, str) or not isinstance(factors, Sequence | np.ndarray) or not len(factors):
        raise ValueError(f"factors must be a non-empty sequence of integers, got {factors!r}")
    factors = np.array([_checks.integer(f"factors[{i}]", k, minimum=1)
                        for i, k in enumerate(factors)])
    if factors[0] != 1 or np.any(np.diff(factors) <= 0):
        raise ValueError(f"factors must start at 1 and increase strictly, got {factors.tolist()}")
    for i, k in enumerate(factors):
        if k * base_batch > N:
            raise ValueError(
                f"factors[{i}] = {k} makes a batch of {k * base_batch} = factor x base_batch, "
                f"more than the {N} training examples: factors must be in [1, {N // base_batch}]"
            )
    epochs = check_epochs("epochs", (5.0 if fast else 20.0) if epochs is None else epochs)
    warmup_epochs = epochs / 5 if warmup_epochs is None else warmup_epochs
    warmup_epochs = _checks.in_range("warmup_epochs", warmup_epochs, 0.0, epochs, low_open=True)
    tolerance = _checks.positive("tolerance", tolerance)
    n_points = _checks.integer("n_points", n_points, minimum=2, maximum=10_000)
    seed = _checks.integer("seed", seed, minimum=0)

    from ..schedules import linear_lr

    grid = np.linspace(0.0, epochs, n_points)
    out = {False: [], True: []}
    batch_sizes = factors * base_batch
    total = int(sum(2 * round(epochs * N / b) for b in batch_sizes))
    with progress_bar(total, "linear scaling", progress) as bar:
        for k, b in zip(factors, batch_sizes, strict=True):
            steps = max(1, round(epochs * N / b))
            ev = np.unique((grid * N / b).round().astype(int).clip(0, steps))
            lr = float(k * base_lr)
            warm = max(1, round(warmup_epochs * N / b))
            ramp = linear_lr(lr, start_factor=1.0 / k, total_iters=warm).values(steps + 1)
            for warmup, rate in ((False, np.array([lr])), (True, lambda t, r=ramp: r[t])):
                if warmup and k == 1:  # a ramp from lr0 to 1 x lr0 is the constant rate
                    out[True].append(out[False][-1])
                    if bar is not None:
                        bar.update(steps)
                    continue
                runs = train(problem, int(b), rate, steps, ev, momentum=momentum, seed=seed,
                             bar=bar)
                # back onto the shared epoch grid (each run is recorded at its own steps)
                epochs_at = runs.eval_steps * b / N
                with np.errstate(invalid="ignore"):  # inf losses after a divergence
                    row = np.interp(grid, epochs_at, runs.losses[0])
                stopped = runs.diverged_at[0] >= 0
                if stopped:
                    row[grid * N / b >= runs.diverged_at[0]] = np.nan
                final = np.inf if stopped else float(row[grid >= 0.9 * epochs].mean())
                out[warmup].append((row, final))
    losses, final = (np.array([r for r, _ in out[False]]), np.array([f for _, f in out[False]]))
    losses_w, final_w = (np.array([r for r, _ in out[True]]), np.array([f for _, f in out[True]]))
    # the rule holds where the loss matches the base run's; nothing holds when that diverged
    # (inf <= inf * 1.2 would say it does)
    ref = final[0] * (1 + tolerance) if np.isfinite(final[0]) else -np.inf
    holds = np.isfinite(final) & (final <= ref)
    holds_w = np.isfinite(final_w) & (final_w <= ref)
    return LinearScalingResult(
        problem=problem.name, base_batch=base_batch, base_lr=base_lr, momentum=momentum,
        epochs=epochs, warmup_epochs=warmup_epochs, tolerance=tolerance, factors=factors,
        batch_sizes=batch_sizes, lrs=factors * base_lr, epochs_seen=grid, losses=losses,
        losses_warmup=losses_w, final_loss=final, final_loss_warmup=final_w, holds=holds,
        holds_warmup=holds_w, break_factor=_break(factors, holds),
        break_factor_warmup=_break(factors, holds_w),
    )
