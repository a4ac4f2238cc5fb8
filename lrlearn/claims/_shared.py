"""Experiments that several claims read, run once per setting and cached for the session.

``steps_to_target`` feeds both Shallue et al. and McCandlish et al.; ``linear_scaling`` feeds both
"double the batch, double the learning rate" and Goyal et al. Each is deterministic (seeded), so
caching changes only the time, never a number.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_CACHE: dict[tuple[str, bool], Any] = {}
#: the linear scaling rule "holds" at k when the final loss is at most this much (relative)
#: above the k = 1 run's
LINEAR_TOLERANCE = 0.2


def _cached(name: str, fast: bool, progress: bool, make: Any, **options: Any) -> Any:
    key = (name, fast)
    if key not in _CACHE:
        _CACHE[key] = make(fast=fast, progress=progress, **options)
    return _CACHE[key]


#: the steps-to-target setting (softmax regression on the digits; lr grid and batch sizes are
#: the library's fast / full ones)
STEPS_SETTING: dict[str, Any] = {"target": 0.25, "metric": "loss", "momenta": (0.0, 0.9),
                                 "max_steps": 4000}


def steps_result(fast: bool, progress: bool = False) -> Any:
    """``lrlearn.batch.steps_to_target`` in ``STEPS_SETTING``."""
    from ..batch import steps_to_target

    return _cached("steps", fast, progress, steps_to_target, **STEPS_SETTING)


#: the linear-scaling setting the claims read, pinned so that a change of the library's defaults
#: cannot silently change a verdict: softmax regression on the digits, B0 = 8, lr0 = 0.2,
#: momentum 0.9, 20 epochs (warmup over the first fifth); the fast setting tries fewer factors
LINEAR_SETTING: dict[str, Any] = {"base_batch": 8, "base_lr": 0.2, "momentum": 0.9,
                                  "epochs": 20.0, "tolerance": LINEAR_TOLERANCE}
LINEAR_FAST_FACTORS = (1, 4, 16, 32, 64)


def linear_scaling_result(fast: bool, progress: bool = False) -> Any:
    """``lrlearn.batch.linear_scaling`` in ``LINEAR_SETTING`` (factors 1, 2, 4, ... in the full
    setting, ``LINEAR_FAST_FACTORS`` in the fast one)."""
    from ..batch import linear_scaling

    factors = list(LINEAR_FAST_FACTORS) if fast else None
    return _cached("linear", fast, progress, linear_scaling, factors=factors, **LINEAR_SETTING)


@lru_cache(maxsize=1)
def test_set_size() -> int:
    """Examples in the digits test split the batch experiments evaluate on."""
    from ..data import digits

    return len(digits().y_test)


def clear() -> None:
    """Forget cached results (the next claim re-runs its experiment)."""
    _CACHE.clear()
