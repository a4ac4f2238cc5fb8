"""Checkers for the exercises of the learning-rate notebooks (1-5), the hardware notebook (9) and
the debugging notebook (11).

Each checker runs the learner's function on a few inputs and compares it with an independent
reference: a closed form, ``torch.optim`` / ``torch.optim.lr_scheduler`` /
``torch.nn.utils.clip_grad_norm_``, or lrlearn's tested implementation. It returns a
:class:`~lrlearn.exercises._core.Report` and never raises (see :mod:`lrlearn.exercises._core`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import Report, attempt, run_cases

__all__ = [
    "check_accumulated_step",
    "check_adam",
    "check_clip_grad_norm",
    "check_cosine_schedule",
    "check_critical_lr",
    "check_gd_path",
    "check_gd_step",
    "check_linear_scaled_lr",
    "check_momentum_step",
    "check_optimal_lr",
    "check_quadratic_loss_curve",
    "check_range_test_lrs",
    "check_range_test_suggestion",
    "check_step_lr",
]

_VECTORS = [np.array([1.5, -2.0, 0.25]), np.array([-0.3]), np.array([4.0, 0.0])]


# -- notebook 1: one step, and a whole path ----------------------------------------------------
def check_gd_step(fn: Callable[..., Any]) -> Report:
    """``fn(x, grad, lr)`` is one gradient-descent step ``x - lr * grad``."""
    cases = []
    for i, (x, lr) in enumerate(zip(_VECTORS, (0.1, 0.5, 1e-3), strict=True)):
        grad = np.cos(x) + i
        cases.append(
            (
                f"x={x.tolist()}, grad={grad.round(3).tolist()}, lr={lr}",
                (x, grad, lr),
                {},
                x - lr * grad,
            )
        )
    return run_cases(
        "gradient-descent step",
        fn,
        cases,
        hint="move against the gradient: the new x is x minus lr times grad",
    )


def check_gd_path(fn: Callable[..., Any]) -> Report:
    """``fn(curvature, x0, lr, steps)`` returns the positions ``x_0 .. x_steps`` of gradient descent
    on ``f(x) = curvature/2 x^2``: closed form ``x_t = x0 (1 - lr * curvature)^t``."""
    cases = []
    for lam, x0, lr, steps in [(2.0, -2.5, 0.1, 5), (2.0, 1.0, 0.9, 6), (10.0, 0.5, 0.25, 4)]:
        want = x0 * (1 - lr * lam) ** np.arange(steps + 1)
        cases.append(
            (f"curvature={lam}, x0={x0}, lr={lr}, steps={steps}", (lam, x0, lr, steps), {}, want)
        )
    return run_cases(
        "gradient descent on a parabola",
        fn,
        cases,
        hint="the gradient of curvature/2 * x^2 is curvature * x; return steps + 1 positions, "
        "starting with x0",
    )


# -- notebook 2: the edge and the best fixed rate -------------------------------------------------
_CURVATURES = [(4.0, 0.5), (25.0, 1.0), (2.0,), (10.0, 1.0, 0.3)]


def check_critical_lr(fn: Callable[..., Any]) -> Report:
    """``fn(curvatures)`` is the largest stable rate of gradient descent on a quadratic, ``2/L``."""
    cases = [(f"curvatures={c}", (c,), {}, 2 / max(c)) for c in _CURVATURES]
    return run_cases(
        "critical learning rate",
        fn,
        cases,
        hint="each direction is multiplied by |1 - lr * curvature| per step; which curvature "
        "makes that factor reach 1 first?",
    )


def check_optimal_lr(fn: Callable[..., Any]) -> Report:
    """``fn(curvatures)`` is the fastest fixed rate, ``2/(L + mu)`` (``1/L`` for one direction)."""
    cases = [(f"curvatures={c}", (c,), {}, 2 / (max(c) + min(c))) for c in _CURVATURES]
    return run_cases(
        "fastest fixed learning rate",
        fn,
        cases,
        hint="the slowest factor is max(|1 - lr*mu|, |1 - lr*L|); it is smallest where the two "
        "are equal. 1/L is the answer only when mu = L.",
    )


# -- notebook 3: schedules against torch.optim.lr_scheduler ---------------------------------------
def _torch_lrs(make: Callable[[Any], Any], base_lr: float, steps: int) -> np.ndarray:
    import torch

    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    return np.array(out)


def _per_step(fn: Callable[..., Any], steps: int, *args: Any) -> Callable[[], Any]:
    def run() -> Any:
        values = [attempt(fn, t, *args) for t in range(steps)]
        return np.array(values, dtype=float)

    return run


def check_step_lr(fn: Callable[..., Any]) -> Report:
    """``fn(step, base_lr, step_size, gamma)`` is ``torch.optim.lr_scheduler.StepLR``'s rate."""
    import torch

    cases = []
    for base, size, gamma, steps in [(0.1, 30, 0.3, 100), (1.0, 1, 0.5, 6), (0.05, 7, 0.9, 30)]:
        want = _torch_lrs(
            lambda o, size=size, gamma=gamma: torch.optim.lr_scheduler.StepLR(o, size, gamma),
            base,
            steps,
        )
        cases.append(
            (
                f"base_lr={base}, step_size={size}, gamma={gamma}, steps 0..{steps - 1}",
                (),
                {},
                want,
                _per_step(fn, steps, base, size, gamma),
            )
        )
    return _run_thunks(
        "step decay",
        fn,
        cases,
        hint="the rate is multiplied by gamma once per completed step_size steps: "
        "use integer division step // step_size",
    )


def check_cosine_schedule(fn: Callable[..., Any]) -> Report:
    """``fn(step, base_lr, T_max, eta_min)`` is ``CosineAnnealingLR``'s rate for ``step <= T_max``."""
    import torch

    cases = []
    for base, t_max, eta_min in [(0.1, 50, 0.0), (1.0, 10, 0.1), (3e-4, 7, 1e-5)]:
        want = _torch_lrs(
            lambda o, t=t_max, e=eta_min: torch.optim.lr_scheduler.CosineAnnealingLR(o, t, e),
            base,
            t_max + 1,
        )
        cases.append(
            (
                f"base_lr={base}, T_max={t_max}, eta_min={eta_min}, steps 0..{t_max}",
                (),
                {},
                want,
                _per_step(fn, t_max + 1, base, t_max, eta_min),
            )
        )
    return _run_thunks(
        "cosine annealing",
        fn,
        cases,
        hint="eta_min + (base_lr - eta_min) * (1 + cos(pi * step / T_max)) / 2",
    )


# -- notebook 4: momentum and Adam against torch.optim ---------------------------------------------
_GRADS = np.array(
    [[0.5, -1.0, 2.0], [0.4, -0.8, -2.0], [0.3, 1.0, 1.5], [0.0, -0.2, 1e-4], [-0.1, 0.3, 0.7]]
)


def check_momentum_step(fn: Callable[..., Any]) -> Report:
    """``fn(w, buf, grad, lr, beta)`` returns ``(w, buf)`` after one step of
    ``torch.optim.SGD(momentum=beta)``: ``buf = beta * buf + grad; w = w - lr * buf`` (the first
    step starts from ``buf = 0``, which gives torch's ``buf = grad``)."""
    import torch

    cases = []
    for lr, beta in [(0.1, 0.9), (0.05, 0.5), (1.0, 0.0)]:
        w0 = np.array([1.0, -2.0, 0.5])
        p = torch.nn.Parameter(torch.tensor(w0))
        opt = torch.optim.SGD([p], lr=lr, momentum=beta)
        for g in _GRADS:
            p.grad = torch.tensor(g)
            opt.step()
        want = p.detach().numpy().copy()

        def run(w0=w0, lr=lr, beta=beta) -> np.ndarray:
            w, buf = w0.copy(), np.zeros_like(w0)
            for g in _GRADS:
                out = attempt(fn, w.copy(), buf.copy(), g.copy(), lr, beta)
                w, buf = (np.asarray(v, dtype=float) for v in out)
            return w

        cases.append(
            (f"weights after {len(_GRADS)} steps with lr={lr}, beta={beta}", (), {}, want, run)
        )
    return _run_thunks(
        "momentum step",
        fn,
        cases,
        hint="torch's heavy ball: first buf = beta * buf + grad, then w = w - lr * buf "
        "(no (1 - beta) factor, and the new buf is used in the same step)",
    )


def check_adam(fn: Callable[..., Any]) -> Report:
    """``fn(w, grad, m, v, t, lr, beta1, beta2, eps)`` returns ``(w, m, v)`` after Adam's step
    number ``t`` (1, 2, ...), compared with ``torch.optim.Adam`` over several steps."""
    import torch

    cases = []
    for lr, b1, b2, eps in [
        (1e-3, 0.9, 0.999, 1e-8),
        (0.1, 0.8, 0.99, 1e-8),
        (0.5, 0.0, 0.9, 1e-3),
    ]:
        w0 = np.array([1.0, -2.0, 0.5])
        p = torch.nn.Parameter(torch.tensor(w0))
        opt = torch.optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
        for g in _GRADS:
            p.grad = torch.tensor(g)
            opt.step()
        want = p.detach().numpy().copy()

        def run(w0=w0, lr=lr, b1=b1, b2=b2, eps=eps) -> np.ndarray:
            w, m, v = w0.copy(), np.zeros_like(w0), np.zeros_like(w0)
            for t, g in enumerate(_GRADS, start=1):
                out = attempt(fn, w.copy(), g.copy(), m.copy(), v.copy(), t, lr, b1, b2, eps)
                w, m, v = (np.asarray(x, dtype=float) for x in out)
            return w

        cases.append(
            (
                f"weights after {len(_GRADS)} steps with lr={lr}, betas=({b1}, {b2}), eps={eps}",
                (),
                {},
                want,
                run,
            )
        )
    return _run_thunks(
        "Adam step",
        fn,
        cases,
        hint="m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; m_hat = m / (1 - b1^t), "
        "v_hat = v / (1 - b2^t); w -= lr * m_hat / (sqrt(v_hat) + eps)",
        rtol=1e-7,
    )


# -- notebook 5: the range test ----------------------------------------------------------------
def check_range_test_lrs(fn: Callable[..., Any]) -> Report:
    """``fn(start_lr, end_lr, num_iter)`` returns the ``num_iter`` rates of an exponential range
    test, from ``start_lr`` to exactly ``end_lr`` (as torch-lr-finder's ``ExponentialLR``)."""
    from ..lr_finder import lr_at

    cases = []
    for start, end, n in [(1e-4, 10.0, 100), (1e-3, 1.0, 4), (1e-6, 1e2, 30)]:
        want = np.array([lr_at(k, start, end, n, "exp") for k in range(n)])
        cases.append((f"start_lr={start}, end_lr={end}, num_iter={n}", (start, end, n), {}, want))
    return run_cases(
        "range-test rates",
        fn,
        cases,
        hint="a constant factor per step, (end/start)^(1/(num_iter - 1)), so that the last rate "
        "is end_lr",
    )


def check_range_test_suggestion(fn: Callable[..., Any]) -> Report:
    """``fn(lrs, losses)`` returns the "steepest" suggestion: the rate where the loss falls fastest
    per iteration (``lrs[argmin(np.gradient(losses))]``), as torch-lr-finder suggests."""
    rng = np.random.default_rng(0)
    cases = []
    for n, noise in [(60, 0.0), (100, 0.02), (40, 0.05)]:
        lrs = np.geomspace(1e-4, 10, n)
        u = np.log10(lrs)
        losses = 2.3 - 2.0 / (1 + np.exp(-3 * (u + 2))) + np.exp(3 * (u - 0.5))
        losses = losses + noise * rng.standard_normal(n)
        want = float(lrs[int(np.gradient(losses).argmin())])
        cases.append((f"a curve of {n} points (noise {noise})", (lrs, losses), {}, want))
    return run_cases(
        "steepest-descent suggestion",
        fn,
        cases,
        hint="np.gradient(losses) is the slope per iteration; the steepest fall is its most "
        "negative value, not the lowest loss",
    )


# -- notebook 9: batches that do not fit ------------------------------------------------------------
def check_linear_scaled_lr(fn: Callable[..., Any]) -> Report:
    """``fn(base_lr, base_batch, batch)``: Goyal et al.'s linear scaling rule."""
    from ..deep.ddp import linear_scaled_lr

    cases = [
        (f"base_lr={a}, base_batch={b}, batch={c}", (a, b, c), {}, linear_scaled_lr(a, b, c))
        for a, b, c in [(0.1, 256, 8192), (0.05, 32, 256), (0.4, 128, 32)]
    ]
    return run_cases(
        "linear scaling rule",
        fn,
        cases,
        hint="the rate grows in proportion to the batch: base_lr * batch / base_batch",
    )


def check_accumulated_step(fn: Callable[..., Any]) -> Report:
    """``fn(model, optimizer, X, y, micro_batch)`` takes ONE optimizer step on the whole batch
    ``(X, y)`` by accumulating the gradients of micro-batches of ``micro_batch`` examples, and
    returns the batch's mean loss. The weights must equal those of one full-batch step."""
    import torch

    def make(seed: int) -> tuple[Any, Any]:
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
        model.double()
        return model, torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)

    def weights(model: Any) -> np.ndarray:
        return torch.cat([p.detach().flatten() for p in model.parameters()]).numpy().copy()

    cases = []
    for seed, n, micro in [(0, 24, 6), (1, 16, 4), (2, 12, 12)]:
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(n, 5, generator=g, dtype=torch.float64)
        y = torch.randint(0, 3, (n,), generator=g)
        model, opt = make(seed)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
        want = weights(model)

        def run(seed=seed, X=X, y=y, micro=micro) -> Any:
            model, opt = make(seed)
            if attempt(fn, model, opt, X, y, micro) is None:
                return None
            return weights(model)

        cases.append((f"{n} examples in micro-batches of {micro}", (), {}, want, run))
    return _run_thunks(
        "gradient accumulation",
        fn,
        cases,
        hint="zero_grad once; for each micro-batch: loss = cross_entropy(model(Xb), yb) * "
        "len(Xb) / len(X), then backward(); step once at the end",
        rtol=1e-9,
    )


# -- notebook 11: reading curves --------------------------------------------------------------------
def check_quadratic_loss_curve(fn: Callable[..., Any]) -> Report:
    """``fn(curvatures, x0, lr, steps)`` returns the losses ``L_0 .. L_steps`` of gradient descent
    on ``sum_i curvature_i/2 x_i^2``: closed form ``sum_i lambda_i/2 x0_i^2 (1 - lr lambda_i)^(2t)``."""
    cases = []
    for lams, x0, lr, steps in [
        ((10.0, 1.0), (1.0, 1.0), 0.19, 8),
        ((4.0, 0.5), (2.0, -2.0), 0.3, 5),
        ((2.0,), (1.0,), 1.2, 4),
    ]:
        lam, x = np.array(lams), np.array(x0)
        t = np.arange(steps + 1)[:, None]
        want = (0.5 * lam * x**2 * (1 - lr * lam) ** (2 * t)).sum(axis=1)
        cases.append(
            (f"curvatures={lams}, x0={x0}, lr={lr}, steps={steps}", (lams, x0, lr, steps), {}, want)
        )
    return run_cases(
        "loss curve of gradient descent",
        fn,
        cases,
        hint="each direction evolves alone: x_i -> (1 - lr*lambda_i) x_i; the loss is "
        "sum(lambda_i / 2 * x_i**2); return steps + 1 values, starting with the initial loss",
    )


def check_clip_grad_norm(fn: Callable[..., Any]) -> Report:
    """``fn(grads, max_norm)`` returns the gradients rescaled as
    ``torch.nn.utils.clip_grad_norm_``: the whole vector scaled by ``max_norm / (norm + 1e-6)``
    when its norm exceeds ``max_norm``, unchanged otherwise."""
    import torch

    cases = []
    for g, max_norm in [
        (np.array([3.0, 4.0]), 1.0),
        (np.array([0.3, -0.4, 0.1]), 1.0),
        (np.array([10.0, -20.0, 5.0, 1.0]), 5.0),
    ]:
        p = torch.nn.Parameter(torch.zeros(len(g), dtype=torch.float64))
        p.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_norm_([p], max_norm)
        cases.append(
            (
                f"grads={g.tolist()}, max_norm={max_norm}",
                (g.copy(), max_norm),
                {},
                p.grad.numpy().copy(),
            )
        )
    return run_cases(
        "gradient clipping",
        fn,
        cases,
        hint="clip the norm of the whole vector (np.linalg.norm), not each element, and leave "
        "small gradients alone",
        rtol=1e-7,
    )


# -- shared --------------------------------------------------------------------------------------
def _run_thunks(
    exercise: str,
    fn: Callable[..., Any],
    cases: list[tuple[Any, ...]],
    *,
    hint: str,
    rtol: float = 1e-6,
) -> Report:
    """:func:`run_cases` for cases whose computation is a thunk that calls ``fn`` itself."""
    if not callable(fn):
        return run_cases(exercise, fn, [], hint=hint)
    thunk_cases = [(desc, (), {}, want) for desc, _a, _k, want, _thunk in cases]
    thunks = iter([thunk for *_rest, thunk in cases])
    return run_cases(exercise, lambda: next(thunks)(), thunk_cases, hint=hint, rtol=rtol)
