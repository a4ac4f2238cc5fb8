"""Heavy-ball momentum on a quadratic, mode by mode: the (lr, beta) phase diagram.

PyTorch's SGD with momentum (``b = beta b + g``, ``w = w - lr b``) on one eigen-direction of
curvature ``lam`` is the two-term recurrence (Polyak 1964)

    e_{t+1} = (1 + beta - lr lam) e_t - beta e_{t-1},    e_{-1} = e_0,

whose companion matrix ``[[1 + beta - lr lam, -beta], [1, 0]]`` has the eigenvalues

    z = (1 + beta - lr lam ± sqrt((1 + beta - lr lam)^2 - 4 beta)) / 2.

The spectral radius ``rho = max |z|`` is the error's asymptotic factor per step. With
``h = lr lam`` the regimes are (Goh, "Why momentum really works", Distill 2017):

- ``h <= (1 - sqrt(beta))^2``: two real positive roots, the error decays without oscillating
  (``h = (1 - sqrt(beta))^2`` is *critical damping*, a double root);
- ``(1 - sqrt(beta))^2 < h < (1 + sqrt(beta))^2``: complex roots of modulus ``sqrt(beta)``,
  the error spirals in (a damped oscillation);
- ``(1 + sqrt(beta))^2 <= h < 2 (1 + beta)``: a negative real root, the error flips sign;
- ``h >= 2 (1 + beta)``: ``rho >= 1``, divergence.

For curvatures between ``mu`` and ``L`` (condition number ``kappa = L / mu``) the best fixed
pair is ``lr = 4 / (sqrt(L) + sqrt(mu))^2``, ``beta = ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^2``,
with rate ``(sqrt(kappa) - 1)/(sqrt(kappa) + 1)`` against gradient descent's best
``(kappa - 1)/(kappa + 1)``: about ``sqrt(kappa)`` times fewer steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _checks

__all__ = [
    "DIVERGING",
    "FLIPPING",
    "MONOTONE",
    "OSCILLATING",
    "REGIMES",
    "PhaseDiagram",
    "companion_matrix",
    "critical_damping_lr",
    "gd_optimal_rate",
    "mode_errors",
    "optimal_momentum",
    "phase_diagram",
    "regime",
    "spectral_radius",
    "steps_to_shrink",
]

MONOTONE = "decays without oscillating"
OSCILLATING = "spirals in (complex roots)"
FLIPPING = "flips sign every step"
DIVERGING = "diverges"
REGIMES = (MONOTONE, OSCILLATING, FLIPPING, DIVERGING)


def _beta(beta: Any) -> np.ndarray:
    b = _checks.array("beta", beta, min_size=1, finite=False)
    if not np.all(np.isfinite(b)) or np.any(b < 0) or np.any(b >= 1):
        raise ValueError(f"beta must lie in [0, 1), got {beta!r}")
    return b


def _lr(lr: Any) -> np.ndarray:
    a = _checks.array("lr", lr, min_size=1, finite=False)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"lr must be positive and finite, got {lr!r}")
    return a


def companion_matrix(lr: float, beta: float, curvature: float) -> np.ndarray:
    """The 2x2 matrix mapping ``(e_t, e_{t-1})`` to ``(e_{t+1}, e_t)`` for one mode."""
    lr = float(_lr(lr))
    beta = float(_beta(beta))
    lam = _checks.positive("curvature", curvature)
    return np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])


def _roots(h: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = 1 + beta - h
    disc = np.sqrt((a * a - 4 * beta).astype(complex))
    return (a + disc) / 2, (a - disc) / 2


def spectral_radius(lr: Any, beta: Any, curvatures: Any) -> np.ndarray:
    """``max |z|`` over both roots and over ``curvatures`` (broadcast over ``lr`` and ``beta``)."""
    lr, beta = np.broadcast_arrays(_lr(lr), _beta(beta))
    lam = _checks.positive_array("curvatures", np.atleast_1d(curvatures))
    h = lr[..., None] * lam
    z1, z2 = _roots(h, beta[..., None])
    return np.maximum(np.abs(z1), np.abs(z2)).max(axis=-1)


def regime(lr: Any, beta: Any, curvature: float) -> np.ndarray:
    """The regime of one mode (one of :data:`REGIMES`), from the closed-form boundaries in
    ``h = lr * curvature`` (module docstring); broadcast over ``lr`` and ``beta``."""
    lr, beta = np.broadcast_arrays(_lr(lr), _beta(beta))
    lam = _checks.positive("curvature", curvature)
    h = lr * lam
    sb = np.sqrt(beta)
    out = np.full(h.shape, OSCILLATING, dtype=object)
    out[h <= (1 - sb) ** 2] = MONOTONE
    out[(h >= (1 + sb) ** 2) & (h > (1 - sb) ** 2)] = FLIPPING  # beta = 0, h = 1: lands at 0
    out[h >= 2 * (1 + beta)] = DIVERGING
    return out if out.ndim else out.item()


def critical_damping_lr(beta: float, curvature: float) -> float:
    """The rate at which a mode of this curvature is critically damped: ``(1 - sqrt(beta))^2 / lam``
    (the largest rate without oscillation; for ``beta = 0`` it is ``1/lam``, one step to zero)."""
    beta = float(_beta(beta))
    return (1 - np.sqrt(beta)) ** 2 / _checks.positive("curvature", curvature)


def optimal_momentum(curvatures: Any) -> tuple[float, float, float]:
    """``(lr, beta, rate)`` of the best fixed heavy ball for curvatures in ``[mu, L]``:
    ``lr = 4/(sqrt L + sqrt mu)^2``, ``beta = ((sqrt k - 1)/(sqrt k + 1))^2``, rate ``sqrt(beta)``."""
    lam = _checks.positive_array("curvatures", np.atleast_1d(curvatures))
    big, small = float(lam.max()), float(lam.min())
    lr = 4 / (np.sqrt(big) + np.sqrt(small)) ** 2
    root_k = np.sqrt(big / small)
    rate = (root_k - 1) / (root_k + 1)
    return float(lr), float(rate**2), float(rate)


def gd_optimal_rate(curvatures: Any) -> float:
    """Gradient descent's best per-step factor, at ``lr = 2/(L + mu)``: ``(kappa - 1)/(kappa + 1)``."""
    lam = _checks.positive_array("curvatures", np.atleast_1d(curvatures))
    kappa = float(lam.max() / lam.min())
    return (kappa - 1) / (kappa + 1)


def steps_to_shrink(rate: float, factor: float = 1e6) -> float:
    """Steps for an error that shrinks by ``rate`` per step to shrink ``factor``-fold."""
    rate = _checks.in_range("rate", rate, 0.0, 1.0, low_open=True, high_open=True)
    factor = _checks.positive("factor", factor)
    return float(np.log(factor) / -np.log(rate))


def mode_errors(lr: float, beta: float, curvatures: Any, x0: Any, steps: int) -> np.ndarray:
    """The error along each eigen-direction, shape ``(steps + 1, n_modes)``, of heavy-ball
    momentum from ``x0`` (coordinates in the eigenbasis), by the recurrence of the module
    docstring. Equal to ``lrlearn.simulate(..., optimizer="sgd", momentum=beta)`` on
    ``Quadratic(curvatures)``; a diverging mode grows without bound (inf, no warning)."""
    lr = float(_lr(lr))
    beta = float(_beta(beta))
    lam = _checks.positive_array("curvatures", np.atleast_1d(curvatures))
    steps = _checks.integer("steps", steps, minimum=0)
    e = np.broadcast_to(np.asarray(x0, dtype=float), lam.shape).copy()
    out = np.empty((steps + 1, lam.size))
    out[0] = e
    prev = e.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            e, prev = (1 + beta - lr * lam) * e - beta * prev, e
            out[t + 1] = e
    return out


@dataclass(frozen=True)
class PhaseDiagram:
    """Spectral radius and regime of the slowest mode over a grid of ``lrs`` x ``betas``."""

    lrs: np.ndarray
    betas: np.ndarray
    curvatures: np.ndarray
    rho: np.ndarray  #: shape (len(betas), len(lrs))
    regimes: np.ndarray  #: the regime of the mode with the largest |z|, same shape

    def plot(self, ax: Any = None, *, contours: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95)):
        """Regions (filled) and rate contours (lines) over lr (log axis) and beta."""
        from matplotlib.colors import ListedColormap

        from .plots import new_axes

        ax = new_axes(ax, figsize=(5, 3.6))
        codes = np.vectorize(REGIMES.index)(self.regimes).astype(float)
        cmap = ListedColormap(["#cfe8cf", "#cfdcf2", "#f6e3c2", "#f2c9c9"])
        ax.pcolormesh(
            self.lrs,
            self.betas,
            codes,
            cmap=cmap,
            vmin=-0.5,
            vmax=3.5,
            shading="nearest",
            rasterized=True,
        )
        rho = np.where(np.isfinite(self.rho), self.rho, 10.0)
        cs = ax.contour(
            self.lrs, self.betas, rho, levels=list(contours), colors="0.25", linewidths=0.8
        )
        ax.clabel(cs, fontsize=7, fmt="%g")
        ax.contour(self.lrs, self.betas, rho, levels=[1.0], colors="#b22222", linewidths=1.6)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("momentum β")
        from matplotlib.patches import Patch

        ax.legend(
            handles=[Patch(color=cmap(i), label=r) for i, r in enumerate(REGIMES)],
            fontsize=7,
            loc="lower left",
            framealpha=0.9,
        )
        return ax


def phase_diagram(curvatures: Any, lrs: Any, betas: Any) -> PhaseDiagram:
    """:class:`PhaseDiagram` over ``lrs`` x ``betas``: ``rho = spectral_radius`` and the regime
    of the mode that attains it (the mode that rules the run's rate)."""
    lam = _checks.positive_array("curvatures", np.atleast_1d(curvatures))
    lrs = _lr(np.atleast_1d(lrs))
    betas = _beta(np.atleast_1d(betas))
    lr_g, beta_g = np.meshgrid(lrs, betas)
    h = lr_g[..., None] * lam
    z1, z2 = _roots(h, beta_g[..., None])
    per_mode = np.maximum(np.abs(z1), np.abs(z2))
    worst = per_mode.argmax(axis=-1)
    regimes = np.empty(lr_g.shape, dtype=object)
    for k, value in enumerate(lam):
        mask = worst == k
        regimes[mask] = regime(lr_g[mask], beta_g[mask], value) if mask.any() else None
    return PhaseDiagram(lrs, betas, lam, per_mode.max(axis=-1), regimes)

_checks.check_public(globals())
