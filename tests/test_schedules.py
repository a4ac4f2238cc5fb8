"""Schedules: equal to torch.optim.lr_scheduler (the oracle), closed-form facts, bad input."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrlearn import schedules as S
from lrlearn.schedules import Schedule

ORACLE = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RTOL = 1e-9


def assert_close(ours, theirs, scale):
    """Equal to 1e-9 relative; ``1e-15 * scale`` absolute where the exact value is 0 (PyTorch's
    recursions can leave ~1e-17 there)."""
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-15 * scale)


# ---------------------------------------------------------------------------------------------
# torch oracle helpers

def torch_run(make, n, lr=1.0, optimizer="sgd"):
    """``get_last_lr()`` (and momentum/beta1) after 0 .. n-1 calls of ``step()``."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    if optimizer == "adam":
        opt = torch.optim.Adam([p], lr=lr)
    else:
        opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
    sched = make(opt)
    lrs, moms = [], []

    def record():
        lrs.append(sched.get_last_lr()[0])
        g = opt.param_groups[0]
        moms.append(g["betas"][0] if "betas" in g else g["momentum"])

    record()
    for _ in range(n - 1):
        opt.step()
        sched.step()
        record()
    return np.array(lrs), np.array(moms)


def lr_sched():
    torch = pytest.importorskip("torch")
    return torch.optim.lr_scheduler


base_lrs = st.floats(1e-4, 10.0)
N = 400  # steps compared per example


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.integers(1, 60), st.floats(0.05, 1.2))
def test_step_lr_equals_torch(base_lr, step_size, gamma):
    ours = S.step_lr(base_lr, step_size=step_size, gamma=gamma).values(N)
    theirs, _ = torch_run(lambda o: lr_sched().StepLR(o, step_size=step_size, gamma=gamma), N, base_lr)
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.lists(st.integers(0, N), max_size=6), st.floats(0.05, 1.5))
def test_multi_step_lr_equals_torch(base_lr, milestones, gamma):
    ours = S.multi_step_lr(base_lr, milestones=milestones, gamma=gamma).values(N)
    theirs, _ = torch_run(
        lambda o: lr_sched().MultiStepLR(o, milestones=milestones, gamma=gamma), N, base_lr
    )
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.floats(0.9, 1.01))
def test_exponential_lr_equals_torch(base_lr, gamma):
    ours = S.exponential_lr(base_lr, gamma=gamma).values(N)
    theirs, _ = torch_run(lambda o: lr_sched().ExponentialLR(o, gamma=gamma), N, base_lr)
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.integers(1, N), st.floats(0.0, 3.0))
def test_polynomial_lr_equals_torch(base_lr, total_iters, power):
    ours = S.polynomial_lr(base_lr, total_iters=total_iters, power=power).values(N)
    theirs, _ = torch_run(
        lambda o: lr_sched().PolynomialLR(o, total_iters=total_iters, power=power), N, base_lr
    )
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.integers(1, 250), st.floats(0.0, 1.0))
def test_cosine_annealing_lr_equals_torch_including_its_rise_after_T_max(base_lr, T_max, frac):
    eta_min = frac * base_lr
    n = max(N, 3 * T_max + 2)  # past T_max: PyTorch's rate climbs back up; ours too by default
    ours = S.cosine_annealing_lr(base_lr, T_max=T_max, eta_min=eta_min).values(n)
    theirs, _ = torch_run(
        lambda o: lr_sched().CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min), n, base_lr
    )
    assert_close(ours, theirs, base_lr)
    held = S.cosine_annealing_lr(base_lr, T_max=T_max, eta_min=eta_min, periodic=False).values(n)
    assert_close(held[: T_max + 1], theirs[: T_max + 1], base_lr)
    assert np.all(held[T_max:] == held[T_max])
    assert held[T_max] == pytest.approx(eta_min, abs=1e-15 * base_lr)


@pytest.mark.torch
@pytest.mark.parametrize("T_max", [1, 2, 997, 2000])
def test_cosine_annealing_lr_long_periods_equal_torch(T_max):
    n = 2 * T_max + 3  # down, back up, and into the second descent
    ours = S.cosine_annealing_lr(0.1, T_max=T_max).values(n)
    theirs, _ = torch_run(lambda o: lr_sched().CosineAnnealingLR(o, T_max=T_max), n, 0.1)
    assert_close(ours, theirs, 0.1)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.integers(1, 60), st.integers(1, 3), st.floats(0.0, 0.5))
def test_cosine_annealing_warm_restarts_equals_torch(base_lr, T_0, T_mult, frac):
    eta_min = frac * base_lr
    ours = S.cosine_annealing_warm_restarts(base_lr, T_0=T_0, T_mult=T_mult, eta_min=eta_min).values(N)
    theirs, _ = torch_run(
        lambda o: lr_sched().CosineAnnealingWarmRestarts(o, T_0=T_0, T_mult=T_mult, eta_min=eta_min),
        N, base_lr,
    )
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.floats(0.01, 1.0), st.floats(0.0, 1.0), st.integers(1, 300))
def test_linear_lr_equals_torch(base_lr, start, end, total_iters):
    ours = S.linear_lr(base_lr, start_factor=start, end_factor=end, total_iters=total_iters).values(N)
    theirs, _ = torch_run(
        lambda o: lr_sched().LinearLR(o, start_factor=start, end_factor=end, total_iters=total_iters),
        N, base_lr,
    )
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
@ORACLE
@given(base_lrs, st.floats(0.01, 1.0), st.integers(1, 300))
def test_constant_lr_equals_torch(base_lr, factor, total_iters):
    ours = S.constant_lr(base_lr, factor=factor, total_iters=total_iters).values(N)
    theirs, _ = torch_run(
        lambda o: lr_sched().ConstantLR(o, factor=factor, total_iters=total_iters), N, base_lr
    )
    assert_close(ours, theirs, base_lr)


# pairs of (lrlearn factory, torch factory) for SequentialLR, each taking (base_lr, rng)
def _pieces(rng):
    T = int(rng.integers(5, 200))
    start, gamma, step = float(rng.uniform(0.01, 1)), float(rng.uniform(0.9, 1.0)), int(rng.integers(1, 50))
    eta = float(rng.uniform(0, 0.1))
    return [
        (lambda b: S.linear_lr(b, start_factor=start, total_iters=T),
         lambda o: lr_sched().LinearLR(o, start_factor=start, total_iters=T)),
        (lambda b: S.cosine_annealing_lr(b, T_max=T, eta_min=eta * b),
         lambda o: lr_sched().CosineAnnealingLR(o, T_max=T, eta_min=eta * o.param_groups[0].get("initial_lr", o.param_groups[0]["lr"]))),
        (lambda b: S.exponential_lr(b, gamma=gamma), lambda o: lr_sched().ExponentialLR(o, gamma=gamma)),
        (lambda b: S.step_lr(b, step_size=step, gamma=gamma),
         lambda o: lr_sched().StepLR(o, step_size=step, gamma=gamma)),
        (lambda b: S.constant_lr(b, factor=start, total_iters=T),
         lambda o: lr_sched().ConstantLR(o, factor=start, total_iters=T)),
    ]


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(12))
def test_sequential_lr_equals_torch(seed):
    rng = np.random.default_rng(seed)
    base_lr = float(rng.uniform(1e-3, 1))
    k = int(rng.integers(2, 4))
    chosen = [_pieces(rng)[i] for i in rng.integers(0, 5, size=k)]
    milestones = sorted(int(m) for m in rng.choice(np.arange(1, N - 50), size=k - 1, replace=False))
    ours = S.sequential_lr([mine(base_lr) for mine, _ in chosen], milestones).values(N)
    theirs, _ = torch_run(
        lambda o: lr_sched().SequentialLR(o, [t(o) for _, t in chosen], milestones=milestones),
        N, base_lr,
    )
    assert_close(ours, theirs, base_lr)


@pytest.mark.torch
def test_warmup_cosine_equals_torch_sequential_of_linear_and_cosine():
    base_lr, w, total = 0.3, 40, 400
    ours = S.warmup_cosine(base_lr, warmup_steps=w, total_steps=total, final_lr=1e-4, start_factor=0.1)
    theirs, _ = torch_run(
        lambda o: lr_sched().SequentialLR(
            o, [lr_sched().LinearLR(o, start_factor=0.1, total_iters=w),
                lr_sched().CosineAnnealingLR(o, T_max=total - w, eta_min=1e-4)], milestones=[w]),
        total + 1, base_lr,
    )
    assert_close(ours.values(total + 1), theirs, base_lr)
    assert ours(total + 50) == pytest.approx(1e-4)  # held at the floor, not rising as in torch


@pytest.mark.torch
@ORACLE
@given(
    st.floats(1e-3, 5.0), st.integers(5, 300), st.floats(0.05, 0.95), st.sampled_from(["cos", "linear"]),
    st.booleans(), st.floats(1.0, 100.0), st.floats(1.0, 1e4), st.sampled_from(["sgd", "adam"]),
)
def test_one_cycle_lr_and_momentum_equal_torch(max_lr, total, pct, strategy, three, div, fdiv, opt):
    kw = dict(total_steps=total, pct_start=pct, anneal_strategy=strategy, three_phase=three,
              div_factor=div, final_div_factor=fdiv)
    torch_make = lambda o: lr_sched().OneCycleLR(o, max_lr=max_lr, **kw)  # noqa: E731
    try:
        ours = S.one_cycle_lr(max_lr, **kw)
        lrs, moms = ours.values(total + 1), ours.momentum.values(total + 1)
    except ValueError as err:  # an empty phase: PyTorch divides by zero at the same point
        assert "empty phase" in str(err)
        with pytest.raises(ZeroDivisionError):
            torch_run(torch_make, total + 1, optimizer=opt)
        return
    theirs, their_moms = torch_run(torch_make, total + 1, optimizer=opt)  # steps 0 .. total
    assert_close(lrs, theirs, max_lr)
    assert_close(moms, their_moms, 1.0)
    with pytest.raises(ValueError, match="step"):
        ours(total + 1)  # PyTorch raises too when stepped past total_steps


@pytest.mark.torch
def test_one_cycle_lr_empty_first_phase_fails_where_torch_divides_by_zero():
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    with pytest.raises(ZeroDivisionError):
        lr_sched().OneCycleLR(opt, max_lr=1.0, total_steps=10, pct_start=0.1)  # 0.1 * 10 - 1 = 0
    with pytest.raises(ValueError, match=r"pct_start=0\.1 and total_steps=10 has an empty phase"):
        S.one_cycle_lr(1.0, total_steps=10, pct_start=0.1)


@pytest.mark.torch
def test_one_cycle_lr_refuses_to_step_past_total_steps_like_torch():
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched = lr_sched().OneCycleLR(opt, max_lr=1.0, total_steps=10)
    for _ in range(10):
        opt.step()
        sched.step()
    with pytest.raises(ValueError):
        sched.step()
    ours = S.one_cycle_lr(1.0, total_steps=10)
    ours(10)
    with pytest.raises(ValueError, match=r"step must be in \[0, 10\]"):
        ours(11)


@pytest.mark.torch
@ORACLE
@given(
    st.floats(1e-4, 0.5), st.floats(0.5, 5.0), st.integers(1, 80), st.one_of(st.none(), st.integers(0, 80)),
    st.sampled_from(["triangular", "triangular2", "exp_range"]), st.floats(0.98, 1.0),
    st.sampled_from(["sgd", "adam"]),
)
def test_cyclic_lr_and_momentum_equal_torch(base_lr, max_lr, up, down, mode, gamma, opt):
    ours = S.cyclic_lr(base_lr, max_lr, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma)
    theirs, their_moms = torch_run(
        lambda o: lr_sched().CyclicLR(o, base_lr=base_lr, max_lr=max_lr, step_size_up=up,
                                      step_size_down=down, mode=mode, gamma=gamma),
        N, optimizer=opt,
    )
    assert_close(ours.values(N), theirs, max_lr)
    assert_close(ours.momentum.values(N), their_moms, 1.0)


@pytest.mark.torch
def test_cyclic_lr_custom_scale_fn_equals_torch():
    fn = lambda x: 1.0 / (1.0 + 0.1 * x)  # noqa: E731
    for scale_mode in ("cycle", "iterations"):
        ours = S.cyclic_lr(0.01, 0.2, step_size_up=7, step_size_down=3, scale_fn=fn, scale_mode=scale_mode)
        theirs, moms = torch_run(
            lambda o, sm=scale_mode: lr_sched().CyclicLR(o, 0.01, 0.2, step_size_up=7, step_size_down=3,
                                                        scale_fn=fn, scale_mode=sm), 200)
        assert_close(ours.values(200), theirs, 0.2)
        assert_close(ours.momentum.values(200), moms, 1.0)


metric_walks = st.lists(  # repeats make plateaus; NaN is a diverged loss
    st.one_of(st.floats(0.0, 10.0), st.sampled_from([1.0, 2.0, 0.5, math.nan])), min_size=1,
    max_size=120,
)


@pytest.mark.torch
@ORACLE
@given(
    metric_walks, st.sampled_from(["min", "max"]), st.floats(0.05, 0.9), st.integers(0, 5),
    st.floats(0.0, 0.1), st.sampled_from(["rel", "abs"]), st.integers(0, 4), st.floats(0.0, 0.01),
    st.sampled_from([1e-8, 1e-3]),
)
def test_reduce_lr_on_plateau_equals_torch(metrics, mode, factor, patience, threshold, tmode,
                                           cooldown, min_lr, eps):
    torch = pytest.importorskip("torch")
    kw = dict(mode=mode, factor=factor, patience=patience, threshold=threshold,
              threshold_mode=tmode, cooldown=cooldown, min_lr=min_lr, eps=eps)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    theirs = lr_sched().ReduceLROnPlateau(opt, **kw)
    ours = S.ReduceLROnPlateau(0.5, **kw)
    for m in metrics:
        theirs.step(m)
        assert ours.step(m) == theirs.get_last_lr()[0]
    assert ours.num_bad_epochs == theirs.num_bad_epochs
    assert ours.best == theirs.best


def test_reduce_lr_on_plateau_by_hand():
    # patience 2: the third call in a row without improvement cuts the rate; cooldown 1 skips one
    p = S.ReduceLROnPlateau(1.0, factor=0.5, patience=2, cooldown=1, threshold=0.0)
    lrs = p.run([3.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0])
    np.testing.assert_array_equal(lrs, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5])
    p.reset()
    assert p.lr == 1.0 and p.history == []
    up = S.ReduceLROnPlateau(1.0, mode="max", patience=0, min_lr=0.3)
    # 1.0 * 0.1 is below min_lr, so the first cut stops at min_lr and later cuts change nothing
    np.testing.assert_array_equal(up.run([1.0, 0.5, 0.4, 0.3, 2.0]), [1.0, 0.3, 0.3, 0.3, 0.3])
    # a NaN metric (a diverged loss) never counts as an improvement
    assert S.ReduceLROnPlateau(1.0, patience=0).run([1.0, math.nan]).tolist() == [1.0, 0.1]


# ---------------------------------------------------------------------------------------------
# to_torch

def _to_torch_cases():
    return {
        "warmup_cosine": S.warmup_cosine(0.1, 20, 200, final_lr=1e-3),
        "one_cycle": S.one_cycle_lr(0.5, total_steps=199),
        "cyclic": S.cyclic_lr(0.01, 0.1, step_size_up=15, mode="triangular2"),
        "multi_step": S.multi_step_lr(0.1, [30, 80, 80]),
        "sgdr": S.cosine_annealing_warm_restarts(0.1, T_0=10, T_mult=2),
    }


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(_to_torch_cases()))
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_to_torch_reproduces_schedule_exactly(name, optimizer):
    schedule = _to_torch_cases()[name]
    lrs, moms = torch_run(lambda o: S.to_torch(schedule, o), 200, lr=123.0, optimizer=optimizer)
    np.testing.assert_array_equal(lrs, schedule.values(200))
    if schedule.momentum is not None:
        np.testing.assert_array_equal(moms, schedule.momentum.values(200))
    else:
        assert np.all(moms == moms[0])  # momentum / beta1 untouched


@pytest.mark.torch
def test_to_torch_trains_like_torch_one_cycle():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    X, y = torch.randn(64, 5), torch.randn(64, 1)

    def train(make):
        torch.manual_seed(1)
        model = torch.nn.Linear(5, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sched = make(opt)
        for _ in range(50):
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(X), y).backward()
            opt.step()
            sched.step()
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    ours = train(lambda o: S.to_torch(S.one_cycle_lr(0.05, total_steps=50), o))
    theirs = train(lambda o: lr_sched().OneCycleLR(o, max_lr=0.05, total_steps=50))
    assert torch.equal(ours, theirs)


@pytest.mark.torch
def test_to_torch_bad_input():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="schedule"):
        S.to_torch(lambda t: 0.1, torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
    with pytest.raises(TypeError, match="optimizer"):
        S.to_torch(S.constant(0.1), object())
    with pytest.raises(ValueError, match="momentum"):
        S.to_torch(S.constant(0.1), torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1),
                   cycle_momentum=True)


# ---------------------------------------------------------------------------------------------
# closed-form facts that need no oracle

def test_keras_step_decay_example_from_the_guide():
    """0.1, halved every 10 epochs: ``lr = 0.1 * 0.5 ** (epoch // 10)``."""
    schedule = S.step_lr(base_lr=0.1, step_size=10, gamma=0.5)
    epochs = np.arange(50)
    np.testing.assert_allclose(schedule(epochs), [0.1 * 0.5 ** (e // 10) for e in epochs], rtol=1e-15)
    assert [schedule(e) for e in (0, 9, 10, 19, 20, 30, 49)] == pytest.approx(
        [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125, 0.00625], rel=1e-15)


def test_cosine_endpoints_and_midpoint():
    s = S.cosine(2.0, total_steps=100, final_lr=0.5)
    assert s(0) == 2.0
    assert s(50) == pytest.approx(1.25)  # halfway: the mean of the two ends
    assert s(100) == pytest.approx(0.5) and s(1000) == pytest.approx(0.5)
    assert np.all(np.diff(s.values(101)) <= 0)


def test_one_cycle_peaks_at_max_lr_and_ends_at_min():
    s = S.one_cycle_lr(1.0, total_steps=100, div_factor=10, final_div_factor=100)
    v = s.values(100)
    assert v[0] == pytest.approx(0.1) and v.max() == pytest.approx(1.0) and int(v.argmax()) == 29
    assert v[-1] == pytest.approx(0.1 / 100)
    assert s.momentum(29) == pytest.approx(0.85) and s.momentum(0) == pytest.approx(0.95)
    three = S.one_cycle_lr(1.0, total_steps=100, div_factor=10, three_phase=True)
    assert three(58) == pytest.approx(0.1)  # back at the initial lr: 2 * 0.3 * 100 - 2 = step 58
    assert three(29) == pytest.approx(1.0) and three(99) == pytest.approx(0.1 / 1e4)


def test_warm_restarts_restart_at_cycle_starts():
    s = S.cosine_annealing_warm_restarts(1.0, T_0=5, T_mult=2)
    starts = [0, 5, 15, 35, 75]
    np.testing.assert_array_equal(s(np.array(starts)), 1.0)
    assert s(14) < s(13) < 1.0


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=30))
@settings(max_examples=30, deadline=None)
def test_vectorised_equals_scalar_calls(steps):
    for s in [S.step_lr(0.1, 7), S.polynomial_lr(0.1, 500, 2.0), S.warmup_cosine(0.1, 100, 5000),
              S.cyclic_lr(0.01, 0.1, 30, mode="exp_range", gamma=0.999),
              S.cosine_annealing_warm_restarts(0.1, 3, 3), S.multi_step_lr(0.1, [5, 500, 5000])]:
        arr = s(np.array(steps))
        assert arr.shape == (len(steps),)
        np.testing.assert_array_equal(arr, [s(t) for t in steps])
        assert isinstance(s(steps[0]), float)


def test_array_shape_is_kept_and_lists_are_accepted():
    s = S.exponential_lr(1.0, 0.5)
    out = s(np.arange(6).reshape(2, 3))
    assert out.shape == (2, 3) and out[1, 2] == 0.5 ** 5
    np.testing.assert_array_equal(s([0, 1]), [1.0, 0.5])
    assert s(np.int32(2)) == 0.25


def test_schedule_works_with_simulate():
    import lrlearn

    sched = S.cosine(0.1, total_steps=30)
    traj = lrlearn.simulate(lrlearn.Quadratic(curvatures=[1.0, 4.0]), [1.0, 1.0], lr=sched, steps=30)
    np.testing.assert_array_equal(traj.lrs, sched.values(30))


# ---------------------------------------------------------------------------------------------
# bad input

@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: S.step_lr(0.0, 10), ValueError, "base_lr"),
        (lambda: S.step_lr(-0.1, 10), ValueError, "base_lr"),
        (lambda: S.step_lr(0.1, 0), ValueError, "step_size"),
        (lambda: S.step_lr(0.1, 2.5), TypeError, "step_size"),
        (lambda: S.step_lr(0.1, 10, gamma=0.0), ValueError, "gamma"),
        (lambda: S.multi_step_lr(0.1, [5, -1]), ValueError, "milestones"),
        (lambda: S.multi_step_lr(0.1, 5), TypeError, "milestones"),
        (lambda: S.exponential_lr(float("nan"), 0.9), ValueError, "base_lr"),
        (lambda: S.polynomial_lr(0.1, total_iters=0), ValueError, "total_iters"),
        (lambda: S.cosine_annealing_lr(0.1, T_max=0), ValueError, "T_max"),
        (lambda: S.cosine_annealing_lr(0.1, T_max=10, eta_min=-1), ValueError, "eta_min"),
        (lambda: S.cosine_annealing_warm_restarts(0.1, T_0=10, T_mult=0), ValueError, "T_mult"),
        (lambda: S.linear_lr(0.1, start_factor=0.0), ValueError, "start_factor"),
        (lambda: S.linear_lr(0.1, end_factor=1.5), ValueError, "end_factor"),
        (lambda: S.one_cycle_lr(1.0), ValueError, "total_steps"),
        (lambda: S.one_cycle_lr(1.0, 100, anneal_strategy="cosine"), ValueError, "anneal_strategy"),
        (lambda: S.one_cycle_lr(1.0, 100, pct_start=1.5), ValueError, "pct_start"),
        (lambda: S.one_cycle_lr(1.0, 10, pct_start=0.1), ValueError, "empty phase"),
        (lambda: S.cyclic_lr(0.1, 1.0, mode="sawtooth"), ValueError, "mode"),
        (lambda: S.cyclic_lr(0.1, 1.0, step_size_up=0), ValueError, "step_size_up"),
        (lambda: S.sequential_lr([S.constant(0.1), S.constant(0.2)], [5, 6]), ValueError, "milestones"),
        (lambda: S.sequential_lr([S.constant(0.1), S.constant(0.2)], [0]), ValueError, "milestones"),
        (lambda: S.sequential_lr([S.constant(0.1), 0.2], [5]), TypeError, "schedules"),
        (lambda: S.sequential_lr([S.one_cycle_lr(1.0, 10), S.constant(0.2)], [50]), ValueError, "ends"),
        (lambda: S.warmup_cosine(0.1, 100, 100), ValueError, "total_steps"),
        (lambda: S.ReduceLROnPlateau(0.1, mode="minimum"), ValueError, "mode"),
        (lambda: S.ReduceLROnPlateau(0.1, factor=1.0), ValueError, "factor"),
        (lambda: S.ReduceLROnPlateau(0.1, threshold_mode="relative"), ValueError, "threshold_mode"),
        (lambda: S.ReduceLROnPlateau(0.1).step("low"), TypeError, "metric"),
    ],
)
def test_bad_arguments_name_the_parameter(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize(
    ("step", "exc", "match"),
    [(-1, ValueError, ">= 0"), (np.array([3, -2]), ValueError, ">= 0"), (1.5, TypeError, "integer"),
     (np.array([0.5]), TypeError, "integer"), (True, TypeError, "integer"), ("3", TypeError, "integer")],
)
def test_bad_steps(step, exc, match):
    with pytest.raises(exc, match=match):
        S.step_lr(0.1, 10)(step)


def test_overflow_is_an_error_not_a_warning():
    s = S.exponential_lr(1.0, gamma=1.5)
    assert np.isfinite(s(1000))
    first_inf = math.ceil(math.log(sys.float_info.max) / math.log(1.5))  # 1.5**t > max float
    with pytest.raises(ValueError, match=rf"non-finite.*step {first_inf}\b"):
        s(np.arange(3000))


# ---------------------------------------------------------------------------------------------
# plotting

def test_plot_schedules_draws_labelled_curves():
    import matplotlib.pyplot as plt

    many = {"cosine": S.cosine(0.1, 100), "step": S.step_lr(0.1, 30)}
    ax = S.plot_schedules(many, 100)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["cosine", "step"]
    np.testing.assert_array_equal(lines[0].get_ydata(), many["cosine"].values(100))
    assert ax.get_xlabel() == "step"
    short = S.plot_schedules({"one": S.one_cycle_lr(1.0, 20), "long": S.cosine(0.1, 50)}, 50)
    assert len(short.get_lines()[0].get_xdata()) == 21 and len(short.get_lines()[1].get_xdata()) == 50
    one = S.plot_schedules(S.one_cycle_lr(1.0, 50), np.arange(0, 51, 5), log=True)
    assert one.get_yscale() == "log" and one.get_lines()[0].get_label().startswith("one_cycle_lr(")
    _, ax2 = plt.subplots()
    assert S.plot_schedules(S.cyclic_lr(0.1, 1.0, 5), 40, ax=ax2, momentum=True) is ax2
    assert ax2.get_ylabel() == "momentum"
    with pytest.raises(ValueError, match="momentum"):
        S.plot_schedules(S.cosine(0.1, 10), 10, momentum=True)
    with pytest.raises(TypeError, match="schedules"):
        S.plot_schedules({}, 10)
    plt.close("all")


def test_repr_names_the_arguments():
    assert repr(S.step_lr(0.1, 10, 0.5)) == "step_lr(base_lr=0.1, step_size=10, gamma=0.5)"
    assert isinstance(S.cosine(0.1, 10), Schedule)


@pytest.mark.torch
def test_to_torch_state_dict_resumes_where_it_left_off():
    torch = pytest.importorskip("torch")
    import io

    schedule = S.one_cycle_lr(0.5, total_steps=100)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched = S.to_torch(schedule, opt)
    for _ in range(40):
        opt.step()
        sched.step()
    buf = io.BytesIO()
    torch.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, buf)
    buf.seek(0)
    saved = torch.load(buf, weights_only=False)
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    sched2 = S.to_torch(schedule, opt2)
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    for t in range(41, 60):
        opt2.step()
        sched2.step()
        assert sched2.get_last_lr()[0] == schedule(t)
        assert opt2.param_groups[0]["momentum"] == schedule.momentum(t)
