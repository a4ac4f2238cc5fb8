"""Confidence intervals for comparisons over seeds: the one home of the book's seed statistics.

A stochastic comparison (two batch sizes, two fine-tuning strategies, warmup or not) is run over
several seeds and summarised by the mean and a Student-t confidence interval

    mean ± t_{n-1, (1 + c) / 2} · s / sqrt(n)

(s the sample standard deviation with n - 1 in the denominator; Student 1908). When the runs of
the two arms share their data, initialisation and minibatch order (the same seed), the interval
is computed on the per-seed differences (a *paired* interval), which removes the variation the
two arms have in common. A verdict is stated on the interval: an effect is measured in a
direction only when the whole interval lies on that side of zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _checks

__all__ = ["Interval", "mean_ci", "paired_ci", "ratio_ci"]

#: the confidence level the book's verdicts use
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean over ``n`` seeds and its ``confidence`` interval [``low``, ``high``]."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float = CONFIDENCE

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def above(self, value: float = 0.0) -> bool:
        """The whole interval lies above ``value`` (an effect measured in the positive direction)."""
        return self.low > value

    def below(self, value: float = 0.0) -> bool:
        """The whole interval lies below ``value``."""
        return self.high < value

    def direction(self, value: float = 0.0) -> str:
        """Whether the interval lies "above" or "below" ``value``, or "includes" it."""
        return "above" if self.above(value) else "below" if self.below(value) else "includes"

    def format(self, spec: str = ".3g", scale: float = 1.0, unit: str = "") -> str:
        """``"0.012 (95% CI 0.003 to 0.021)"``; ``scale=100, unit=" points"`` for percentages."""
        m, lo, hi = (scale * v for v in (self.mean, self.low, self.high))
        return (
            f"{m:{spec}}{unit} ({self.confidence:.0%} CI {lo:{spec}} to {hi:{spec}}{unit}, "
            f"{self.n} seeds)"
        )

    def __str__(self) -> str:
        return self.format()


def _values(name: str, values: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(
            f"{name} must be a 1-D sequence of at least two numbers (one per seed), "
            f"got shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite, got {x.tolist()}")
    return x


def mean_ci(values: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE) -> Interval:
    """Student-t confidence interval for the mean of ``values`` (one number per seed)."""
    from scipy import stats

    x = _values("values", values)
    confidence = _checks.in_range("confidence", confidence, 0.0, 1.0, low_open=True, high_open=True)
    n = x.size
    mean = float(x.mean())
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf((1 + confidence) / 2, df=n - 1)) * sem
    return Interval(mean, mean - half, mean + half, n, confidence)


def paired_ci(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
) -> Interval:
    """Interval for the mean of the per-seed differences ``a[i] - b[i]`` (arm a minus arm b, run
    with the same seeds)."""
    x, y = _values("a", a), _values("b", b)
    if x.shape != y.shape:
        raise ValueError(f"a and b must hold one number per seed each, got {x.size} and {y.size}")
    return mean_ci(x - y, confidence)


def ratio_ci(
    a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, confidence: float = CONFIDENCE
) -> Interval:
    """Interval for the typical ratio a / b over paired seeds: the paired interval of
    log a - log b, mapped back by exp (so ``mean`` is the geometric mean of the ratios). Both
    must be positive."""
    x, y = _values("a", a), _values("b", b)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError(f"a and b must be positive for a ratio, got {x.tolist()} and {y.tolist()}")
    d = paired_ci(np.log(x), np.log(y), confidence)
    return Interval(math.exp(d.mean), math.exp(d.low), math.exp(d.high), d.n, confidence)

_checks.check_public(globals())
