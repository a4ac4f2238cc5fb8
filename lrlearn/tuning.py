"""Hyperparameter search the Tuning Playbook way (Godbole et al., "Deep Learning Tuning
Playbook", 2023): fix the batch size for throughput, then search the nuisance hyperparameters
quasi-randomly.

- :func:`choose_batch_size`: the largest batch size up to which each doubling still buys at least
  ``min_gain`` times the throughput (examples/s); past it a larger batch only costs steps.
- :func:`batch_size_near_best`: the smallest batch size whose median throughput over repeated
  rounds is within ``tolerance`` of the best median: a rule that noisy timings rarely flip.
- :func:`quasi_random_search_points`: a scrambled Sobol sequence (``scipy.stats.qmc``) mapped onto
  a box, each axis linear or logarithmic. Unlike a grid, every trial tries a new value of *every*
  axis, so an axis that turns out not to matter does not waste the budget (Bergstra & Bengio,
  2012), and the points fill the box more evenly than random ones (lower discrepancy).
- :func:`grid_points`: the grid of the same kind, for comparison.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import _checks

__all__ = [
    "batch_size_near_best",
    "best",
    "choose_batch_size",
    "grid_points",
    "quasi_random_search_points",
    "to_unit",
]

Axis = tuple[float, float, str]  # (low, high, "log" or "linear")


def _axes(space: Mapping[str, Axis]) -> list[tuple[str, float, float, str]]:
    if not isinstance(space, Mapping) or not space:
        raise ValueError(
            f"space must be a non-empty mapping name -> (low, high, scale), got {space!r}"
        )
    out = []
    for name, axis in space.items():
        if not (isinstance(axis, Sequence) and len(axis) == 3):
            raise ValueError(
                f"space[{name!r}] must be (low, high, 'log' or 'linear'), got {axis!r}"
            )
        low, high, scale = axis
        low, high = (
            _checks.real(f"space[{name!r}] low", low),
            _checks.real(f"space[{name!r}] high", high),
        )
        scale = _checks.choice(f"space[{name!r}] scale", scale, ("log", "linear"))
        if not low < high:
            raise ValueError(f"space[{name!r}] needs low < high, got {low} and {high}")
        if scale == "log" and low <= 0:
            raise ValueError(f"space[{name!r}] on a log scale needs low > 0, got {low}")
        out.append((name, low, high, scale))
    return out


def _from_unit(u: np.ndarray, axes: list[tuple[str, float, float, str]]) -> list[dict[str, float]]:
    cols = []
    for k, (_, low, high, scale) in enumerate(axes):
        if scale == "log":
            cols.append(np.exp(np.log(low) + u[:, k] * (np.log(high) - np.log(low))))
        else:
            cols.append(low + u[:, k] * (high - low))
    return [{a[0]: float(c[i]) for a, c in zip(axes, cols, strict=True)} for i in range(len(u))]


def to_unit(points: Sequence[Mapping[str, float]], space: Mapping[str, Axis]) -> np.ndarray:
    """The points mapped back to the unit cube (for ``scipy.stats.qmc.discrepancy``)."""
    axes = _axes(space)
    out = np.empty((len(points), len(axes)))
    for i, p in enumerate(points):
        for k, (name, low, high, scale) in enumerate(axes):
            v = float(p[name])
            out[i, k] = (
                (np.log(v) - np.log(low)) / (np.log(high) - np.log(low))
                if scale == "log"
                else (v - low) / (high - low)
            )
    return out


def quasi_random_search_points(
    space: Mapping[str, Axis], n: int, *, seed: int = 0
) -> list[dict[str, float]]:
    """``n`` points of a scrambled Sobol sequence over ``space`` (``n`` a power of 2 keeps the
    sequence's balance properties), as dicts name -> value."""
    from scipy.stats import qmc

    axes = _axes(space)
    n = _checks.integer("n", n, minimum=1)
    seed = _checks.integer("seed", seed, minimum=0)
    sampler = qmc.Sobol(d=len(axes), scramble=True, seed=seed)
    if n & (n - 1) == 0:
        u = sampler.random_base2(int(np.log2(n)))
    else:
        u = sampler.random(n)
    return _from_unit(u, axes)


def grid_points(
    space: Mapping[str, Axis], per_axis: int | Mapping[str, int]
) -> list[dict[str, float]]:
    """Every combination of ``per_axis`` values per axis, spread evenly (on each axis's scale)
    from low to high inclusive."""
    axes = _axes(space)
    counts = {a[0]: per_axis for a in axes} if isinstance(per_axis, int) else dict(per_axis)
    levels = []
    for name, *_ in axes:
        k = _checks.integer(f"per_axis[{name!r}]", counts.get(name, 0), minimum=1)
        levels.append(np.linspace(0.0, 1.0, k) if k > 1 else np.array([0.5]))
    u = np.array(list(itertools.product(*levels)))
    return _from_unit(u, axes)


def choose_batch_size(
    batch_sizes: Sequence[int],
    samples_per_s: Sequence[float],
    *,
    min_gain: float = 1.1,
    max_batch_size: int | None = None,
) -> int:
    """The largest batch size reached by steps that each multiply the throughput by at least
    ``min_gain``, walking up from the smallest; sizes above ``max_batch_size`` are left out (a
    budget counted in epochs needs enough steps per epoch)."""
    sizes = np.asarray(batch_sizes, dtype=int)
    speed = np.asarray(samples_per_s, dtype=float)
    if sizes.ndim != 1 or sizes.size == 0 or sizes.shape != speed.shape:
        raise ValueError(
            "batch_sizes and samples_per_s must be 1-D, non-empty and of the same length, got "
            f"{sizes.shape} and {speed.shape}"
        )
    if np.any(np.diff(sizes) <= 0):
        raise ValueError(f"batch_sizes must be increasing, got {sizes.tolist()}")
    if not np.all(np.isfinite(speed) & (speed > 0)):
        raise ValueError(f"samples_per_s must be positive and finite, got {speed.tolist()}")
    min_gain = _checks.in_range("min_gain", min_gain, 1.0, 100.0)
    if max_batch_size is not None:
        max_batch_size = _checks.integer("max_batch_size", max_batch_size, minimum=int(sizes[0]))
        keep = sizes <= max_batch_size
        sizes, speed = sizes[keep], speed[keep]
    chosen = 0
    for i in range(1, sizes.size):
        if speed[i] < min_gain * speed[chosen]:
            break
        chosen = i
    return int(sizes[chosen])


def batch_size_near_best(
    batch_sizes: Sequence[int],
    samples_per_s: Sequence[float] | Sequence[Sequence[float]] | np.ndarray,
    *,
    tolerance: float = 0.2,
    max_batch_size: int | None = None,
) -> int:
    """The smallest batch size whose throughput is at least ``(1 - tolerance)`` times the best.

    ``samples_per_s`` holds one throughput (examples/s) per batch size, or one row per measuring
    round (rounds x batch sizes), in which case each size's median over the rounds is used: one
    slow round does not move a median. Of the sizes within the band the smallest wins (in a
    budget counted in epochs it leaves the most steps). Sizes above ``max_batch_size`` are left
    out. The choice flips only when a size's median crosses the band's edge, so with a band
    wider than the round-to-round noise reruns agree."""
    sizes = np.asarray(batch_sizes, dtype=int)
    speed = np.asarray(samples_per_s, dtype=float)
    if speed.ndim == 1:
        speed = speed[None, :]
    if sizes.ndim != 1 or sizes.size == 0 or speed.ndim != 2 or speed.shape[1] != sizes.size:
        raise ValueError(
            "samples_per_s must hold one value per batch size (or one row per round of them), "
            f"got batch_sizes of shape {sizes.shape} and samples_per_s of shape {speed.shape}"
        )
    if np.any(np.diff(sizes) <= 0):
        raise ValueError(f"batch_sizes must be increasing, got {sizes.tolist()}")
    if not np.all(np.isfinite(speed) & (speed > 0)):
        raise ValueError(f"samples_per_s must be positive and finite, got {speed.tolist()}")
    tolerance = _checks.in_range("tolerance", tolerance, 0.0, 1.0, high_open=True)
    if max_batch_size is not None:
        max_batch_size = _checks.integer("max_batch_size", max_batch_size, minimum=int(sizes[0]))
        keep = sizes <= max_batch_size
        sizes, speed = sizes[keep], speed[:, keep]
    median = np.median(speed, axis=0)
    return int(sizes[np.flatnonzero(median >= (1.0 - tolerance) * median.max())[0]])


def best(
    trials: Sequence[Mapping[str, Any]], key: str, *, maximize: bool = True
) -> Mapping[str, Any]:
    """The trial with the highest (or lowest) ``key``; NaN counts as the worst."""
    if not trials:
        raise ValueError("trials is empty")
    values = np.array([float(t[key]) for t in trials])
    values = np.where(np.isnan(values), -np.inf if maximize else np.inf, values)
    return trials[int(np.argmax(values) if maximize else np.argmin(values))]

_checks.check_public(globals())
