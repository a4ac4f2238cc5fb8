"""Checkers for the exercises of the batch-size notebooks (6, 7, 8) and the transfer-learning
notebook (10).

Each checker runs the learner's function on a few inputs and compares it with an independent
reference: an exhaustive enumeration, ``torch.optim``, ``numpy.linalg``, ``scipy.stats``, or the
eigenvalues of an iteration matrix. It returns a :class:`~lrlearn.exercises._core.Report` and
never raises (see :mod:`lrlearn.exercises._core`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import CORRECT, NOT_DONE, WRONG, Report, _NotDone, attempt, run_cases

__all__ = [
    "check_minibatch_gradient",
    "check_minibatch_noise",
    "check_noise_scale",
    "check_paired_interval",
    "check_param_groups",
    "check_power_iteration",
    "check_stability_limit",
    "check_warmup_lr",
]


def _grads(seed: int, n: int, d: int) -> np.ndarray:
    """Per-example gradients (one row per example) with a non-zero mean."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) + rng.normal(size=d)


def _not_callable(exercise: str, fn: Any, hint: str) -> Report | None:
    if callable(fn):
        return None
    return Report(exercise, WRONG, f"expected a function, got {type(fn).__name__}", hint)


# -- notebook 6: a minibatch gradient and its noise -----------------------------------------------
def check_minibatch_gradient(fn: Callable[..., Any]) -> Report:
    """``fn(per_example_grads, batch)``: the minibatch gradient, the mean of the rows ``batch``
    (an index array, possibly with repeats) of the (N, d) array of per-example gradients."""
    cases = []
    for seed, (n, d), batch in [
        (0, (6, 3), [0, 2, 5]),
        (1, (10, 2), [3, 3, 7, 1]),
        (2, (4, 1), [2]),
    ]:
        g = _grads(seed, n, d)
        idx = np.array(batch)
        cases.append((f"{n} examples, batch {batch}", (g, idx), {}, g[idx].mean(axis=0)))
    return run_cases(
        "minibatch gradient",
        fn,
        cases,
        hint="average (not sum) the gradients of the examples in the batch: rows "
        "per_example_grads[batch], mean over axis 0",
    )


def _enumerated_noise(g: np.ndarray, B: int, replace: bool) -> float:
    """E|g_B - G|^2 by enumerating every minibatch (exact, no formula)."""
    G = g.mean(axis=0)
    n = len(g)
    batches = (
        itertools.product(range(n), repeat=B) if replace else itertools.combinations(range(n), B)
    )
    errs = [float(np.sum((g[list(b)].mean(axis=0) - G) ** 2)) for b in batches]
    return float(np.mean(errs))


def check_minibatch_noise(fn: Callable[..., Any]) -> Report:
    """``fn(per_example_grads, B, replace)``: the expected squared error E|g_B - G|^2 of a
    minibatch gradient of B examples drawn with (``replace=True``) or without replacement,
    against the average over every possible minibatch."""
    cases = []
    for seed, n, d, B, replace in [
        (0, 6, 3, 2, True),
        (0, 6, 3, 2, False),
        (1, 5, 2, 3, False),
        (2, 7, 2, 7, False),
        (3, 4, 3, 3, True),
    ]:
        g = _grads(seed, n, d)
        cases.append(
            (
                f"N={n}, B={B}, {'with' if replace else 'without'} replacement",
                (g, B, replace),
                {},
                _enumerated_noise(g, B, replace),
            )
        )
    return run_cases(
        "minibatch gradient noise",
        fn,
        cases,
        hint="tr(Sigma) / B with Sigma the per-example covariance (divide by N); without "
        "replacement multiply by (N - B) / (N - 1): a batch of all N examples has no noise",
    )


# -- notebook 7: the noise scale and gradual warmup -----------------------------------------------
def check_noise_scale(fn: Callable[..., Any]) -> Report:
    """``fn(per_example_grads)``: McCandlish et al.'s simple noise scale
    B_simple = tr(Sigma) / |G|^2, Sigma the per-example covariance (divided by N)."""
    cases = []
    for seed, n, d in [(0, 8, 3), (1, 20, 5), (2, 5, 1)]:
        g = _grads(seed, n, d)
        G = g.mean(axis=0)
        trace = float(np.trace(np.atleast_2d(np.cov(g.T, bias=True))))
        cases.append((f"{n} examples in {d} dimensions", (g,), {}, trace / float(G @ G)))
    return run_cases(
        "simple noise scale B_simple",
        fn,
        cases,
        hint="centre the gradients on their mean G before squaring (the raw second moment "
        "gives B_simple + 1), average over all N examples (divide by N, not N - 1), and divide by |G|^2",
    )


def _linear_warmup(lr: float, start_factor: float, total_iters: int, steps: int) -> np.ndarray:
    try:
        import torch
    except ImportError:
        from ..schedules import linear_lr

        return np.asarray(
            linear_lr(lr, start_factor=start_factor, total_iters=total_iters).values(steps),
            dtype=float,
        )
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)
    sched = torch.optim.lr_scheduler.LinearLR(
        opt, start_factor=start_factor, total_iters=total_iters
    )
    out = []
    for _ in range(steps):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return np.array(out)


def check_warmup_lr(fn: Callable[..., Any]) -> Report:
    """``fn(step, base_lr, k, warmup_steps)``: Goyal et al.'s gradual warmup for a batch k times
    larger, from ``base_lr`` at step 0 linearly to ``k * base_lr`` at ``warmup_steps``, then
    constant; against ``torch.optim.lr_scheduler.LinearLR`` (lrlearn's ``linear_lr``, tested to
    match it, where torch is not installed)."""
    exercise = "gradual warmup"
    hint = (
        "at step 0 the rate is base_lr; at step t < warmup_steps it is base_lr * (1 + (k - 1) * "
        "t / warmup_steps); from warmup_steps on it is k * base_lr"
    )
    bad = _not_callable(exercise, fn, hint)
    if bad is not None:
        return bad
    cases = []
    for base, k, warm, steps in [(0.1, 4, 5, 10), (0.2, 32, 20, 30), (0.05, 1, 3, 5)]:
        want = _linear_warmup(k * base, 1 / k, warm, steps)

        def run(base=base, k=k, warm=warm, steps=steps) -> Any:
            out = [attempt(fn, t, base, k, warm) for t in range(steps)]
            return np.array(out, dtype=float)

        cases.append(
            (
                f"steps 0..{steps - 1}, base_lr={base}, k={k}, warmup_steps={warm}",
                (),
                {"run": run},
                np.array(want),
            )
        )
    return run_cases(exercise, lambda run: run(), cases, hint=hint, rtol=1e-6)


# -- notebook 8: how sharp a minimum can a run end in, and measuring it ---------------------------
def _heavy_ball_limit(lr: float, momentum: float) -> float:
    """The curvature at which heavy-ball GD on lambda/2 x^2 stops converging: the spectral radius
    of its iteration matrix [[1 + m - lr lam, -m], [1, 0]] reaches 1 (found by bisection)."""

    def radius(lam: float) -> float:
        M = np.array([[1 + momentum - lr * lam, -momentum], [1.0, 0.0]])
        return float(np.max(np.abs(np.linalg.eigvals(M))))

    lo, hi = 0.0, 1.0
    while radius(hi) < 1:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if radius(mid) < 1 else (lo, mid)
    return (lo + hi) / 2


def check_stability_limit(fn: Callable[..., Any]) -> Report:
    """``fn(lr, momentum)``: the largest sharpness (top Hessian eigenvalue) at which gradient
    descent with heavy-ball momentum can settle, against the iteration matrix's eigenvalues."""
    cases = [
        (f"lr={lr}, momentum={m}", (lr, m), {}, _heavy_ball_limit(lr, m))
        for lr, m in [(0.1, 0.0), (0.01, 0.9), (1.0, 0.5), (0.2, 0.99)]
    ]
    return run_cases(
        "stability limit",
        fn,
        cases,
        hint="without momentum it is 2 / lr (notebook 2); heavy-ball momentum m raises it to "
        "2 (1 + m) / lr",
        rtol=1e-6,
    )


def _spd(seed: int, eigenvalues: list[float]) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigenvalues),) * 2))
    return q @ np.diag(eigenvalues) @ q.T


def check_power_iteration(fn: Callable[..., Any]) -> Report:
    """``fn(hvp, dim, iters)``: the top eigenvalue of a symmetric positive semi-definite Hessian
    known only through ``hvp(v) = H v``, by power iteration, against ``numpy.linalg.eigvalsh``."""
    exercise = "sharpness by power iteration"
    hint = (
        "start from a random unit vector v; repeat v = H v / |H v|; the eigenvalue is the "
        "Rayleigh quotient v . H v of the unit vector"
    )
    bad = _not_callable(exercise, fn, hint)
    if bad is not None:
        return bad
    cases = []
    for seed, eig in [(0, [5.0, 2.0, 1.0]), (1, [3.0, 1.5, 1.0, 0.2, 0.1, 0.0]), (2, [0.7, 0.1])]:
        H = _spd(seed, eig)
        want = float(np.linalg.eigvalsh(H).max())

        def run(H=H) -> Any:
            return attempt(fn, lambda v, H=H: H @ np.asarray(v, dtype=float), len(H), 200)

        cases.append((f"{len(H)}x{len(H)} Hessian", (), {"run": run}, want))
    return run_cases(exercise, lambda run: run(), cases, hint=hint, rtol=1e-4)


# -- notebook 10: parameter groups, and comparing over seeds --------------------------------------
def check_param_groups(fn: Callable[..., Any]) -> Report:
    """``fn(model, head_lr, body_factor)``: parameter groups for ``torch.optim.SGD`` that give the
    last layer of an ``nn.Sequential`` ``head_lr`` and every other layer ``body_factor *
    head_lr``, each parameter in exactly one group."""
    import torch

    exercise = "discriminative parameter groups"
    hint = (
        "two dicts: {'params': parameters of every layer but model[-1], 'lr': body_factor * "
        "head_lr} and {'params': model[-1].parameters(), 'lr': head_lr}"
    )
    bad = _not_callable(exercise, fn, hint)
    if bad is not None:
        return bad
    for hidden, head_lr, factor in [((8,), 0.1, 0.3), ((6, 4), 0.5, 0.0), ((5,), 0.2, 1.0)]:
        torch.manual_seed(0)
        sizes = (4, *hidden, 3)
        layers: list[Any] = []
        for a, b in itertools.pairwise(sizes):
            layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        what = f"model with hidden layers {hidden}, head_lr={head_lr}, body_factor={factor}"
        try:
            groups = attempt(fn, model, head_lr, factor)
            opt = torch.optim.SGD(groups, lr=123.0)
        except _NotDone:
            return Report(
                exercise, NOT_DONE, "replace `raise NotImplementedError` with your code", hint
            )
        except Exception as err:
            return Report(exercise, WRONG, f"{what}: {type(err).__name__}: {err}", hint)
        lr_of = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
        count = sum(len(g["params"]) for g in opt.param_groups)
        if count != len(list(model.parameters())) or set(lr_of) != {
            id(p) for p in model.parameters()
        }:
            return Report(
                exercise,
                WRONG,
                f"{what}: expected every parameter in exactly one group, got {count} "
                f"placed of the model's {len(list(model.parameters()))}",
                hint,
            )
        head = {id(p) for p in model[-1].parameters()}
        for name, p in model.named_parameters():
            want = head_lr if id(p) in head else factor * head_lr
            if not np.isclose(lr_of[id(p)], want):
                return Report(
                    exercise,
                    WRONG,
                    f"{what}: parameter {name} gets lr {lr_of[id(p)]:g}, expected {want:g}",
                    hint,
                )
    return Report(exercise, CORRECT, "matches the reference on every test case")


def check_paired_interval(fn: Callable[..., Any]) -> Report:
    """``fn(a, b)``: ``(mean, low, high)``, the mean of the per-seed differences a - b and its
    95 % Student-t confidence interval, against ``scipy.stats.ttest_rel``."""
    from scipy import stats

    cases = []
    for seed, n in [(0, 5), (1, 8), (2, 3)]:
        rng = np.random.default_rng(seed)
        shared = rng.normal(0.8, 0.05, size=n)
        a = shared + rng.normal(0.01, 0.01, size=n)
        b = shared + rng.normal(0.0, 0.01, size=n)
        ci = stats.ttest_rel(a, b).confidence_interval(0.95)
        cases.append((f"{n} seeds", (a, b), {}, np.array([np.mean(a - b), ci.low, ci.high])))
    return run_cases(
        "paired 95% interval",
        fn,
        cases,
        hint="work on d = a - b: mean(d) -/+ t * std(d, ddof=1) / sqrt(n), with t = "
        "scipy.stats.t.ppf(0.975, n - 1) (not 1.96: with few seeds t is larger); an unpaired "
        "interval is wider because it keeps the variation the seeds share",
        rtol=1e-6,
    )
