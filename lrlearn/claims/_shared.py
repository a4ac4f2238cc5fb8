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


def steps_result(fast: bool, progress: bool = False) -> Any:
    """``lrlearn.batch.steps_to_target`` with its defaults (softmax regression on the digits)."""
    from ..batch import steps_to_target

    return _cached("steps", fast, progress, steps_to_target)


def linear_scaling_result(fast: bool, progress: bool = False) -> Any:
    """``lrlearn.batch.linear_scaling`` with its defaults (B0 = 8, lr0 = 0.3, momentum 0.9) and
    ``tolerance=LINEAR_TOLERANCE``."""
    from ..batch import linear_scaling

    return _cached("linear", fast, progress, linear_scaling, tolerance=LINEAR_TOLERANCE)


@lru_cache(maxsize=1)
def test_set_size() -> int:
    """Examples in the digits test split the batch experiments evaluate on."""
    from ..data import digits

    return len(digits().y_test)


def clear() -> None:
    """Forget cached results (the next claim re-runs its experiment)."""
    _CACHE.clear()
