"""Move a schedule into a PyTorch training loop: ``to_torch(schedule, optimizer)``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .. import _checks
from .base import Schedule

__all__ = ["to_torch"]


@lru_cache(maxsize=1)
def _scheduler_class() -> type:
    from torch.optim.lr_scheduler import LRScheduler

    class ScheduleLR(LRScheduler):
        """Sets every param group's lr to ``schedule(last_epoch)`` (and momentum or beta1 to
        ``schedule.momentum(last_epoch)`` when cycled). Stepped once per optimizer step."""

        def __init__(self, optimizer: Any, schedule: Schedule, cycle_momentum: bool) -> None:
            self.schedule = schedule
            self.cycle_momentum = cycle_momentum
            self.use_beta1 = "betas" in optimizer.defaults
            super().__init__(optimizer)

        def get_lr(self) -> list[float]:
            t = self.last_epoch
            if self.cycle_momentum:
                m = self.schedule.momentum(t)
                for group in self.optimizer.param_groups:
                    if self.use_beta1:
                        group["betas"] = (m, *group["betas"][1:])
                    else:
                        group["momentum"] = m
            return [self.schedule(t)] * len(self.optimizer.param_groups)

        _get_closed_form_lr = get_lr

        def state_dict(self) -> dict[str, Any]:
            # the schedule is code, rebuilt by the caller; only the position is state
            return {k: v for k, v in super().state_dict().items() if k != "schedule"}

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            self.__dict__.update({k: v for k, v in state_dict.items() if k != "schedule"})

    return ScheduleLR


def to_torch(schedule: Schedule, optimizer: Any, cycle_momentum: bool | None = None) -> Any:
    """A ``torch.optim.lr_scheduler.LRScheduler`` that sets ``optimizer``'s rate (all param groups)
    to ``schedule(t)`` after ``t`` calls of ``scheduler.step()``: the same numbers, exactly.

    ``cycle_momentum`` (default: when the schedule has ``.momentum`` and the optimizer has
    ``momentum`` or ``betas``) also sets momentum / beta1 each step, as ``OneCycleLR`` does.
    Call ``scheduler.step()`` after ``optimizer.step()``, once per step. Steps past a schedule's end
    (``one_cycle_lr``) raise ``ValueError``, as PyTorch's ``OneCycleLR`` does.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a lrlearn Schedule (e.g. cosine(...)), got {schedule!r}")
    import torch

    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {optimizer!r} ({type(optimizer).__name__})"
        )
    cycle_momentum = _checks.optional_flag("cycle_momentum", cycle_momentum)
    has_momentum = "momentum" in optimizer.defaults or "betas" in optimizer.defaults
    if cycle_momentum is None:
        cycle_momentum = schedule.momentum is not None and has_momentum
    elif cycle_momentum:
        if schedule.momentum is None:
            raise ValueError(f"cycle_momentum=True but {schedule!r} has no momentum schedule")
        if not has_momentum:
            raise ValueError(
                f"cycle_momentum=True needs an optimizer with momentum or betas, got "
                f"{type(optimizer).__name__}"
            )
    # a fresh scheduler reads group['initial_lr']; keep it consistent with the schedule
    for group in optimizer.param_groups:
        group.pop("initial_lr", None)
    return _scheduler_class()(optimizer, schedule, bool(cycle_momentum))
