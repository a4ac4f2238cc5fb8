"""When does gradient descent converge? The 2/L threshold, contraction rates, and a run classifier.

On a quadratic with curvatures lambda_i, plain gradient descent multiplies the error along
eigen-direction i by ``1 - lr * lambda_i`` each step. It converges iff every factor has modulus
below 1, that is iff ``0 < lr < 2 / L`` with ``L = max lambda_i``; the slowest direction sets the
rate ``max_i |1 - lr lambda_i|``, which is smallest at ``lr* = 2 / (L + mu)`` where it equals
``(kappa - 1) / (kappa + 1)``, ``kappa = L / mu`` (Nesterov, *Introductory Lectures*, 2004, sec. 2.1).
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

from . import _checks
from .landscapes import Quadratic
from .simulate import Trajectory

__all__ = [
    "Verdict",
    "classify",
    "classify_losses",
    "contraction_factors",
    "convergence_rate",
    "critical_lr",
    "optimal_lr",
    "steps_to_tolerance",
]


def _curvatures(landscape_or_curvatures: Quadratic | Any) -> np.ndarray:
    if isinstance(landscape_or_curvatures, Quadratic):
        return landscape_or_curvatures.curvatures
    return _checks.positive_array("curvatures", landscape_or_curvatures)


def critical_lr(landscape: Quadratic | float | Any) -> float:
    """2 / L: gradient descent on the quadratic converges for lr below it and diverges above.

    Accepts a ``Quadratic``, its curvatures, or L itself (e.g. ``critical_lr(10.0) == 0.2`` for
    f(x) = 5 x^2, whose curvature is 10).
    """
    return 2.0 / float(np.max(_curvatures(landscape)))


def optimal_lr(landscape: Quadratic | Any) -> float:
    """2 / (L + mu): the fixed learning rate with the fastest worst-case contraction."""
    lam = _curvatures(landscape)
    return 2.0 / float(lam.max() + lam.min())


def contraction_factors(lr: float, landscape: Quadratic | Any) -> np.ndarray:
    """|1 - lr * lambda_i| for each curvature: the per-step error factor along each eigen-direction."""
    lr = _checks.positive("lr", lr)
    return np.abs(1.0 - lr * _curvatures(landscape))


def convergence_rate(lr: float, landscape: Quadratic | Any) -> float:
    """max_i |1 - lr lambda_i|: the distance to the minimum shrinks (at worst) by this per step."""
    return float(contraction_factors(lr, landscape).max())


def steps_to_tolerance(lr: float, landscape: Quadratic | Any, tol: float = 1e-6) -> float:
    """Steps until the worst-case distance falls below ``tol`` times its start: log(tol) / log(rate).
    ``inf`` when the rate is >= 1 (no convergence)."""
    tol = _checks.in_range("tol", tol, 0.0, 1.0, low_open=True, high_open=True)
    rate = convergence_rate(lr, landscape)
    if rate >= 1.0:
        return float("inf")
    if rate == 0.0:
        return 1.0
    return float(np.ceil(np.log(tol) / np.log(rate)))


class Verdict(enum.Enum):
    """How a run behaved."""

    CONVERGES = "converges monotonically"
    OSCILLATES = "oscillates but converges"
    DIVERGES = "diverges"
    TOO_SLOW = "too slow to converge in the budget"

    def __str__(self) -> str:
        return self.value


def _is_converged(gap: np.ndarray, rtol: float) -> bool:
    return bool(gap[-1] <= rtol * max(gap[0], np.finfo(float).tiny))


def classify_losses(losses: Any, *, min_value: float | None = None, rtol: float = 1e-4) -> Verdict:
    """Read a loss curve alone: diverges if it ends above where it started (or is not finite),
    converges if the gap to ``min_value`` (default: the curve's minimum) fell below ``rtol`` of its
    start, oscillating if it went up at some step on the way, and too slow otherwise."""
    y = np.asarray(losses, dtype=float)
    if y.ndim != 1 or y.size < 2:
        raise ValueError(f"losses must be a 1-D curve of at least 2 values, got shape {y.shape}")
    if not np.all(np.isfinite(y)) or y[-1] > y[0]:
        return Verdict.DIVERGES
    floor = float(np.min(y)) if min_value is None else float(min_value)
    gap = y - floor
    scale = max(abs(y[0]), abs(floor), 1e-300)
    rises = np.diff(y) > 1e-9 * scale
    if not _is_converged(gap, rtol):
        return Verdict.TOO_SLOW
    return Verdict.OSCILLATES if rises.any() else Verdict.CONVERGES


def classify(run: Trajectory, *, rtol: float = 1e-6) -> Verdict:
    """Classify a simulated run.

    - diverges: the run blew up, or its loss ended above its start;
    - converged: the gradient norm fell below ``rtol`` of its start (a stationary point was reached;
      on a landscape with several minima this need not be the global one);
    - oscillating: successive steps point in opposite directions (d_t . d_t+1 < 0) for at least a
      third of the steps before convergence, or the loss rose at some step;
    - too slow: none of these in the step budget.
    """
    if not isinstance(run, Trajectory):
        raise TypeError(f"run must be a Trajectory from lrlearn.simulate, got {type(run).__name__}")
    if run.diverged or run.losses[-1] > run.losses[0]:
        return Verdict.DIVERGES
    if run.steps_run < 1 or not _is_converged(run.grad_norms, rtol):
        return Verdict.TOO_SLOW
    moves = np.diff(run.positions, axis=0)
    # only steps that still move measurably (after convergence, rounding noise flips signs)
    size = np.linalg.norm(moves, axis=1)
    active = size > 1e-12 * max(size.max(), 1e-300)
    dots = np.einsum("ij,ij->i", moves[:-1], moves[1:])[active[:-1] & active[1:]]
    flips = dots < 0
    scale = max(abs(run.losses[0]), 1e-300)
    rises = np.diff(run.losses) > 1e-9 * scale
    if (flips.size and flips.mean() >= 1 / 3) or rises.any():
        return Verdict.OSCILLATES
    return Verdict.CONVERGES
