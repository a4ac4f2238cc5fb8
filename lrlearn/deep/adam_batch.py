"""Adam's batch-size rules on the digits: what to do with the learning rate (and the betas) when the
batch grows by a factor ``k = B / B0``, compared at an equal number of examples seen.

- ``fixed``: keep ``lr``;
- ``linear``: ``lr * k`` (Goyal et al.'s rule for SGD);
- ``sqrt``: ``lr * sqrt(k)`` only;
- ``sde``: Malladi, Lyu, Panigrahi and Arora ("On the SDEs and scaling rules for adaptive gradient
  algorithms", NeurIPS 2022, arXiv:2205.10287): ``lr * sqrt(k)``, ``1 - beta1 -> k (1 - beta1)``,
  ``1 - beta2 -> k (1 - beta2)``, ``eps -> eps / sqrt(k)``; it keeps Adam's SDE (hence its
  trajectory against examples) unchanged while the noise dominates, and is defined only while
  ``k (1 - beta) < 1``, so the base betas must be close to 1.

Then the tuned learning rate against the batch size at a fixed budget of examples: it grows at
first; Li et al. ("Surge phenomenon in optimal learning rate and batch size scaling", NeurIPS
2024, arXiv:2405.14578) find that for Adam it peaks and then falls past a batch size set by the
gradient noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import _checks
from .adam_ensemble import log_argmin, train_ensemble
from .device import cpu_threads
from .models import digits_tensors

__all__ = [
    "RULES",
    "OptimalLrResult",
    "ScalingRulesResult",
    "optimal_lr_vs_batch",
    "scaled_hyperparameters",
    "scaling_rules",
]

RULES = ("fixed", "linear", "sqrt", "sde")


def scaled_hyperparameters(
    rule: str, k: float, lr: float, betas: tuple[float, float], eps: float
) -> tuple[float, tuple[float, float], float]:
    """``(lr, betas, eps)`` at ``k`` times the base batch under ``rule`` (see module docstring).
    The ``sde`` rule raises a ValueError where ``k (1 - beta) >= 1``."""
    rule = _checks.choice("rule", rule, RULES)
    k = _checks.positive("k", k)
    b1, b2 = betas
    if rule == "fixed":
        return lr, (b1, b2), eps
    if rule == "linear":
        return lr * k, (b1, b2), eps
    if rule == "sqrt":
        return lr * k**0.5, (b1, b2), eps
    if k * (1 - b1) >= 1 or k * (1 - b2) >= 1:
        raise ValueError(f"k must be < 1 / (1 - beta) for the sde rule (betas {betas}), got {k}")
    return lr * k**0.5, (1 - k * (1 - b1), 1 - k * (1 - b2)), eps / k**0.5


def _digits() -> tuple[Any, Any]:
    return digits_tensors(dtype=torch.float32), digits_tensors("test", dtype=torch.float32)


@dataclass
class ScalingRulesResult:
    """``loss[r, b, s, j]``: full training loss under rule ``RULES[r]`` at batch
    ``batch_sizes[b]``, seed ``s``, after ``examples[j]`` examples (the same checkpoints at every
    batch size)."""

    batch_sizes: tuple[int, ...]
    examples: np.ndarray
    loss: np.ndarray
    base_lr: float
    betas: tuple[float, float]
    eps: float

    def final(self) -> np.ndarray:
        """Geometric mean over seeds of the final loss, ``(rule, batch)``."""
        return np.exp(np.log(self.loss[..., -1]).mean(-1))

    def matching_range(self, tolerance: float = 0.25) -> dict[str, int]:
        """Per rule: the largest ``k = B / B0`` up to which every batch's final loss is within
        ``tolerance`` (relative) of the base batch's."""
        f = self.final()
        base = f[0, 0]
        out = {}
        for r, rule in enumerate(RULES):
            ok = np.abs(f[r] / base - 1) <= tolerance
            bad = np.flatnonzero(~ok)
            last = len(ok) - 1 if bad.size == 0 else bad[0] - 1
            out[rule] = self.batch_sizes[last] // self.batch_sizes[0]
        return out

    def plot(self, axes: Any = None) -> Any:
        """Training loss against examples seen, one panel per rule, one line per batch size."""
        if axes is None:
            import matplotlib.pyplot as plt

            _fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), layout="constrained", sharey=True)
        axes = np.ravel(axes)
        mean = np.exp(np.log(self.loss).mean(2))
        for r, rule in enumerate(RULES):
            ax = axes[r]
            for b, B in enumerate(self.batch_sizes):
                ax.plot(self.examples, mean[r, b], color=f"C{b}", lw=1.2, label=f"B = {B}")
            ax.set(xlabel="examples seen", yscale="log", title=rule)
        axes[0].set_ylabel("training loss")
        axes[-1].legend(fontsize=7)
        return axes[0].figure


def scaling_rules(
    batch_sizes: Sequence[int] = (8, 16, 32, 64, 128, 256, 512),
    *,
    base_lr: float = 1e-2,
    betas: tuple[float, float] = (0.99, 0.999),
    eps: float = 1e-8,
    examples: int = 12288,
    seeds: Sequence[int] = (0, 1, 2),
    evals: int = 8,
    threads: int | None = 1,
) -> ScalingRulesResult:
    """Adam on the digits (tanh MLP 64-32-10, cross-entropy) at each batch size under each rule of
    ``RULES`` from the base ``(batch_sizes[0], base_lr, betas, eps)``, for ``examples`` examples;
    the training loss at ``evals`` evenly spaced checkpoints."""
    batch_sizes = tuple(_checks.integer("batch_sizes", b, minimum=1) for b in batch_sizes)
    examples = _checks.integer("examples", examples, minimum=max(batch_sizes) * evals)
    evals = _checks.integer("evals", evals, minimum=1)
    if any(examples % (b * evals) for b in batch_sizes):
        raise ValueError(
            f"examples must be a multiple of every batch size times evals, got {examples}"
        )
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    train, test = _digits()
    S = len(seeds)
    out = np.empty((len(RULES), len(batch_sizes), S, evals + 1))
    with cpu_threads(torch.device("cpu"), threads):
        for b, B in enumerate(batch_sizes):
            k = B / batch_sizes[0]
            hp = [scaled_hyperparameters(rule, k, base_lr, betas, eps) for rule in RULES]
            lr = np.repeat([h[0] for h in hp], S)
            b1 = np.repeat([h[1][0] for h in hp], S)
            b2 = np.repeat([h[1][1] for h in hp], S)
            ep = np.repeat([h[2] for h in hp], S)
            r = train_ensemble(
                train,
                test,
                lr=lr,
                betas=(b1, b2),
                eps=ep,
                seeds=seeds * len(RULES),
                batch_size=B,
                steps=examples // B,
                evals=evals,
                dtype=torch.float32,
            )
            loss = np.where(np.isfinite(r.train_loss), r.train_loss, 1e6)
            out[:, b] = np.minimum(loss, 1e6).reshape(len(RULES), S, -1)
    return ScalingRulesResult(
        batch_sizes, np.linspace(0, examples, evals + 1), out, base_lr, betas, eps
    )


@dataclass
class OptimalLrResult:
    """``loss[b, i, s]``: final training loss at batch ``batch_sizes[b]``, rate ``lrs[i]``, seed
    ``s``, after the same number of examples."""

    batch_sizes: tuple[int, ...]
    lrs: np.ndarray
    loss: np.ndarray
    examples: int

    @property
    def best_lr(self) -> np.ndarray:
        """Per batch size, the rate minimising the seed geometric-mean loss (log-parabola)."""
        mean = np.exp(np.log(self.loss).mean(-1))
        return np.array(
            [log_argmin(self.lrs, np.log(mean[b])) for b in range(len(self.batch_sizes))]
        )

    def slopes(self) -> np.ndarray:
        """d log(best lr) / d log(B) between neighbouring batch sizes."""
        return np.diff(np.log(self.best_lr)) / np.diff(np.log(self.batch_sizes))

    def plot(self, axes: Any = None) -> Any:
        """The tuned rate against the batch size, with sqrt and linear guides."""
        from ..plots import new_axes

        ax = new_axes(axes, (5.2, 3.6))
        B = np.asarray(self.batch_sizes, float)
        best = self.best_lr
        ax.plot(B, best, "o-", label="best Adam lr")
        ax.plot(B, best[0] * B / B[0], ":", color="0.5", label="∝ B")
        ax.plot(B, best[0] * np.sqrt(B / B[0]), "--", color="0.5", label="∝ √B")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="batch size",
            ylabel="learning rate",
            title=f"tuned Adam lr, {self.examples} examples",
        )
        ax.legend(fontsize=8)
        return ax.figure


def optimal_lr_vs_batch(
    batch_sizes: Sequence[int] = (8, 16, 32, 64, 128, 256, 512),
    lrs: Sequence[float] = tuple(np.geomspace(1e-3, 0.3, 11)),
    *,
    betas: tuple[float, float] = (0.9, 0.999),
    examples: int = 12288,
    seeds: Sequence[int] = (0, 1, 2),
    threads: int | None = 1,
) -> OptimalLrResult:
    """Adam (default betas) on the digits at each batch size and each rate of ``lrs``, for the
    same ``examples``; the final training loss."""
    batch_sizes = tuple(_checks.integer("batch_sizes", b, minimum=1) for b in batch_sizes)
    lrs_a = np.asarray([_checks.positive("lrs", v) for v in lrs])
    examples = _checks.integer("examples", examples, minimum=max(batch_sizes))
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    train, test = _digits()
    S = len(seeds)
    out = np.empty((len(batch_sizes), len(lrs_a), S))
    with cpu_threads(torch.device("cpu"), threads):
        for b, B in enumerate(batch_sizes):
            r = train_ensemble(
                train,
                test,
                lr=np.repeat(lrs_a, S),
                betas=betas,
                seeds=seeds * len(lrs_a),
                batch_size=B,
                steps=examples // B,
                evals=1,
                dtype=torch.float32,
            )
            loss = np.where(np.isfinite(r.train_loss[:, -1]), r.train_loss[:, -1], 1e6)
            out[b] = np.minimum(loss, 1e6).reshape(len(lrs_a), S)
    return OptimalLrResult(batch_sizes, lrs_a, out, examples)

_checks.check_public(globals())
