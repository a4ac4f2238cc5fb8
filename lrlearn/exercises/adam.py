"""Checkers for the exercises of the Adam-era notebook (13).

The references are ``torch.optim.Adam`` itself (the first step), the closed form of the
momentum stability line checked against the eigenvalues of the iteration matrix, and
``torch.optim.AdamW``'s decay. Each returns a :class:`~lrlearn.exercises._core.Report` and never
raises (see :mod:`lrlearn.exercises._core`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import Report, run_cases

__all__ = ["check_adam_first_step", "check_adamw_timescale", "check_preconditioned_threshold"]


def _torch_first_step(g: np.ndarray, lr: float, betas: tuple[float, float], eps: float) -> Any:
    import torch

    p = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=lr, betas=betas, eps=eps)
    p.grad = torch.as_tensor(g, dtype=torch.float64)
    opt.step()
    return p.detach().numpy()


def check_adam_first_step(fn: Callable[..., Any]) -> Report:
    """``fn(grad, lr, beta1, beta2, eps)``: the parameter change of Adam's first step from zero
    moments (an array like ``grad``), compared with what ``torch.optim.Adam`` does."""
    cases = []
    for seed, scale, lr, betas, eps in [
        (0, 1.0, 1e-3, (0.9, 0.999), 1e-8),
        (1, 1e-4, 0.01, (0.8, 0.99), 1e-8),
        (2, 1e3, 0.1, (0.0, 0.9), 1e-3),
        (3, 1e-8, 1e-3, (0.9, 0.999), 1e-8),
    ]:
        g = scale * np.random.default_rng(seed).normal(size=5)
        cases.append(
            (
                f"gradients of scale {scale:g}, lr {lr:g}, betas {betas}, eps {eps:g}",
                (g, lr, *betas, eps),
                {},
                _torch_first_step(g, lr, betas, eps),
            )
        )
    return run_cases(
        "Adam's first step",
        fn,
        cases,
        rtol=1e-9,
        atol=1e-15,
        hint="m and v start at zero; after the bias corrections m_hat = g and v_hat = g^2, so "
        "the step is -lr * g / (sqrt(g^2) + eps)",
    )


def _momentum_edge(beta1: float) -> float:
    """The largest stable lr * lambda of EMA momentum, from the iteration matrix's eigenvalues:
    the largest x on a fine grid whose spectral radius stays at most 1."""
    xs = np.linspace(0.01, 2 * (1 + beta1) / (1 - beta1) * 1.2, 20001)
    # state (theta, u = lr m / P): u' = b u + (1 - b) x theta ; theta' = theta - u'
    a = np.empty((len(xs), 2, 2))
    a[:, 0, 0] = 1 - xs * (1 - beta1)
    a[:, 0, 1] = -beta1
    a[:, 1, 0] = (1 - beta1) * xs
    a[:, 1, 1] = beta1
    ok = np.max(np.abs(np.linalg.eigvals(a)), axis=1) <= 1 + 1e-9
    return float(xs[ok][-1])


def check_preconditioned_threshold(fn: Callable[..., Any]) -> Report:
    """``fn(lr, beta1)``: the largest preconditioned sharpness at which Adam-style EMA momentum
    (``m <- beta1 m + (1 - beta1) g``, ``theta <- theta - lr m / P``) is stable on a quadratic,
    checked against the eigenvalues of the iteration matrix."""
    cases = []
    for lr, beta1 in [(1e-3, 0.9), (0.01, 0.0), (2e-4, 0.95), (0.1, 0.5)]:
        cases.append((f"lr {lr:g}, beta1 {beta1:g}", (lr, beta1), {}, _momentum_edge(beta1) / lr))
    return run_cases(
        "preconditioned stability threshold",
        fn,
        cases,
        rtol=2e-3,
        hint="write one step on a quadratic of curvature lambda as a 2 x 2 map of (theta, lr m) and ask where its eigenvalues leave the unit circle; for beta1 = 0 it is 2 / lr",
    )


def _adamw_decay_steps(lr: float, wd: float) -> float:
    """Steps after which torch.optim.AdamW with zero gradients has decayed a weight by 1/e."""
    import torch

    p = torch.ones(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=lr, weight_decay=wd)
    steps = 0
    while float(p.detach()[0]) > np.exp(-1):
        p.grad = torch.zeros_like(p)
        opt.step()
        steps += 1
    return steps


def check_adamw_timescale(fn: Callable[..., Any]) -> Report:
    """``fn(lr, weight_decay, batch_size, n)``: AdamW's timescale in epochs, ``batch / (lr * wd *
    n)``; the reference counts the steps torch.optim.AdamW needs to shrink a weight by 1/e."""
    cases = []
    for lr, wd, batch, n in [(1e-2, 0.1, 32, 320), (2e-2, 0.5, 64, 6400), (0.05, 0.2, 10, 100)]:
        want = _adamw_decay_steps(lr, wd) * batch / n
        cases.append((f"lr {lr:g}, wd {wd:g}, batch {batch}, n {n}", (lr, wd, batch, n), {}, want))
    return run_cases(
        "AdamW timescale",
        fn,
        cases,
        rtol=0.03,
        hint="each step multiplies the weights by 1 - lr * wd: about 1 / (lr * wd) steps, and an "
        "epoch is n / batch steps",
    )
