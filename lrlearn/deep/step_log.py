"""What to log in a run you care about: a hook for :func:`lrlearn.deep.train` (or your own loop)
that records, per optimizer step, the gradient norm, whether clipping fired, and the
update-to-weight ratio ``||theta_{t+1} - theta_t|| / ||theta_t||``.

Call ``before_step(model, optimizer)`` after ``backward()`` and ``after_step(model, optimizer)``
after ``optimizer.step()``. With ``clip`` set, ``before_step`` also clips the gradient to that
total norm (``torch.nn.utils.clip_grad_norm_``), so the logged norm is the one before clipping
and ``clip_fraction`` is the share of steps clipped. A healthy Adam run has update ratios of
about ``lr`` per step (``1e-3`` at ``lr = 1e-3``); a spike shows as a jump of the gradient norm
followed by a burst of large ratios.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _checks

__all__ = ["StepLog"]


class StepLog:
    """Per-step gradient norm, clipping and update-to-weight ratio (see the module docstring)."""

    def __init__(self, clip: float | None = None) -> None:
        self.clip = None if clip is None else _checks.positive("clip", clip)
        self._grad_norm: list[float] = []
        self._clipped: list[bool] = []
        self._ratio: list[float] = []
        self._before: list[torch.Tensor] = []

    @staticmethod
    def _params(model: nn.Module) -> list[torch.Tensor]:
        return [p for p in model.parameters() if p.requires_grad]

    def before_step(self, model: nn.Module, optimizer: Any = None) -> float:
        """Record (and with ``clip``, clip) the total gradient norm; snapshot the weights."""
        params = [p for p in self._params(model) if p.grad is not None]
        limit = self.clip if self.clip is not None else math.inf
        norm = float(torch.nn.utils.clip_grad_norm_(params, limit))
        self._grad_norm.append(norm)
        self._clipped.append(self.clip is not None and norm > self.clip)
        self._before = [p.detach().clone() for p in self._params(model)]
        return norm

    def after_step(self, model: nn.Module, optimizer: Any = None) -> float:
        """Record ``||delta theta|| / ||theta||`` over all parameters for the step just taken."""
        params = self._params(model)
        if len(self._before) != len(params):
            raise RuntimeError("after_step needs a before_step on the same model first")
        delta = sum(
            float(((p.detach() - b) ** 2).sum()) for p, b in zip(params, self._before, strict=True)
        )
        size = sum(float((b**2).sum()) for b in self._before)
        ratio = math.sqrt(delta / size) if size > 0 else math.inf
        self._ratio.append(ratio)
        self._before = []
        return ratio

    @property
    def grad_norm(self) -> np.ndarray:
        return np.asarray(self._grad_norm)

    @property
    def clipped(self) -> np.ndarray:
        return np.asarray(self._clipped, dtype=bool)

    @property
    def update_ratio(self) -> np.ndarray:
        return np.asarray(self._ratio)

    @property
    def clip_fraction(self) -> float:
        """Share of steps whose gradient norm was above ``clip`` (0 without clipping)."""
        return float(self.clipped.mean()) if self._clipped else 0.0

    def __repr__(self) -> str:
        n = len(self._grad_norm)
        if not n:
            return "StepLog(no steps yet)"
        return (
            f"StepLog({n} steps, grad norm median {np.median(self.grad_norm):.3g} max "
            f"{self.grad_norm.max():.3g}, clip fraction {self.clip_fraction:.3g}, update "
            f"ratio median {np.median(self.update_ratio):.3g})"
        )
