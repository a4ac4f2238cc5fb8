"""The critical batch size in a stream: SGD on linear regression with a power-law spectrum and a
fresh sample at every step (the setting of Zhang et al. 2024, arXiv:2410.21676).

Inputs ``x ~ N(0, H)`` with ``H = diag(lambda_i)``, ``lambda_i = i^(-a)``; labels
``y = x . w* + eps``, ``eps ~ N(0, sigma^2)``, with ``lambda_i w*_i^2 = i^(-b)``. The excess risk
of ``w`` is ``R(w) = 1/2 sum_i lambda_i (w_i - w*_i)^2``. Minibatch SGD on fresh samples,
``w <- w - (lr / B) sum_j x_j (x_j . w - y_j)``, has an *exact* expected risk: the diagonal
``c_i = E[(w_i - w*_i)^2]`` obeys (Gaussian fourth moments, ``E[x x^T A x x^T] = 2 H A H +
tr(H A) H``)

    c_i <- (1 - lr lambda_i)^2 c_i + (lr^2 / B) (lambda_i^2 c_i + lambda_i (sum_k lambda_k c_k
           + sigma^2)),

so steps to a target need no seeds: :func:`expected_risk` runs this recursion for many learning
rates and batch sizes at once, and :func:`sgd_risk` samples real runs (the tests check the two
agree). :func:`critical_batch` tunes the rate per batch size and fits ``S = S_min (1 + B_crit / B)``
(McCandlish et al. 2018) for each of several targets; :func:`batch_ramp` compares a growing batch
with fixed ones at an equal budget of examples (Merrill et al. 2025, arXiv:2505.23971).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .. import _checks
from ._common import new_figure
from .steps import fit_tradeoff

__all__ = [
    "BatchRampResult",
    "ComputeOptimalResult",
    "CriticalBatchResult",
    "PowerLawRegression",
    "batch_ramp",
    "compute_optimal",
    "critical_batch",
    "expected_risk",
    "sgd_risk",
]

#: a run whose risk passes this is diverged (the recursion is clipped there, never overflows)
_CAP = 1e100


@dataclass(frozen=True)
class PowerLawRegression:
    """Streaming linear regression: spectrum ``lambda_i = i^-spectrum``, target energy
    ``lambda_i w*_i^2 = i^-source``, label noise variance ``noise``, ``dim`` features."""

    dim: int = 128
    spectrum: float = 1.5
    source: float = 1.5
    noise: float = 0.5

    def __post_init__(self) -> None:
        _checks.integer("dim", self.dim, minimum=1, maximum=100_000)
        _checks.in_range("spectrum", self.spectrum, 0.0, 10.0, low_open=True)
        _checks.in_range("source", self.source, 0.0, 10.0)
        _checks.non_negative("noise", self.noise)

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        return np.arange(1, self.dim + 1, dtype=np.float64) ** -self.spectrum

    @cached_property
    def w_star(self) -> np.ndarray:
        i = np.arange(1, self.dim + 1, dtype=np.float64)
        return np.sqrt(i**-self.source / self.eigenvalues)

    @property
    def initial_risk(self) -> float:
        """Excess risk of ``w = 0``: ``1/2 sum_i i^-source``."""
        return float(0.5 * self.eigenvalues @ self.w_star**2)

    def sample(self, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """A fresh minibatch ``(X, y)``: ``(batch, dim)`` and ``(batch,)``."""
        x = rng.standard_normal((batch, self.dim)) * np.sqrt(self.eigenvalues)
        y = x @ self.w_star + np.sqrt(self.noise) * rng.standard_normal(batch)
        return x, y


def _rates(name: str, values: Any) -> np.ndarray:
    return _checks.positive_array(name, values)


def _batches(name: str, values: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind not in "iu" or arr.ndim != 1 or arr.size == 0 or arr.min() < 1:
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of integers >= 1, got {values!r}"
        )
    return arr.astype(np.int64)


def expected_risk(
    problem: PowerLawRegression,
    lrs: Any,
    batch_sizes: Any,
    steps: int,
    targets: Sequence[float] = (),
    record: Sequence[int] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The exact expected excess risk of SGD from ``w = 0`` (recursion in the module docstring).

    ``batch_sizes``: one batch size per run (shape ``(n,)``, paired with ``lrs`` of shape
    ``(n,)``), or a ``(n, steps)`` array giving each run's batch size at every step (a ramp).
    Returns ``(final, first, recorded)``: the risk after ``steps`` steps per run (``inf`` if
    diverged), the first step at which the risk is <= each target (``(n, len(targets))``, ``inf``
    if never) and the risk at each step of ``record`` (``(n, len(record))``).
    """
    if not isinstance(problem, PowerLawRegression):
        raise TypeError(f"problem must be a PowerLawRegression, got {type(problem).__name__}")
    steps = _checks.integer("steps", steps, minimum=0)
    eta = _rates("lrs", lrs)
    sizes = np.asarray(batch_sizes)
    per_step = sizes.ndim == 2
    B = _batches("batch_sizes", sizes.reshape(-1)).reshape(sizes.shape).astype(np.float64)
    if B.shape[0] != eta.size or (per_step and B.shape[1] < steps):
        raise ValueError(
            f"batch_sizes must have one row per learning rate ({eta.size}) and, per step, at least "
            f"steps={steps} columns; got shape {B.shape}"
        )
    tg = np.asarray([_checks.positive(f"targets[{i}]", t) for i, t in enumerate(targets)])
    marks = [_checks.integer(f"record[{i}]", m, 0, steps) for i, m in enumerate(record)]
    recorded = np.full((eta.size, len(marks)), np.inf)
    where = {}
    for i, m in enumerate(marks):
        where.setdefault(m, []).append(i)
    lam, sigma2 = problem.eigenvalues, problem.noise
    c = np.tile(problem.w_star**2, (eta.size, 1))
    first = np.full((eta.size, tg.size), np.inf)
    shrink = (1.0 - eta[:, None] * lam) ** 2
    tmp = np.empty_like(c)
    for t in range(steps + 1):
        two_r = c @ lam
        if tg.size:
            hit = (0.5 * two_r[:, None] <= tg) & np.isinf(first)
            if hit.any():
                first[hit] = t
        if t in where:
            recorded[:, where[t]] = 0.5 * two_r[:, None]
        if t == steps:
            break
        b = B[:, t] if per_step else B
        q = eta**2 / b
        c *= shrink + (q[:, None] * lam**2)
        np.multiply.outer(q * (two_r + sigma2), lam, out=tmp)
        c += tmp
        np.minimum(c, _CAP, out=c)
    final = 0.5 * (c @ lam)
    diverged = np.any(c >= _CAP, axis=1)
    final[diverged] = np.inf
    recorded[diverged] = np.where(recorded[diverged] > 0.5 * _CAP, np.inf, recorded[diverged])
    return final, first, recorded


def sgd_risk(
    problem: PowerLawRegression,
    lr: float,
    batch_size: int,
    steps: int,
    runs: int = 1,
    seed: int = 0,
) -> np.ndarray:
    """Excess risk after each of ``steps`` real SGD steps on fresh samples, ``(runs, steps + 1)``
    (independent runs; their mean estimates :func:`expected_risk`)."""
    lr = _checks.positive("lr", lr)
    batch_size = _checks.integer("batch_size", batch_size, minimum=1)
    steps = _checks.integer("steps", steps, minimum=0)
    runs = _checks.integer("runs", runs, minimum=1)
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    w = np.zeros((runs, problem.dim))
    out = np.empty((runs, steps + 1))
    lam, ws = problem.eigenvalues, problem.w_star
    for t in range(steps + 1):
        out[:, t] = 0.5 * ((w - ws) ** 2) @ lam
        if t == steps:
            break
        x = rng.standard_normal((runs, batch_size, problem.dim)) * np.sqrt(lam)
        y = x @ ws + np.sqrt(problem.noise) * rng.standard_normal((runs, batch_size))
        resid = np.einsum("rbd,rd->rb", x, w) - y
        w = w - lr / batch_size * np.einsum("rbd,rb->rd", x, resid)
    return out


@dataclass(frozen=True)
class CriticalBatchResult:
    """Fewest steps to each target (rows: batch sizes, columns: targets), the learning rate
    tuned per batch size and target over ``lrs``; ``critical_batch[j]`` = E_min / S_min of the fit
    ``S = S_min + E_min / B`` for target ``j`` (NaN if impossible)."""

    problem: PowerLawRegression
    batch_sizes: np.ndarray
    lrs: np.ndarray
    targets: np.ndarray
    max_steps: int
    steps: np.ndarray
    best_lr: np.ndarray
    s_min: np.ndarray
    critical_batch: np.ndarray

    def plot(self) -> Any:
        """Steps to each target against B (log-log), with each fit and its B_crit marked."""
        fig, (ax,) = new_figure(width=5.2, height=3.8)
        B = self.batch_sizes
        fine = np.geomspace(B[0], B[-1], 200)
        for j, target in enumerate(self.targets):
            ok = np.isfinite(self.steps[:, j])
            ax.plot(
                B[ok],
                self.steps[ok, j],
                "o",
                ms=4,
                color=f"C{j}",
                label=f"risk <= {target:g}: B_crit = {self.critical_batch[j]:.3g}",
            )
            if np.isfinite(self.critical_batch[j]):
                s, bc = self.s_min[j], self.critical_batch[j]
                ax.plot(fine, s * (1 + bc / fine), "-", lw=1, color=f"C{j}")
                ax.plot([bc], [2 * s], "D", ms=7, mfc="none", color=f"C{j}")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="batch size B",
            ylabel="steps to target",
            title="Deeper targets need larger batches (lr tuned per B)",
        )
        ax.legend(fontsize=7)
        return fig


def critical_batch(
    problem: PowerLawRegression | None = None,
    batch_sizes: Any = None,
    targets: Sequence[float] = (0.05, 0.02, 0.01),
    lrs: Any = None,
    max_steps: int = 20_000,
) -> CriticalBatchResult:
    """Steps to each target against the batch size, tuned over ``lrs`` (default 14 rates from
    1e-3 to 4), and B_crit per target (``fit_tradeoff``). Deterministic (exact expectations)."""
    problem = problem or PowerLawRegression()
    B = _batches("batch_sizes", 2 ** np.arange(13) if batch_sizes is None else batch_sizes)
    eta = _rates("lrs", np.geomspace(1e-3, 4.0, 14) if lrs is None else lrs)
    tg = np.sort(np.asarray([_checks.positive("targets", t) for t in targets]))[::-1]
    _, first, _ = expected_risk(
        problem, np.tile(eta, B.size), np.repeat(B, eta.size), max_steps, tg
    )
    first = first.reshape(B.size, eta.size, tg.size)
    steps = first.min(axis=1)
    best = np.where(np.isfinite(steps), eta[first.argmin(axis=1)], np.nan)
    fits = [fit_tradeoff(B, steps[:, j]) for j in range(tg.size)]
    s_min = np.array([f[0] for f in fits])
    bcrit = np.array([f[1] / f[0] for f in fits])
    return CriticalBatchResult(problem, B, eta, tg, max_steps, steps, best, s_min, bcrit)


@dataclass(frozen=True)
class BatchRampResult:
    """Final expected risk and steps at an equal budget of ``examples`` for fixed batch sizes and
    a ramp (batch doubled from ``ramp[0]`` to ``ramp[-1]``, an equal share of the examples per
    stage), each at its best constant learning rate of ``lrs``."""

    labels: tuple[str, ...]
    examples: int
    steps: np.ndarray
    risk: np.ndarray
    best_lr: np.ndarray
    curves: tuple[tuple[np.ndarray, np.ndarray], ...]

    def plot(self) -> Any:
        fig, (ax,) = new_figure(width=5.2, height=3.6)
        for j, (label, (ex, risk)) in enumerate(zip(self.labels, self.curves, strict=True)):
            ax.plot(ex, risk, color=f"C{j}", label=f"{label}: {self.steps[j]:.0f} steps")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="examples seen",
            ylabel="expected excess risk",
            title="Batch-size warmup at an equal budget of examples",
        )
        ax.legend(fontsize=7)
        return fig


def _ramp_sizes(ramp: Sequence[int], examples: int) -> np.ndarray:
    share = examples // len(ramp)
    return np.concatenate([np.full(max(1, share // b), b) for b in ramp]).astype(np.int64)


def batch_ramp(
    problem: PowerLawRegression | None = None,
    examples: int = 2**17,
    fixed: Sequence[int] = (8, 256),
    ramp: Sequence[int] = (8, 16, 32, 64, 128, 256),
    lrs: Any = None,
) -> BatchRampResult:
    """Fixed batch sizes against a doubling ramp at ``examples`` examples, each tuned over
    ``lrs`` (a constant rate per run), exact expected risk."""
    problem = problem or PowerLawRegression()
    examples = _checks.integer("examples", examples, minimum=1)
    eta = _rates("lrs", np.geomspace(1e-3, 4.0, 14) if lrs is None else lrs)
    plans = [np.full(max(1, examples // b), b, dtype=np.int64) for b in fixed]
    plans.append(_ramp_sizes(ramp, examples))
    labels = (*(f"fixed B = {b}" for b in fixed), f"ramp B = {ramp[0]} -> {ramp[-1]}")
    steps, risk, best, curves = [], [], [], []
    for plan in plans:
        marks = np.unique(np.geomspace(1, plan.size, 40).astype(int))
        final, _, rec = expected_risk(
            problem, eta, np.tile(plan, (eta.size, 1)), plan.size, record=marks
        )
        k = int(np.argmin(final))
        steps.append(plan.size)
        risk.append(final[k])
        best.append(eta[k])
        curves.append((np.cumsum(plan)[marks - 1], rec[k]))
    return BatchRampResult(
        labels, examples, np.array(steps), np.array(risk), np.array(best), tuple(curves)
    )


@dataclass(frozen=True)
class ComputeOptimalResult:
    """For each budget of ``examples`` (compute, in this model): ``risk[c, b, l]`` over
    ``batch_sizes`` x ``lrs``; the *near-optimal* settings, within ``tolerance`` (relative) of the
    lowest risk (DeepSeek-AI 2024's band); ``best_batch``, the largest batch size in that band, and
    ``best_lr``, the best rate at that batch size; and the power laws ``lr_opt ∝ C^lr_exponent``,
    ``B_opt ∝ C^batch_exponent`` fitted to them."""

    budgets: np.ndarray
    batch_sizes: np.ndarray
    lrs: np.ndarray
    risk: np.ndarray
    tolerance: float
    best_batch: np.ndarray
    best_lr: np.ndarray
    lr_exponent: float
    batch_exponent: float

    def plot(self) -> Any:
        fig, (ax_lr, ax_b) = new_figure(ncols=2, width=4.2, height=3.4)
        C = self.budgets.astype(float)
        for ax, y, e, what in (
            (ax_lr, self.best_lr, self.lr_exponent, "best learning rate"),
            (ax_b, self.best_batch, self.batch_exponent, "best batch size"),
        ):
            ax.plot(C, y, "o", color="C0", label="grid optimum")
            coef = np.polyfit(np.log(C), np.log(y.astype(float)), 1)
            ax.plot(
                C, np.exp(np.polyval(coef, np.log(C))), "-", color="C1", label=f"fit: ∝ C^{e:.2f}"
            )
            ax.set(xscale="log", yscale="log", xlabel="compute C (examples)", ylabel=what)
            ax.legend(fontsize=7)
        return fig


def compute_optimal(
    problem: PowerLawRegression | None = None,
    budgets: Any = None,
    batch_sizes: Any = None,
    lrs: Any = None,
    tolerance: float = 0.05,
) -> ComputeOptimalResult:
    """Grid search of (B, lr) at each budget of examples (constant rate, exact expected risk):
    one run per batch size and rate, read at ``budget / B`` steps for every budget. A small
    batch is never worse per example here, so the optimum is read as the largest batch whose
    best risk is within ``tolerance`` of the lowest (the near-optimal band)."""
    tolerance = _checks.in_range("tolerance", tolerance, 0.0, 1.0)
    problem = problem or PowerLawRegression()
    C = _batches("budgets", 2 ** np.arange(10, 17) if budgets is None else budgets)
    B = _batches("batch_sizes", 2 ** np.arange(0, 11) if batch_sizes is None else batch_sizes)
    eta = _rates("lrs", np.geomspace(1e-2, 2.0, 16) if lrs is None else lrs)
    risk = np.full((C.size, B.size, eta.size), np.inf)
    for j, b in enumerate(B):
        marks = C // b
        ok = marks >= 1
        if not ok.any():
            continue
        steps = int(marks[ok].max())
        _, _, rec = expected_risk(
            problem, eta, np.full(eta.size, b), steps, record=[int(m) for m in marks[ok]]
        )
        risk[ok, j] = rec.T
    best = risk.min(axis=(1, 2))
    jb = np.array(
        [
            np.flatnonzero(risk[c].min(axis=1) <= (1 + tolerance) * best[c]).max()
            for c in range(C.size)
        ]
    )
    best_b = B[jb]
    best_lr = eta[np.array([np.argmin(risk[c, j]) for c, j in enumerate(jb)])]
    logc = np.log(C.astype(float))
    lr_exp = float(np.polyfit(logc, np.log(best_lr), 1)[0])
    b_exp = float(np.polyfit(logc, np.log(best_b.astype(float)), 1)[0])
    return ComputeOptimalResult(C, B, eta, risk, tolerance, best_b, best_lr, lr_exp, b_exp)

_checks.check_public(globals())
