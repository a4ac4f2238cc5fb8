"""Optimizers: iterates equal torch.optim's (the oracle) to 1e-10 relative over 200 float64 steps."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop, make_optimizer

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

CONFIGS = [
    (SGD, {"lr": 0.05}),
    (SGD, {"lr": 0.03, "momentum": 0.9}),
    (SGD, {"lr": 0.03, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    (SGD, {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05}),
    (SGD, {"lr": 0.01, "maximize": True}),
    (Adagrad, {"lr": 0.3}),
    (Adagrad, {"lr": 0.2, "lr_decay": 0.01, "weight_decay": 0.02,
               "initial_accumulator_value": 0.1, "eps": 1e-8}),
    (RMSprop, {"lr": 0.01}),
    (RMSprop, {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.01}),
    (RMSprop, {"lr": 0.005, "centered": True}),
    (Adam, {"lr": 0.05}),
    (Adam, {"lr": 0.05, "betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.01}),
    (AdamW, {"lr": 0.05}),
    (AdamW, {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True, "eps": 1e-6}),
]


def random_problem(seed, dim=6, steps=200):
    """A random convex quadratic plus a smooth non-quadratic term (log-cosh), float64, with a
    fixed sequence of gradient noise as in minibatch training. (Without noise the gradients of a
    converging run become constant, and centered RMSprop's v - m^2 cancels to rounding error, where
    any two correct implementations part ways.)"""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(dim, dim))
    a = q @ q.T / dim + 0.1 * np.eye(dim)
    b = rng.normal(size=dim)
    c = rng.normal(size=dim)
    noise = iter(0.3 * rng.normal(size=(10 * steps, dim)))

    def grad(x):
        return a @ x + b + np.tanh(x - c) + next(noise)

    return grad, rng.normal(size=dim)


def run_lrlearn(cls, kwargs, grad, x0, lrs):
    opt = cls(**kwargs)
    x, state = x0.copy(), opt.init(x0)
    out = [x]
    for lr in lrs:
        x, state = opt.step(x, grad(x), state, lr=lr)
        out.append(x)
    return np.array(out)


def run_torch(cls, kwargs, grad, x0, lrs):
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls.__name__)([p], foreach=False, **kwargs)
    out = [x0.copy()]
    for lr in lrs:
        for group in opt.param_groups:
            group["lr"] = lr
        p.grad = torch.from_numpy(grad(p.detach().numpy().copy()))
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=lambda c: str(c))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_torch_optim(cls, kwargs, seed):
    rng = np.random.default_rng(100 + seed)
    # a varying learning rate (as a schedule would set it) checks the per-step lr override too
    lrs = kwargs["lr"] * rng.uniform(0.5, 1.0, size=200)
    ours = run_lrlearn(cls, kwargs, *random_problem(seed), lrs)
    theirs = run_torch(cls, kwargs, *random_problem(seed), lrs)
    assert np.all(np.isfinite(ours))
    scale = np.maximum(np.abs(theirs), 1e-3)
    assert np.max(np.abs(ours - theirs) / scale) < 1e-10


@settings(max_examples=25, deadline=None)
@given(
    lr=st.floats(1e-3, 0.1),
    b1=st.floats(0.0, 0.99),
    b2=st.floats(0.5, 0.9999),
    wd=st.floats(0.0, 0.1),
    amsgrad=st.booleans(),
    decoupled=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_adam_family_matches_torch_for_random_hyperparameters(lr, b1, b2, wd, amsgrad, decoupled,
                                                              seed):
    cls = AdamW if decoupled else Adam
    kwargs = {"lr": lr, "betas": (b1, b2), "weight_decay": wd, "amsgrad": amsgrad}
    lrs = np.full(200, lr)
    ours = run_lrlearn(cls, kwargs, *random_problem(seed, dim=3), lrs)
    theirs = run_torch(cls, kwargs, *random_problem(seed, dim=3), lrs)
    assert np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-3)) < 1e-10


@settings(max_examples=25, deadline=None)
@given(
    lr=st.floats(1e-3, 0.1),
    momentum=st.floats(0.0, 0.99),
    dampening=st.floats(0.0, 1.0),
    nesterov=st.booleans(),
    wd=st.floats(0.0, 0.1),
    seed=st.integers(0, 10_000),
)
def test_sgd_matches_torch_for_random_hyperparameters(lr, momentum, dampening, nesterov, wd, seed):
    if nesterov:
        dampening, momentum = 0.0, max(momentum, 0.1)
    kwargs = {"lr": lr, "momentum": momentum, "dampening": dampening, "nesterov": nesterov,
              "weight_decay": wd}
    lrs = np.full(200, lr)
    ours = run_lrlearn(SGD, kwargs, *random_problem(seed, dim=3), lrs)
    theirs = run_torch(SGD, kwargs, *random_problem(seed, dim=3), lrs)
    assert np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), 1e-3)) < 1e-10


def test_defaults_equal_torch_defaults():
    import inspect

    for cls in (SGD, Adagrad, RMSprop, Adam, AdamW):
        sig = inspect.signature(getattr(torch.optim, cls.__name__).__init__).parameters
        ours = cls().hyperparameters()
        for name, value in ours.items():
            assert name in sig, f"{cls.__name__}.{name} is not a torch.optim argument"
            assert sig[name].default == value, (cls.__name__, name)


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS, ids=lambda c: str(c))
def test_batched_runs_equal_separate_runs(cls, kwargs):
    """Many learning rates at once (params (n, d), lr (n,)) equal n separate runs."""
    lrs = kwargs["lr"] * np.array([0.25, 0.5, 1.0])
    opt = cls(**kwargs)
    grads = [random_problem(3, dim=4)[0] for _ in lrs]
    xs = np.tile(random_problem(3, dim=4)[1], (3, 1))
    state = opt.init(xs)
    for _ in range(50):
        g = np.stack([grad(x) for grad, x in zip(grads, xs, strict=True)])
        xs, state = opt.step(xs, g, state, lr=lrs)
    for i, lr in enumerate(lrs):
        one = run_lrlearn(cls, {**kwargs, "lr": lr}, *random_problem(3, dim=4), np.full(50, lr))[-1]
        np.testing.assert_allclose(xs[i], one, rtol=1e-13, atol=1e-15)


def test_step_does_not_modify_inputs():
    opt = Adam(lr=0.1)
    x = np.ones(3)
    state = opt.init(x)
    m_before = state["exp_avg"].copy()
    x2, s2 = opt.step(x, np.ones(3), state)
    assert np.all(x == 1) and np.all(state["exp_avg"] == m_before) and state["step"] == 0
    assert s2["step"] == 1 and not np.allclose(x2, x)


@pytest.mark.parametrize(
    ("make", "exc", "message"),
    [
        (lambda: SGD(lr=0), ValueError, r"lr must be > 0.*got 0"),
        (lambda: SGD(lr=float("nan")), ValueError, "lr must be finite"),
        (lambda: SGD(lr=-1e-3), ValueError, "lr must be > 0"),
        (lambda: SGD(lr="0.1"), TypeError, "lr must be a real number"),
        (lambda: SGD(momentum=1.5), ValueError, r"momentum must be in \[0.0, 1.0\)"),
        (lambda: SGD(momentum=-0.1), ValueError, "momentum"),
        (lambda: SGD(nesterov=True), ValueError, "nesterov"),
        (lambda: Adam(betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in"),
        (lambda: Adam(betas=(-0.1, 0.99)), ValueError, r"betas\[0\]"),
        (lambda: Adam(betas=0.9), TypeError, "betas must be a pair"),
        (lambda: RMSprop(alpha=1.5), ValueError, "alpha"),
        (lambda: Adagrad(lr_decay=-1), ValueError, "lr_decay"),
        (lambda: make_optimizer("adamax"), ValueError, "optimizer must be one of"),
        (lambda: make_optimizer("sgd", momentum_typo=0.9), TypeError, "momentum_typo"),
    ],
)
def test_bad_hyperparameters_name_parameter_and_range(make, exc, message):
    with pytest.raises(exc, match=message):
        make()


def test_make_optimizer_presets():
    assert make_optimizer("momentum", 0.1) == SGD(lr=0.1, momentum=0.9)
    assert make_optimizer("nesterov", 0.1) == SGD(lr=0.1, momentum=0.9, nesterov=True)
    assert make_optimizer("ADAM", 0.1, amsgrad=True) == Adam(lr=0.1, amsgrad=True)
