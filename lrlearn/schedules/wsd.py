"""Schedules of large-model training: warmup-stable-decay, linear decay to zero, inverse square root.

- **Warmup-stable-decay** (WSD, "trapezoidal"; Zhai et al. 2022, MiniCPM 2024, Hägele et al. 2024,
  arXiv:2405.18392): a linear warmup, a long constant phase, and a short cooldown to ``final_lr``.
  The run can be stopped (cooled down) at any point without choosing the length in advance.
- **Linear decay to zero** (Bergsma et al. 2025, arXiv:2502.15938): warmup, then a straight line
  to 0 at the last step; WSD with the cooldown taking the whole run after warmup.
- **Inverse square root** (Vaswani et al. 2017): warmup, then ``base_lr * sqrt(w / t)``.

PyTorch has no class for these; ``to_torch`` runs them exactly, and the tests compare them with
``SequentialLR`` of ``LinearLR`` / ``ConstantLR`` / ``CosineAnnealingLR`` and with ``LambdaLR``.
The warmup is lrlearn's (and ``LinearLR``'s): ``lr(t) = base_lr (s + (1 - s) t / w)`` for
``t < w``, reaching ``base_lr`` at step ``w``.
"""

from __future__ import annotations

import numpy as np

from .. import _checks
from .base import Schedule

__all__ = ["COOLDOWNS", "cooldown_factor", "inverse_sqrt", "linear_decay", "warmup_stable_decay"]

#: the cooldown shapes of ``warmup_stable_decay``
COOLDOWNS = ("linear", "1-sqrt", "cosine")


def cooldown_factor(progress: np.ndarray, decay: str = "linear") -> np.ndarray:
    """The fraction of the way from ``final_lr`` to ``base_lr`` left at cooldown ``progress``
    p in [0, 1]: ``1 - p`` (linear), ``1 - sqrt(p)`` (Hägele et al.'s 1-sqrt) or
    ``(1 + cos(pi p)) / 2`` (cosine). 1 at p = 0, 0 at p = 1."""
    decay = _checks.choice("decay", decay, COOLDOWNS)
    p = np.clip(np.asarray(progress, dtype=np.float64), 0.0, 1.0)
    if decay == "linear":
        return 1.0 - p
    if decay == "1-sqrt":
        return 1.0 - np.sqrt(p)
    return (1.0 + np.cos(np.pi * p)) / 2.0


def _warmup_factor(t: np.ndarray, warmup_steps: int, start_factor: float) -> np.ndarray:
    if warmup_steps == 0:
        return np.ones(t.shape)
    return start_factor + (1.0 - start_factor) * np.minimum(t, warmup_steps) / warmup_steps


def warmup_stable_decay(
    base_lr: float,
    total_steps: int,
    warmup_steps: int = 0,
    decay_steps: int | None = None,
    decay: str = "linear",
    final_lr: float = 0.0,
    start_factor: float = 0.01,
) -> Schedule:
    """Linear warmup for ``warmup_steps``, ``base_lr`` until the cooldown, and a cooldown of shape
    ``decay`` over the last ``decay_steps`` steps (default 20% of the run, Hägele et al.'s choice)
    that reaches ``final_lr`` at the last step ``total_steps - 1``.

    With ``c = total_steps - decay_steps`` and ``p = (t - c + 1) / decay_steps`` for ``t >= c``:
    ``lr(t) = final_lr + (base_lr - final_lr) * cooldown_factor(p, decay)``. Defined for steps
    ``0 .. total_steps - 1``, plus step ``total_steps`` (``final_lr`` again), which the
    ``scheduler.step()`` after the last update reaches; later steps raise ``ValueError``.
    """
    base_lr = _checks.positive("base_lr", base_lr)
    total_steps = _checks.integer("total_steps", total_steps, minimum=1)
    warmup_steps = _checks.integer("warmup_steps", warmup_steps, minimum=0)
    if decay_steps is None:
        decay_steps = max(1, round(0.2 * total_steps))
    decay_steps = _checks.integer("decay_steps", decay_steps, minimum=1, maximum=total_steps)
    if warmup_steps + decay_steps > total_steps:
        raise ValueError(
            f"warmup_steps + decay_steps must be <= total_steps={total_steps}, got warmup_steps="
            f"{warmup_steps} and decay_steps={decay_steps}"
        )
    decay = _checks.choice("decay", decay, COOLDOWNS)
    final_lr = _checks.in_range("final_lr", final_lr, 0.0, base_lr)
    start_factor = _checks.in_range("start_factor", start_factor, 0.0, 1.0, low_open=True)
    start = total_steps - decay_steps

    def fn(t: np.ndarray) -> np.ndarray:
        warm = base_lr * _warmup_factor(t, warmup_steps, start_factor)
        progress = (t - start + 1) / decay_steps
        cool = final_lr + (base_lr - final_lr) * cooldown_factor(progress, decay)
        return np.where(t >= start, cool, warm)

    return Schedule(
        fn,
        "warmup_stable_decay",
        base_lr,
        {
            "base_lr": base_lr,
            "total_steps": total_steps,
            "warmup_steps": warmup_steps,
            "decay_steps": decay_steps,
            "decay": decay,
            "final_lr": final_lr,
            "start_factor": start_factor,
        },
        last_step=total_steps,
    )


def linear_decay(
    base_lr: float,
    total_steps: int,
    warmup_steps: int = 0,
    final_lr: float = 0.0,
    start_factor: float = 0.01,
) -> Schedule:
    """Warmup, then a straight line from ``base_lr`` to ``final_lr`` (default 0) at the last step:
    ``warmup_stable_decay`` with ``decay_steps = total_steps - warmup_steps`` (Bergsma et al.
    2025's "decay to zero")."""
    total_steps = _checks.integer("total_steps", total_steps, minimum=1)
    warmup_steps = _checks.integer("warmup_steps", warmup_steps, minimum=0, maximum=total_steps - 1)
    return warmup_stable_decay(
        base_lr,
        total_steps,
        warmup_steps,
        decay_steps=total_steps - warmup_steps,
        decay="linear",
        final_lr=final_lr,
        start_factor=start_factor,
    )


def inverse_sqrt(base_lr: float, warmup_steps: int, start_factor: float = 0.01) -> Schedule:
    """Linear warmup to ``base_lr`` at step ``w = warmup_steps``, then
    ``lr(t) = base_lr * sqrt(w / t)`` (the Transformer's schedule, Vaswani et al. 2017, with the
    peak set by ``base_lr``). Unbounded in time, like ``constant``."""
    base_lr = _checks.positive("base_lr", base_lr)
    warmup_steps = _checks.integer("warmup_steps", warmup_steps, minimum=1)
    start_factor = _checks.in_range("start_factor", start_factor, 0.0, 1.0, low_open=True)

    def fn(t: np.ndarray) -> np.ndarray:
        warm = base_lr * _warmup_factor(t, warmup_steps, start_factor)
        return np.where(t < warmup_steps, warm, base_lr * np.sqrt(warmup_steps / np.maximum(t, 1)))

    return Schedule(
        fn,
        "inverse_sqrt",
        base_lr,
        {"base_lr": base_lr, "warmup_steps": warmup_steps, "start_factor": start_factor},
    )

_checks.check_public(globals())
