"""Many small MLPs trained at once, each with its own Adam hyperparameters (one batched forward
and backward pass for all of them): the engine of the weight-decay and batch-size sweeps.

Member ``r`` is exactly ``lrlearn.deep.mlp(64, hidden, 10, seed=seeds[r])`` trained with
``torch.optim.Adam`` (``weight_decay`` added to the gradient, the coupled L2 of Adam) or
``torch.optim.AdamW`` (decoupled: ``theta <- theta * (1 - lr * wd)`` before the Adam step) on
minibatches in the order of ``torch.randperm`` seeded with ``seeds[r]``; the tests check this
against torch step by step. An epoch is ``n // batch_size`` full batches (the remainder is
dropped, so every step has the same batch size). A member whose loss stops being finite is
frozen and reported as diverged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import _checks
from .models import mlp

__all__ = ["EnsembleResult", "log_argmin", "train_ensemble"]


@dataclass
class EnsembleResult:
    """Per member (rows) and per evaluation (columns, after ``steps[j]`` optimizer steps, i.e.
    ``examples[j]`` examples seen): full training loss, test loss and test accuracy.
    ``diverged[r]`` is the step at which member ``r`` blew up, or -1."""

    steps: np.ndarray
    examples: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    diverged: np.ndarray
    batch_size: int


def _broadcast(name: str, value: Any, members: int) -> np.ndarray:
    arr = np.broadcast_to(np.asarray(value, dtype=float), (members,))
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return arr


def _stack_init(seeds: Sequence[int], hidden: int, dtype: torch.dtype) -> list[torch.Tensor]:
    models = [mlp(64, hidden, 10, activation="tanh", dtype=dtype, seed=int(s)) for s in seeds]
    w1 = torch.stack([m[0].weight.detach().T for m in models])
    b1 = torch.stack([m[0].bias.detach()[None] for m in models])
    w2 = torch.stack([m[2].weight.detach().T for m in models])
    b2 = torch.stack([m[2].bias.detach()[None] for m in models])
    return [t.clone().requires_grad_(True) for t in (w1, b1, w2, b2)]


def _logits(params: list[torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    w1, b1, w2, b2 = params
    h = torch.tanh(torch.baddbmm(b1, X, w1) if X.dim() == 3 else b1 + X @ w1)
    return torch.baddbmm(b2, h, w2)


def _per_member_ce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r, b, k = logits.shape
    target = y.expand(r, b) if y.dim() == 1 else y
    return (
        F.cross_entropy(logits.reshape(r * b, k), target.reshape(-1), reduction="none")
        .view(r, b)
        .mean(1)
    )


@torch.no_grad()
def _evaluate(params: list[torch.Tensor], X: torch.Tensor, y: torch.Tensor) -> tuple[Any, Any]:
    logits = _logits(params, X)
    loss = _per_member_ce(logits, y)
    acc = (logits.argmax(-1) == y).double().mean(1)
    return loss.cpu().numpy(), acc.cpu().numpy()


def train_ensemble(
    data: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    lr: float | Sequence[float],
    seeds: Sequence[int],
    batch_size: int,
    epochs: float = 1.0,
    steps: int | None = None,
    betas: tuple[Any, Any] = (0.9, 0.999),
    eps: float | Sequence[float] = 1e-8,
    weight_decay: float | Sequence[float] = 0.0,
    decoupled: bool = True,
    hidden: int = 32,
    evals: int = 10,
    dtype: torch.dtype = torch.float64,
) -> EnsembleResult:
    """Train ``len(seeds)`` tanh MLPs 64-``hidden``-10 with the cross-entropy, each with its own
    ``lr``, ``betas`` (each a number or one per member), ``eps`` and ``weight_decay``
    (``decoupled``: AdamW, else Adam with L2), for ``epochs`` epochs of ``batch_size`` (or
    exactly ``steps`` optimizer steps when given); evaluate ``evals`` times at evenly spaced steps (and at step 0)."""
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    members = len(seeds)
    if members == 0:
        raise ValueError("seeds must name at least one member")
    X, y = data
    X_test, y_test = test
    n = len(y)
    batch_size = _checks.integer("batch_size", batch_size, minimum=1, maximum=n)
    epochs = _checks.positive("epochs", epochs)
    evals = _checks.integer("evals", evals, minimum=1)
    per_epoch = n // batch_size
    total = (
        max(1, round(epochs * per_epoch))
        if steps is None
        else _checks.integer("steps", steps, minimum=1)
    )
    lr_a = _broadcast("lr", lr, members)
    b1_a = _broadcast("betas[0]", betas[0], members)
    b2_a = _broadcast("betas[1]", betas[1], members)
    eps_a = _broadcast("eps", eps, members)
    wd_a = _broadcast("weight_decay", weight_decay, members)
    for name, arr, lo, hi in (
        ("lr", lr_a, 0.0, np.inf),
        ("betas[0]", b1_a, 0.0, 1.0),
        ("betas[1]", b2_a, 0.0, 1.0),
    ):
        if np.any(arr < lo) or np.any(arr >= hi):
            raise ValueError(f"{name} must be in [{lo}, {hi}), got {arr.tolist()}")
    if np.any(eps_a < 0) or np.any(wd_a < 0):
        raise ValueError("eps and weight_decay must be >= 0")

    def col(a: np.ndarray) -> torch.Tensor:
        return torch.tensor(np.array(a), dtype=dtype).view(members, 1, 1)

    lr_t, b1_t, b2_t, eps_t, wd_t = (col(a) for a in (lr_a, b1_a, b2_a, eps_a, wd_a))
    X = X.to(dtype)
    X_test = X_test.to(dtype)
    params = _stack_init(seeds, _checks.integer("hidden", hidden, minimum=1), dtype)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    generators = [torch.Generator().manual_seed(s) for s in seeds]
    orders: list[torch.Tensor] = [torch.empty(0, dtype=torch.int64)] * members
    eval_at = sorted({0, *np.linspace(0, total, evals + 1).round().astype(int).tolist()})
    rows_tr, rows_te, rows_acc = [], [], []
    diverged = np.full(members, -1)
    alive = torch.ones(members, 1, 1, dtype=dtype)

    def record() -> None:
        tr, _ = _evaluate(params, X, y)
        te, acc = _evaluate(params, X_test, y_test)
        dead = diverged >= 0
        rows_tr.append(np.where(dead, np.nan, tr))
        rows_te.append(np.where(dead, np.nan, te))
        rows_acc.append(np.where(dead, np.nan, acc))

    record()
    for step in range(1, total + 1):
        pos = (step - 1) % per_epoch
        if pos == 0:
            orders = [torch.randperm(n, generator=g) for g in generators]
        idx = torch.stack([o[pos * batch_size : (pos + 1) * batch_size] for o in orders])
        losses = _per_member_ce(_logits(params, X[idx]), y[idx])
        bad = ~torch.isfinite(losses)
        if bool(bad.any()):
            for r in np.flatnonzero(bad.numpy()):
                if diverged[r] < 0:
                    diverged[r] = step
            alive[bad] = 0.0
            losses = torch.where(bad, torch.zeros_like(losses), losses)
        grads = torch.autograd.grad(losses.sum(), params)
        with torch.no_grad():
            bc1 = 1 - b1_t**step
            bc2 = 1 - b2_t**step
            for p, g, m_, v_ in zip(params, grads, m, v, strict=True):
                g = torch.nan_to_num(g) * alive
                if decoupled:
                    p.mul_(1 - lr_t * wd_t * alive)
                else:
                    g = g + wd_t * p
                m_.mul_(b1_t).add_((1 - b1_t) * g)
                v_.mul_(b2_t).add_((1 - b2_t) * g * g)
                p.sub_(alive * lr_t * (m_ / bc1) / ((v_ / bc2).sqrt() + eps_t))
        if step in eval_at:
            record()
    steps_arr = np.asarray(eval_at)
    return EnsembleResult(
        steps=steps_arr,
        examples=steps_arr * batch_size,
        train_loss=np.array(rows_tr).T,
        test_loss=np.array(rows_te).T,
        test_accuracy=np.array(rows_acc).T,
        diverged=diverged,
        batch_size=batch_size,
    )


def log_argmin(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The ``x`` minimising ``y``, refined by a parabola through the best point and its two
    neighbours on a log axis (the grid point itself at an end of the grid, or where the
    parabola is not convex). Non-finite ``y`` (diverged runs) never win."""
    x = np.log(np.asarray(xs, dtype=float))
    y = np.where(np.isfinite(ys), np.asarray(ys, dtype=float), np.inf)
    i = int(np.argmin(y))
    if 0 < i < len(x) - 1 and np.all(np.isfinite(y[i - 1 : i + 2])):
        a, b, _ = np.polyfit(x[i - 1 : i + 2], y[i - 1 : i + 2], 2)
        if a > 0:
            return float(np.exp(np.clip(-b / (2 * a), x[i - 1], x[i + 1])))
    return float(np.exp(x[i]))

_checks.check_public(globals())
