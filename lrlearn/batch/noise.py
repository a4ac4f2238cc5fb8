"""Gradient noise against batch size: how far a minibatch gradient strays from the full gradient.

With per-example gradients g_i (i = 1..N), full gradient G = mean_i g_i and per-example covariance
Sigma = mean_i (g_i - G)(g_i - G)^T, the mean of B examples drawn uniformly

- with replacement has  E|g_B - G|^2 = tr(Sigma) / B;
- without replacement has  E|g_B - G|^2 = tr(Sigma) / B * (N - B) / (N - 1)

(the finite-population correction; Cochran, *Sampling Techniques*, 1977, thm 2.2). The second is
exactly 0 at B = N: the whole data set has no sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..problems import Problem
from ._common import (
    check_batch_sizes,
    check_flags,
    check_params,
    check_problem,
    default_problem,
    new_figure,
    powers_of_two,
    progress_bar,
)

__all__ = ["GradientNoiseResult", "gradient_noise"]


@dataclass(frozen=True)
class GradientNoiseResult:
    """Measured and predicted minibatch gradient variance, one entry per batch size.

    ``variance_with`` / ``variance_without``: mean of |g_B - G|^2 over ``n_draws`` minibatches
    drawn with / without replacement; ``stderr_with`` / ``stderr_without`` their standard errors
    (sample std / sqrt(n_draws)); ``predicted_with = trace / B``; ``predicted_without = trace / B *
    (N - B) / (N - 1)``; ``trace`` = tr(Sigma) (sigma^2); ``grad_norm2`` = |G|^2.
    """

    problem: str
    n_examples: int
    batch_sizes: np.ndarray
    n_draws: int
    trace: float
    grad_norm2: float
    variance_with: np.ndarray
    variance_without: np.ndarray
    stderr_with: np.ndarray
    stderr_without: np.ndarray
    predicted_with: np.ndarray
    predicted_without: np.ndarray

    @staticmethod
    def _z(measured: np.ndarray, predicted: np.ndarray, stderr: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (measured - predicted) / stderr
        return np.where(stderr > 0, z, 0.0)

    @property
    def z_with(self) -> np.ndarray:
        """(measured - predicted) / standard error, with replacement (0 where there is no noise)."""
        return self._z(self.variance_with, self.predicted_with, self.stderr_with)

    @property
    def z_without(self) -> np.ndarray:
        """(measured - predicted) / standard error, without replacement (0 where both are 0)."""
        return self._z(self.variance_without, self.predicted_without, self.stderr_without)

    def plot(self) -> Any:
        """Log-log: measured variance (dots, +-2 standard errors) and the two formulas (lines)."""
        fig, (ax,) = new_figure(width=5.5, height=4.0)
        B = self.batch_sizes
        fine = np.unique(np.geomspace(B[0], B[-1], 200).round().astype(int))
        N = self.n_examples
        ax.plot(fine, self.trace / fine, color="C0", label=r"$\sigma^2/B$ (with replacement)")
        without = self.trace / fine * (N - fine) / (N - 1)
        keep = without > 0
        ax.plot(fine[keep], without[keep], color="C1",
                label=r"$\sigma^2/B\cdot(N-B)/(N-1)$ (without)")
        ax.errorbar(B, self.variance_with, yerr=2 * self.stderr_with, fmt="o", color="C0", ms=4,
                    label="measured, with replacement")
        pos = self.variance_without > 0
        ax.errorbar(B[pos], self.variance_without[pos], yerr=2 * self.stderr_without[pos], fmt="s",
                    color="C1", ms=4, label="measured, without replacement")
        if not pos.all():
            ax.annotate(f"B = N = {N}: exactly 0", (B[-1], self.predicted_with[-1]),
                        textcoords="offset points", xytext=(-150, -25), fontsize=8,
                        arrowprops={"arrowstyle": "->", "color": "C1"}, color="C1")
        ax.set(xscale="log", yscale="log", xlabel="batch size B",
               ylabel=r"$E\,|g_B - G|^2$",
               title=f"Minibatch gradient noise ({self.problem}, N = {N})")
        ax.legend(fontsize=8)
        return fig


def _noise_draws(D: np.ndarray, B: int, n_draws: int, replace: bool, rng: np.random.Generator,
                 chunk: int) -> np.ndarray:
    """|mean of B rows of D|^2 for ``n_draws`` random minibatches (rows of D sum to 0)."""
    N = D.shape[0]
    out = np.empty(n_draws)
    # without replacement, the complement's deviations sum to minus the batch's: use the smaller
    use_complement = not replace and N - B < B
    size = N - B if use_complement else B
    if size == 0:
        return np.zeros(n_draws)
    dense = size > 16  # large batches: a (draws, N) count matrix times D (BLAS) beats gathering
    per = max(1, chunk // ((N if dense else size) * (1 if dense else D.shape[1])))
    for start in range(0, n_draws, per):
        m = min(per, n_draws - start)
        if replace:
            idx = rng.integers(0, N, size=(m, size))
        else:
            idx = np.argsort(rng.random((m, N)), axis=1)[:, :size]
        if dense:
            rows = np.repeat(np.arange(m), size)
            counts = np.bincount(rows * N + idx.ravel(), minlength=m * N).reshape(m, N)
            s = counts @ D / B
        else:
            s = D[idx].sum(axis=1) / B
        out[start : start + m] = np.einsum("ij,ij->i", s, s)
    return out


def gradient_noise(
    problem: Problem | None = None,
    batch_sizes: Any = None,
    params: np.ndarray | None = None,
    n_draws: int | None = None,
    *,
    fast: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> GradientNoiseResult:
    """Measure E|g_B - G|^2 for each batch size, with and without replacement, at ``params``
    (default: ``problem.init_params(seed)``), and compare with tr(Sigma)/B and its
    finite-population correction.

    Defaults: softmax regression on the digits; B = 1, 2, 4, ..., N; ``n_draws`` = 300 (fast) or
    2000 minibatches per batch size and sampling scheme.
    """
    fast, progress = check_flags(fast, progress)
    problem = check_problem(default_problem() if problem is None else problem)
    N = problem.n_examples
    if batch_sizes is None:
        sizes = powers_of_two(N)
        batch_sizes = [b for b in sizes if b <= 64 or b == N] if fast else sizes
    B = check_batch_sizes("batch_sizes", batch_sizes, N)
    n_draws = (300 if fast else 2000) if n_draws is None else n_draws
    n_draws = _checks.integer("n_draws", n_draws, minimum=2, maximum=10**6)
    seed = _checks.integer("seed", seed, minimum=0)
    params = problem.init_params(seed) if params is None else check_params(problem, params)
    G_i = problem.per_example_grads(params)
    G = G_i.mean(axis=0)
    D = G_i - G
    trace = float(np.einsum("ij,ij->", D, D) / N)
    rng = np.random.default_rng(seed)
    stats = {True: ([], []), False: ([], [])}
    bar = progress_bar(2 * len(B), "gradient noise", progress)
    with bar:
        for b in B:
            for replace in (True, False):
                sq = _noise_draws(D, int(b), n_draws, replace, rng, chunk=4_000_000)
                stats[replace][0].append(sq.mean())
                stats[replace][1].append(sq.std(ddof=1) / np.sqrt(n_draws))
                bar.update(1)
    Bf = B.astype(float)
    return GradientNoiseResult(
        problem=problem.name, n_examples=N, batch_sizes=B, n_draws=n_draws, trace=trace,
        grad_norm2=float(G @ G),
        variance_with=np.array(stats[True][0]), variance_without=np.array(stats[False][0]),
        stderr_with=np.array(stats[True][1]), stderr_without=np.array(stats[False][1]),
        predicted_with=trace / Bf,
        predicted_without=trace / Bf * (N - Bf) / max(N - 1, 1),  # N = 1: B = N, exactly 0
    )
