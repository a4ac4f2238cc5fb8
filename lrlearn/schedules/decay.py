"""Decaying schedules with PyTorch's names and keyword arguments (plus ``base_lr``).

Each equals the ``get_last_lr()`` sequence of its ``torch.optim.lr_scheduler`` counterpart stepped
once per step. PyTorch updates most of these recursively (``lr_t = f(lr_{t-1})``); the closed forms
here agree with those recursions to float rounding (checked to 1e-9 relative in the tests).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import _checks
from .base import Schedule

__all__ = [
    "constant_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "exponential_lr",
    "linear_lr",
    "multi_step_lr",
    "polynomial_lr",
    "step_lr",
]


def step_lr(base_lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """``StepLR``: ``lr(t) = base_lr * gamma ** (t // step_size)``.

    The classic step decay "0.1, halved every 10 epochs" is ``step_lr(0.1, step_size=10, gamma=0.5)``.
    """
    base_lr = _checks.positive("base_lr", base_lr)
    step_size = _checks.integer("step_size", step_size, minimum=1)
    gamma = _checks.positive("gamma", gamma)
    return Schedule(
        lambda t: base_lr * gamma ** (t // step_size), "step_lr", base_lr,
        {"base_lr": base_lr, "step_size": step_size, "gamma": gamma},
    )


def multi_step_lr(base_lr: float, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """``MultiStepLR``: ``lr(t) = base_lr * gamma ** #{m in milestones : m <= t}``.

    A milestone listed twice decays twice, as in PyTorch.
    """
    base_lr = _checks.positive("base_lr", base_lr)
    if isinstance(milestones, str) or not isinstance(milestones, Sequence | np.ndarray):
        raise TypeError(f"milestones must be a sequence of integers >= 0, got {milestones!r}")
    ms = sorted(_checks.integer(f"milestones[{i}]", m, minimum=0) for i, m in enumerate(milestones))
    gamma = _checks.positive("gamma", gamma)
    marks = np.array(ms, dtype=np.int64)
    return Schedule(
        lambda t: base_lr * gamma ** np.searchsorted(marks, t, side="right"),
        "multi_step_lr", base_lr, {"base_lr": base_lr, "milestones": ms, "gamma": gamma},
    )


def exponential_lr(base_lr: float, gamma: float) -> Schedule:
    """``ExponentialLR``: ``lr(t) = base_lr * gamma ** t``."""
    base_lr = _checks.positive("base_lr", base_lr)
    gamma = _checks.positive("gamma", gamma)
    return Schedule(
        lambda t: base_lr * gamma ** t.astype(np.float64), "exponential_lr", base_lr,
        {"base_lr": base_lr, "gamma": gamma},
    )


def polynomial_lr(base_lr: float, total_iters: int = 5, power: float = 1.0) -> Schedule:
    """``PolynomialLR``: ``lr(t) = base_lr * (1 - min(t, total_iters) / total_iters) ** power``.

    Reaches 0 at ``total_iters`` and stays there.
    """
    base_lr = _checks.positive("base_lr", base_lr)
    total_iters = _checks.integer("total_iters", total_iters, minimum=1)
    power = _checks.non_negative("power", power)
    return Schedule(
        lambda t: base_lr * (1.0 - np.minimum(t, total_iters) / total_iters) ** power,
        "polynomial_lr", base_lr,
        {"base_lr": base_lr, "total_iters": total_iters, "power": power},
    )


def constant_lr(base_lr: float, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:
    """``ConstantLR``: ``lr(t) = base_lr * factor`` for ``t < total_iters``, then ``base_lr``."""
    base_lr = _checks.positive("base_lr", base_lr)
    factor = _checks.in_range("factor", factor, 0.0, 1.0, low_open=True)
    total_iters = _checks.integer("total_iters", total_iters, minimum=1)
    return Schedule(
        lambda t: np.where(t < total_iters, base_lr * factor, base_lr), "constant_lr", base_lr,
        {"base_lr": base_lr, "factor": factor, "total_iters": total_iters},
    )


def linear_lr(
    base_lr: float, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5
) -> Schedule:
    """``LinearLR``: the factor goes linearly from ``start_factor`` to ``end_factor`` in
    ``total_iters`` steps, then stays:
    ``lr(t) = base_lr * (s + (e - s) * min(t, total_iters) / total_iters)``.

    As a warmup: ``linear_lr(0.1, start_factor=0.01, total_iters=500)``. PyTorch's recursion can
    leave ~1e-17 * base_lr where the exact value is 0 (``end_factor=0``); here it is 0.
    """
    base_lr = _checks.positive("base_lr", base_lr)
    s = _checks.in_range("start_factor", start_factor, 0.0, 1.0, low_open=True)
    e = _checks.in_range("end_factor", end_factor, 0.0, 1.0)
    total_iters = _checks.integer("total_iters", total_iters, minimum=1)
    return Schedule(
        lambda t: base_lr * (s + (e - s) * np.minimum(total_iters, t) / total_iters),
        "linear_lr", base_lr,
        {"base_lr": base_lr, "start_factor": s, "end_factor": e, "total_iters": total_iters},
    )


def cosine_annealing_lr(
    base_lr: float, T_max: int, eta_min: float = 0.0, periodic: bool = True
) -> Schedule:
    """``CosineAnnealingLR``: ``lr(t) = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2``.

    Falls from ``base_lr`` to the floor ``eta_min`` at ``t = T_max`` (Loshchilov & Hutter, SGDR,
    2017). PyTorch does not stop there: stepped further, its rate climbs back to ``base_lr`` at
    ``2 T_max`` and keeps oscillating with period ``2 T_max``. ``periodic=True`` (default) copies
    that; ``periodic=False`` holds ``eta_min`` for ``t >= T_max``, which is what one usually wants
    (the alias :func:`cosine` does this).
    """
    base_lr = _checks.positive("base_lr", base_lr)
    T_max = _checks.integer("T_max", T_max, minimum=1)
    eta_min = _checks.non_negative("eta_min", eta_min)
    if not isinstance(periodic, bool):
        raise TypeError(f"periodic must be True or False, got {periodic!r}")

    def fn(t: np.ndarray) -> np.ndarray:
        if not periodic:
            t = np.minimum(t, T_max)
        return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * t / T_max)) / 2

    params = {"base_lr": base_lr, "T_max": T_max, "eta_min": eta_min}
    if not periodic:
        params["periodic"] = False
    return Schedule(fn, "cosine_annealing_lr", base_lr, params)


def cosine_annealing_warm_restarts(
    base_lr: float, T_0: int, T_mult: int = 1, eta_min: float = 0.0
) -> Schedule:
    """``CosineAnnealingWarmRestarts`` (SGDR): cosine from ``base_lr`` towards ``eta_min`` over
    a cycle of ``T_i`` steps, then a restart at ``base_lr``; cycles grow ``T_i = T_0 T_mult^i``.

    ``lr(t) = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2``, ``T_cur`` = steps
    since the last restart. (The floor itself is never used: the restart comes first.)
    """
    base_lr = _checks.positive("base_lr", base_lr)
    T_0 = _checks.integer("T_0", T_0, minimum=1)
    T_mult = _checks.integer("T_mult", T_mult, minimum=1)
    eta_min = _checks.non_negative("eta_min", eta_min)

    def fn(t: np.ndarray) -> np.ndarray:
        if T_mult == 1:
            t_cur, t_i = t % T_0, T_0
        else:
            top = int(t.max()) if t.size else 0
            starts, lengths = [0], [T_0]
            while starts[-1] + lengths[-1] <= top:
                starts.append(starts[-1] + lengths[-1])
                lengths.append(lengths[-1] * T_mult)
            k = np.searchsorted(np.array(starts, dtype=np.int64), t, side="right") - 1
            t_cur = t - np.array(starts, dtype=np.int64)[k]
            t_i = np.array(lengths, dtype=np.int64)[k]
        return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * t_cur / t_i)) / 2

    return Schedule(
        fn, "cosine_annealing_warm_restarts", base_lr,
        {"base_lr": base_lr, "T_0": T_0, "T_mult": T_mult, "eta_min": eta_min},
    )
