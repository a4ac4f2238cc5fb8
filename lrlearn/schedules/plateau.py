"""``ReduceLROnPlateau``: the one stateful schedule, driven by a metric rather than the step."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import _checks

__all__ = ["ReduceLROnPlateau"]


def _metric(value: Any) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"metric must be a real number, got {value!r} ({type(value).__name__})")
    return float(value)


class ReduceLROnPlateau:
    """Cut the rate by ``factor`` when a metric stops improving, as
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``.

    A metric is an improvement if it beats the best so far by the threshold: in ``mode="min"``,
    ``metric < best * (1 - threshold)`` (``threshold_mode="rel"``) or ``metric < best - threshold``
    ("abs"); mirrored for ``"max"``. After more than ``patience`` calls without improvement,
    ``lr <- max(lr * factor, min_lr)`` (skipped if that changes lr by no more than ``eps``), then
    ``cooldown`` calls pass during which bad calls are not counted. A NaN metric never improves.

    >>> plateau = ReduceLROnPlateau(0.1, patience=2)
    >>> [plateau.step(loss) for loss in (1.0, 0.9, 0.9, 0.9, 0.9)]  # doctest: +SKIP
    """

    def __init__(
        self,
        base_lr: float,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
    ) -> None:
        self.base_lr = _checks.positive("base_lr", base_lr)
        self.mode = _checks.choice("mode", mode, ("min", "max"))
        self.factor = _checks.in_range("factor", factor, 0.0, 1.0, high_open=True)
        self.patience = _checks.integer("patience", patience, minimum=0)
        self.threshold = _checks.non_negative("threshold", threshold)
        self.threshold_mode = _checks.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = _checks.integer("cooldown", cooldown, minimum=0)
        self.min_lr = _checks.non_negative("min_lr", min_lr)
        self.eps = _checks.non_negative("eps", eps)
        self.reset()

    def reset(self) -> None:
        """Back to the state after construction: ``lr = base_lr``, no history."""
        self.lr = self.base_lr
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self.history: list[float] = []

    def is_better(self, metric: float, best: float) -> bool:
        """Whether ``metric`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            bar = best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            return metric < bar
        bar = best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold
        return metric > bar

    def step(self, metric: float) -> float:
        """Record one metric (e.g. the validation loss of an epoch) and return the rate to use next."""
        current = _metric(metric)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new = max(self.lr * self.factor, self.min_lr)
            if self.lr - new > self.eps:
                self.lr = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self.history.append(self.lr)
        return self.lr

    def run(self, metrics: Iterable[float]) -> np.ndarray:
        """``step`` over a sequence of metrics; the rates after each, as an array."""
        return np.array([self.step(m) for m in metrics], dtype=np.float64)

    def __repr__(self) -> str:
        return (
            f"ReduceLROnPlateau(base_lr={self.base_lr}, mode={self.mode!r}, factor={self.factor}, "
            f"patience={self.patience}, lr={self.lr})"
        )
