"""What Adam's step measures: its first step is ``lr * sign(g)``, and later steps shrink with the
gradient's signal-to-noise ratio; RAdam's rectifier for the noisy early second moment.

After one step from zero moments, bias correction gives ``m_hat = g`` and ``v_hat = g^2``, so
(Kingma and Ba 2015, arXiv:1412.6980) the update is

    -lr * g / (|g| + eps)  ~  -lr * sign(g)        whatever the gradient's scale.

With noisy gradients ``g_t = mu + sigma * xi_t`` (xi standard normal) and beta2 close to 1, at
steady state ``v -> mu^2 + sigma^2`` while ``m`` averages the noise down to variance
``c sigma^2`` with ``c = (1 - beta1) / (1 + beta1)``; so the size of the step relative to ``lr``,

    rms(m / sqrt(v)) = sqrt((snr^2 + c) / (snr^2 + 1)),       snr = |mu| / sigma,

falls toward ``snr`` (for ``c << snr^2 << 1``) and floors at ``sqrt(c)`` (0.23 for beta1 = 0.9).

RAdam (Liu et al. 2019, arXiv:1908.03265): the variance of ``1 / sqrt(v_hat_t)`` is large or
undefined in the first steps; with ``rho_inf = 2 / (1 - beta2) - 1`` and
``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``, the step is rescaled by

    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))

when ``rho_t > 5`` (torch's test), and replaced by momentum SGD before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _checks

__all__ = [
    "AdamRatioResult",
    "adam_first_step",
    "adam_ratio",
    "inverse_sqrt_v_spread",
    "radam_rectifier",
    "radam_rho",
    "ratio_closed_form",
]


def adam_first_step(grad: np.ndarray, lr: float = 1e-3, eps: float = 1e-8) -> np.ndarray:
    """Adam's first update ``-lr * g / (|g| + eps)`` (any betas: the bias corrections cancel)."""
    lr = _checks.positive("lr", lr)
    eps = _checks.non_negative("eps", eps)
    g = np.asarray(grad, dtype=float)
    return -lr * g / (np.abs(g) + eps)


def ratio_closed_form(snr: float | np.ndarray, beta1: float = 0.9) -> np.ndarray:
    """Steady-state ``rms(m / sqrt(v))`` for gradients with signal-to-noise ratio ``snr``:
    ``sqrt((snr^2 + c) / (snr^2 + 1))``, ``c = (1 - beta1) / (1 + beta1)`` (beta2 -> 1)."""
    beta1 = _checks.in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    s = np.asarray(snr, dtype=float)
    if np.any(~np.isfinite(s)) or np.any(s < 0):
        raise ValueError(f"snr must be finite and >= 0, got {snr!r}")
    c = (1 - beta1) / (1 + beta1)
    return np.sqrt((s**2 + c) / (s**2 + 1))


@dataclass(frozen=True)
class AdamRatioResult:
    """Adam's moments on ``coords`` independent noisy coordinates ``g = mu + sigma xi``:
    ``ratio[t]`` is ``rms over coordinates of m_hat_t / sqrt(v_hat_t)`` (the step over ``lr``)."""

    snr: float
    beta1: float
    beta2: float
    ratio: np.ndarray
    first_step: np.ndarray

    @property
    def closed_form(self) -> float:
        return float(ratio_closed_form(self.snr, self.beta1))

    def steady(self, fraction: float = 0.5) -> float:
        """rms ratio over the last ``fraction`` of the steps."""
        fraction = _checks.in_range("fraction", fraction, 0.0, 1.0, low_open=True)
        tail = self.ratio[int(len(self.ratio) * (1 - fraction)) :]
        return float(np.sqrt(np.mean(tail**2)))


def adam_ratio(
    snr: float,
    *,
    beta1: float = 0.9,
    beta2: float = 0.999,
    steps: int = 3000,
    coords: int = 2000,
    sigma: float = 1.0,
    seed: int = 0,
) -> AdamRatioResult:
    """Run Adam's moment updates (torch.optim.Adam's, eps = 0) on noisy gradients with mean
    ``snr * sigma`` and noise ``sigma`` per coordinate; the weights do not matter (fixed
    gradient law)."""
    snr = _checks.non_negative("snr", snr)
    beta1 = _checks.in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    beta2 = _checks.in_range("beta2", beta2, 0.0, 1.0, high_open=True)
    steps = _checks.integer("steps", steps, minimum=1, maximum=1_000_000)
    coords = _checks.integer("coords", coords, minimum=1, maximum=10_000_000)
    sigma = _checks.positive("sigma", sigma)
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    m = np.zeros(coords)
    v = np.zeros(coords)
    ratio = np.empty(steps)
    first = np.empty(0)
    for t in range(1, steps + 1):
        g = sigma * (snr + rng.standard_normal(coords))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        step = (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t))
        if t == 1:
            first = step.copy()
        ratio[t - 1] = np.sqrt(np.mean(step**2))
    return AdamRatioResult(snr, beta1, beta2, ratio, first)


def radam_rho(t: np.ndarray | int, beta2: float = 0.999) -> np.ndarray:
    """``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``: the length of the approximated SMA."""
    beta2 = _checks.in_range("beta2", beta2, 0.0, 1.0, low_open=True, high_open=True)
    t = np.asarray(t, dtype=float)
    if np.any(t < 1):
        raise ValueError(f"t must be >= 1 (steps count from 1), got {t!r}")
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2**t / (1 - beta2**t)


def radam_rectifier(t: np.ndarray | int, beta2: float = 0.999) -> np.ndarray:
    """RAdam's variance rectification ``r_t`` (0 where ``rho_t <= 5``: the un-adapted steps)."""
    rho = radam_rho(t, beta2)
    rho_inf = 2 / (1 - beta2) - 1
    ok = rho > 5
    safe = np.where(ok, rho, 6.0)
    r = np.sqrt((safe - 4) * (safe - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * safe))
    return np.where(ok, r, 0.0)


def inverse_sqrt_v_spread(
    steps: int = 200, *, beta2: float = 0.999, coords: int = 20000, seed: int = 0
) -> np.ndarray:
    """Relative spread (std / mean over coordinates) of Adam's adaptive factor
    ``1 / sqrt(v_hat_t)`` for standard-normal gradients, at steps 1..``steps``: huge at first
    (``1/|g|`` has no finite variance at t = 1), shrinking as ``v_hat`` averages more steps."""
    steps = _checks.integer("steps", steps, minimum=1, maximum=100_000)
    coords = _checks.integer("coords", coords, minimum=2, maximum=10_000_000)
    beta2 = _checks.in_range("beta2", beta2, 0.0, 1.0, high_open=True)
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    v = np.zeros(coords)
    out = np.empty(steps)
    for t in range(1, steps + 1):
        g = rng.standard_normal(coords)
        v = beta2 * v + (1 - beta2) * g * g
        a = 1 / np.sqrt(v / (1 - beta2**t))
        out[t - 1] = a.std() / a.mean()
    return out

_checks.check_public(globals())
