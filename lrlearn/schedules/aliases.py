"""Friendly names for the schedules most used in practice, built from the PyTorch-named ones."""

from __future__ import annotations

from .. import _checks
from .base import Schedule, sequential_lr
from .decay import cosine_annealing_lr, linear_lr

__all__ = ["cosine", "warmup", "warmup_cosine"]


def cosine(base_lr: float, total_steps: int, final_lr: float = 0.0) -> Schedule:
    """Cosine decay from ``base_lr`` to ``final_lr`` at ``total_steps``, then held there:
    ``cosine_annealing_lr(base_lr, T_max=total_steps, eta_min=final_lr, periodic=False)``."""
    total_steps = _checks.integer("total_steps", total_steps, minimum=1)
    final_lr = _checks.non_negative("final_lr", final_lr)
    return cosine_annealing_lr(base_lr, T_max=total_steps, eta_min=final_lr, periodic=False)


def warmup(base_lr: float, warmup_steps: int, start_factor: float = 0.01) -> Schedule:
    """Linear warmup from ``start_factor * base_lr`` to ``base_lr`` over ``warmup_steps``, then
    constant: ``linear_lr(base_lr, start_factor, 1.0, total_iters=warmup_steps)``."""
    warmup_steps = _checks.integer("warmup_steps", warmup_steps, minimum=1)
    return linear_lr(base_lr, start_factor=start_factor, end_factor=1.0, total_iters=warmup_steps)


def warmup_cosine(
    base_lr: float,
    warmup_steps: int,
    total_steps: int,
    final_lr: float = 0.0,
    start_factor: float = 0.01,
) -> Schedule:
    """Linear warmup for ``warmup_steps``, then cosine decay to ``final_lr`` at ``total_steps``
    (held after). As PyTorch: ``SequentialLR([LinearLR(start_factor, total_iters=w),
    CosineAnnealingLR(T_max=total_steps - w, eta_min=final_lr)], milestones=[w])``."""
    warmup_steps = _checks.integer("warmup_steps", warmup_steps, minimum=1)
    total_steps = _checks.integer("total_steps", total_steps, minimum=1)
    if total_steps <= warmup_steps:
        raise ValueError(
            f"total_steps must be > warmup_steps={warmup_steps}, got total_steps={total_steps}"
        )
    return sequential_lr(
        [warmup(base_lr, warmup_steps, start_factor),
         cosine(base_lr, total_steps - warmup_steps, final_lr)],
        milestones=[warmup_steps],
    )
