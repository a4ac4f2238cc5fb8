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
    "DEFAULT_TARGET",
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
    big = float(lam.max())
    return 2.0 / big / (1.0 + float(lam.min()) / big)  # 2 / (L + mu) without overflow near 1e308


def contraction_factors(lr: float, landscape: Quadratic | Any) -> np.ndarray:
    """|1 - lr * lambda_i| for each curvature: the per-step error factor along each eigen-direction."""
    lr = _checks.positive("lr", lr)
    with np.errstate(over="ignore"):
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
    """How a run behaved, read from its dynamics (see :func:`classify`).

    - ``CONVERGES``: the loss gap fell below the target and no direction overshoots;
    - ``OSCILLATES``: converging, but along some direction the weights overshoot the minimum and
      come back (for gradient descent on a quadratic: a curvature with ``1 < lr * lambda < 2``,
      where that direction's error flips sign every step while the loss still falls monotonically);
    - ``CYCLES``: on the edge of stability: the oscillation neither grows nor dies out (gradient
      descent at exactly ``lr = 2 / L``, or a two-cycle around a minimum of a non-quadratic loss);
    - ``DIVERGES``: the loss blew up, ended above its start, or is still growing at the end;
    - ``TOO_SLOW``: the loss falls without overshooting but is still far from its floor at the end.
    """

    CONVERGES = "converging"
    OSCILLATES = "converging while oscillating"
    CYCLES = "cycling on the edge of stability"
    DIVERGES = "diverging"
    TOO_SLOW = "too slow for the budget"

    def __str__(self) -> str:
        return self.value


#: a run has converged when the loss gap left is at most this fraction of the gap it started with
DEFAULT_TARGET = 1e-2
#: per-step factor of the loss gap above which a still-oscillating run is "on the edge"
EDGE_RATE = 0.995
#: per-step growth of the loss gap, over the last part of the run, that counts as diverging
GROWTH_RATE = 1.0 + 1e-6
#: an error component smaller than this fraction of the starting error is rounding, not motion
_VISIBLE = 1e-6


def _tail_rate(gap: np.ndarray) -> float | None:
    """Per-step factor of the loss gap over the last part of the run: the peak over the last
    window against the peak over the window before it, to the power 1 / window (windows of an even
    length, so a two-cycle is compared phase for phase). None when the run is too short."""
    window = 2 * max(1, (len(gap) - 1) // 8)
    if 2 * window > len(gap):
        return None
    last = float(np.max(gap[-window:]))
    before = float(np.max(gap[-2 * window : -window]))
    if before <= 0.0:
        return None
    return (last / before) ** (1.0 / window)


def _crossings(errors: np.ndarray, floor: np.ndarray) -> int:
    """The most sign changes of any one column of ``errors`` (steps x directions), ignoring
    entries whose size is at most ``floor`` (one value per step)."""
    most = 0
    for column in errors.T:
        visible = column[np.abs(column) > floor]
        if visible.size > 1:
            flips = np.signbit(visible[1:]) != np.signbit(visible[:-1])
            most = max(most, int(np.count_nonzero(flips)))
    return most


def _overshoots(run: Trajectory, minimum: np.ndarray | None, *, tail: bool = False) -> bool:
    """Whether the weights oscillate: along some eigen-direction of the Hessian at the minimum the
    run approaches, the error ``x_t - x*`` changes sign at least twice (it overshoots and comes
    back). Over the whole run a component counts once it exceeds ``_VISIBLE`` of the starting
    error; with ``tail=True`` only the last quarter of the run counts, and only components of at
    least 1e-3 of the error at that step (an overshoot that still shows). Without a known
    minimum, successive steps pointing against each other for a third of the steps count instead."""
    positions = run.positions[-max(3, len(run.positions) // 4) :] if tail else run.positions
    if minimum is not None:
        errors = positions - minimum
        hessian = np.atleast_2d(run.landscape.hessian(minimum))
        _, vectors = np.linalg.eigh(0.5 * (hessian + hessian.T))
        modes = errors @ vectors
        size = np.linalg.norm(errors, axis=1)
        floor = 1e-3 * size if tail else np.full(len(size), _VISIBLE * size[0])
        return _crossings(modes, np.maximum(floor, np.finfo(float).tiny)) >= 2
    moves = np.diff(positions, axis=0)
    size = np.linalg.norm(moves, axis=1)
    active = size > _VISIBLE * max(float(size.max(initial=0.0)), np.finfo(float).tiny)
    dots = np.einsum("ij,ij->i", moves[:-1], moves[1:])[active[:-1] & active[1:]]
    return bool(dots.size) and float(np.mean(dots < 0)) >= 1 / 3


def _nearest_minimum(run: Trajectory) -> np.ndarray | None:
    minima = np.asarray(run.landscape.minima, dtype=float)
    if minima.size == 0:
        return None
    minima = minima.reshape(-1, run.landscape.dim)
    return minima[int(np.argmin(np.linalg.norm(minima - run.final_position, axis=1)))]


def _target(target: Any) -> float:
    return _checks.in_range("target", target, 0.0, 1.0, low_open=True, high_open=True)


def classify_losses(
    losses: Any, *, min_value: float | None = None, target: float = DEFAULT_TARGET
) -> Verdict:
    """Read a loss curve alone (no weights): with ``gap = loss - min_value`` (default: the curve's
    own minimum),

    - diverges if a value is not finite, the curve ends above its start, or the gap is still
      growing at the end;
    - converged if the final gap (for a bouncing curve: the higher of the last two) is at most
      ``target`` times the first: oscillating if the loss
      rose at some step on the way (a *bouncing loss*: momentum, minibatch noise or a changing
      curvature; plain gradient descent on a quadratic never does it below 2/L), else converging;
    - cycles if it bounces without getting any lower over its last part (per-step factor of the
      gap at least ``EDGE_RATE``);
    - otherwise oscillating (bouncing but still falling) or too slow (falling steadily but far
      from its floor).
    """
    y = _checks.array("losses", losses, min_size=0, finite=False)
    if y.ndim != 1 or y.size < 2:
        raise ValueError(f"losses must be a 1-D curve of at least 2 values, got shape {y.shape}")
    target = _target(target)
    if not np.all(np.isfinite(y)) or y[-1] > y[0]:
        return Verdict.DIVERGES
    lowest = float(np.min(y))
    if min_value is None:
        floor = lowest
    else:
        floor = _checks.real("min_value", min_value)
        if floor > lowest:
            raise ValueError(
                f"min_value must be <= the lowest loss on the curve ({lowest:.6g}), got {floor!r}"
            )
    gap = y - floor
    scale = max(abs(y[0]), abs(floor), 1e-300)
    bounces = bool(np.any(np.diff(y) > 1e-9 * scale))
    # a bouncing curve is judged by the higher of its last two values: one that flips between two
    # levels has not converged to the lower one
    end = float(np.max(gap[-2:])) if bounces else float(gap[-1])
    if gap[0] <= 0.0 or end <= target * gap[0]:
        return Verdict.OSCILLATES if bounces else Verdict.CONVERGES
    rate = _tail_rate(gap)
    if rate is not None and rate > GROWTH_RATE:
        return Verdict.DIVERGES
    if bounces:
        return Verdict.CYCLES if rate is not None and rate >= EDGE_RATE else Verdict.OSCILLATES
    return Verdict.TOO_SLOW


def classify(run: Trajectory, *, target: float = DEFAULT_TARGET) -> Verdict:
    """Classify a simulated run from its dynamics.

    With ``x*`` the minimum of the landscape nearest to where the run ends and
    ``gap_t = f(x_t) - f(x*)``:

    - diverges: the run blew up, its loss ended above its start, or the gap is still growing
      over the last part of the run (per-step factor above ``GROWTH_RATE``);
    - converged: the final gap is at most ``target`` times the first (or the gradient vanished:
      a stationary point such as a saddle was reached). It *oscillates* if along some Hessian
      eigen-direction the error ``x_t - x*`` changed sign at least twice, else it *converges*;
    - cycles (on the edge): not converged, the error still changes sign over the last quarter of
      the run, and the gap no longer shrinks (per-step factor at least ``EDGE_RATE``);
    - otherwise oscillating (still overshooting while the gap shrinks) or too slow (what is left
      falls without overshoot, but is far from the floor at the end of the budget: an early
      overshoot along a steep direction that died out does not hide a crawl along a flat one).

    For gradient descent on a quadratic with curvatures lambda_i this is exact: a direction
    overshoots iff ``lr * lambda_i > 1``, cycles iff ``lr * lambda_i = 2``, grows iff above.
    """
    if not isinstance(run, Trajectory):
        raise TypeError(
            f"run must be a Trajectory from lrlearn.simulate, got {run!r} ({type(run).__name__})"
        )
    target = _target(target)
    if run.diverged or run.steps_run < 1 or not np.isfinite(run.final_loss):
        return Verdict.DIVERGES if run.diverged else Verdict.TOO_SLOW
    scale = max(abs(float(run.losses[0])), 1e-300)
    if run.losses[-1] > run.losses[0] + 1e-12 * scale:
        return Verdict.DIVERGES
    minimum = _nearest_minimum(run)
    floor = float(run.landscape.value(minimum)) if minimum is not None else float(run.losses.min())
    gap = np.maximum(run.losses - floor, 0.0)
    stationary = run.grad_norms[-1] <= 1e-6 * max(float(run.grad_norms[0]), np.finfo(float).tiny)
    if gap[0] <= 0.0 or gap[-1] <= target * gap[0] or stationary:
        return Verdict.OSCILLATES if _overshoots(run, minimum) else Verdict.CONVERGES
    rate = _tail_rate(gap)
    if rate is not None and rate > GROWTH_RATE:
        return Verdict.DIVERGES
    if _overshoots(run, minimum, tail=True):
        return Verdict.CYCLES if rate is not None and rate >= EDGE_RATE else Verdict.OSCILLATES
    return Verdict.TOO_SLOW
