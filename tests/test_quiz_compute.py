"""Computed answers of numeric questions, checked against closed forms and torch."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn.quiz.compute import COMPUTATIONS, check_curve, evaluate, run_curve


def ev(name, **args):
    return evaluate({"compute": name, "args": args})


curv = st.lists(st.floats(0.01, 1e3), min_size=1, max_size=5)


@given(curv)
def test_critical_and_optimal_lr_closed_form(lams):
    assert ev("critical_lr", curvatures=lams) == pytest.approx(2 / max(lams))
    assert ev("optimal_lr", curvatures=lams) == pytest.approx(2 / (max(lams) + min(lams)))
    assert ev("condition_number", curvatures=lams) == pytest.approx(max(lams) / min(lams))


@given(curv, st.floats(1e-4, 1.0))
def test_convergence_rate_closed_form(lams, frac):
    lr = frac * 2 / max(lams)
    expected = max(abs(1 - lr * lam) for lam in lams)
    assert ev("convergence_rate", lr=lr, curvatures=lams) == pytest.approx(expected)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.1, 10.0), st.floats(0.05, 0.95), st.floats(-3, 3), st.integers(1, 20))
def test_position_after_matches_the_contraction(lam, frac, x0, steps):
    lr = frac * 2 / lam
    got = ev("position_after", curvatures=[lam], x0=[x0], lr=lr, steps=steps)
    assert got == pytest.approx(x0 * (1 - lr * lam) ** steps, abs=1e-12)


def test_loss_after_and_worked_example():
    # f = (x - 2)^2 from 0, lr 0.1: distance 2 * 0.8^t, loss 4 * 0.64^t
    assert ev("loss_after", curvatures=[2.0], center=[2.0], x0=[0.0], lr=0.1, steps=10) == \
        pytest.approx(4 * 0.8**20)
    assert ev("position_after", curvatures=[2.0], center=[0.4], x0=[0.5], lr=0.25, steps=1) == \
        pytest.approx(0.45)


def test_steps_to_tolerance_closed_form():
    assert ev("steps_to_tolerance", lr=0.05, curvatures=[2.0], tol=1e-6) == \
        math.ceil(math.log(1e-6) / math.log(0.9))


def test_diverged_at_first_step_above_the_factor():
    # loss after t steps is 4^t; lrlearn stops at the first t with 4^t > 1e6
    t = ev("diverged_at", curvatures=[2.0], x0=[1.0], lr=1.5, steps=50)
    assert t == min(k for k in range(50) if 4.0**k > 1e6)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9])
def test_momentum_threshold_matches_closed_form(beta):
    # heavy ball v = beta v + g, x -= lr v on f = c x^2/2: stable iff lr c < 2 (1 + beta)
    c = 4.0
    assert ev("momentum_critical_lr", curvature=c, momentum=beta) == \
        pytest.approx(2 * (1 + beta) / c, rel=0.01)


def test_scaling_and_counting_closed_forms():
    assert ev("linear_scaling", base_lr=0.1, base_batch=256, new_batch=1024) == pytest.approx(0.4)
    assert ev("sqrt_scaling", base_lr=1e-3, base_batch=64, new_batch=1024) == pytest.approx(4e-3)
    assert ev("steps_per_epoch", examples=50000, batch_size=128) == 391
    assert ev("steps_per_epoch", examples=50000, batch_size=128, drop_last=True) == 390
    assert ev("effective_batch", micro_batch=16, accumulation_steps=4, devices=8) == 512
    assert ev("noise_scale", trace_cov=800.0, grad_norm_sq=2.5) == pytest.approx(320)
    assert ev("steps_for_examples", examples_per_epoch=100, batch_size=30, epochs=3) == 12


def test_bad_specs_are_refused():
    with pytest.raises(ValueError, match="unknown computation 'nope'"):
        ev("nope")
    with pytest.raises(ValueError, match=r"missing \['curvatures'\]"):
        ev("critical_lr")
    with pytest.raises(TypeError, match="a compute spec is"):
        evaluate({"compute": "critical_lr"})
    with pytest.raises(ValueError, match="diverged"):
        ev("position_after", curvatures=[2.0], x0=[1.0], lr=5.0, steps=30)
    with pytest.raises(ValueError, match="does not diverge"):
        ev("diverged_at", curvatures=[2.0], x0=[1.0], lr=0.1, steps=30)
    with pytest.raises(ValueError, match="curvatures"):
        ev("critical_lr", curvatures=[-1.0])


def test_bad_curve_specs_are_refused():
    with pytest.raises(ValueError, match="unknown landscape"):
        check_curve({"landscape": "moon", "x0": [0], "lr": 0.1, "steps": 5})
    with pytest.raises(ValueError, match=r"missing \['lr'\]"):
        check_curve({"landscape": "quadratic", "x0": [0], "steps": 5})
    with pytest.raises(ValueError, match="'steps' must be an integer in"):
        check_curve({"landscape": "quadratic", "x0": [0], "lr": 0.1, "steps": 1})
    run = run_curve({"landscape": "quadratic", "params": {"curvatures": [2.0]}, "x0": [1.0],
                     "lr": 0.25, "steps": 3})
    assert run.final_position[0] == pytest.approx(0.5**3)


def test_every_computation_is_documented():
    for name, (fn, required, optional) in COMPUTATIONS.items():
        assert required and not (required & optional), name
        assert fn.__name__.startswith("_"), name


# --- torch is the oracle for optimizers and schedules -------------------------------------------

@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _scheduler_lrs(torch, make, base_lr, n):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr, momentum=0.9)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


@pytest.mark.torch
def test_step_and_exponential_match_torch(torch):
    sched = torch.optim.lr_scheduler
    lrs = _scheduler_lrs(torch, lambda o: sched.StepLR(o, step_size=30, gamma=0.1), 0.1, 100)
    for e in (0, 29, 30, 65, 99):
        assert ev("step_lr", base_lr=0.1, step_size=30, gamma=0.1, epoch=e) == \
            pytest.approx(lrs[e], rel=1e-9)
    lrs = _scheduler_lrs(torch, lambda o: sched.ExponentialLR(o, gamma=0.95), 0.01, 30)
    for e in (0, 7, 20, 29):
        assert ev("exponential_lr", base_lr=0.01, gamma=0.95, epoch=e) == \
            pytest.approx(lrs[e], rel=1e-9)


@pytest.mark.torch
def test_cosine_and_linear_warmup_match_torch(torch):
    sched = torch.optim.lr_scheduler
    lrs = _scheduler_lrs(torch, lambda o: sched.CosineAnnealingLR(o, T_max=100, eta_min=1e-3), 0.1, 101)
    for e in (0, 25, 50, 99, 100):
        assert ev("cosine_lr", base_lr=0.1, t_max=100, epoch=e, eta_min=1e-3) == \
            pytest.approx(lrs[e], rel=1e-7)
    lrs = _scheduler_lrs(torch, lambda o: sched.LinearLR(o, start_factor=0.1, total_iters=1000),
                         1e-3, 1200)
    for e in (0, 1, 250, 999, 1000, 1100):
        assert ev("linear_warmup_lr", base_lr=1e-3, start_factor=0.1, total_iters=1000,
                  epoch=e) == pytest.approx(lrs[e], rel=1e-7)


@pytest.mark.torch
@pytest.mark.parametrize(("pct", "div", "final"), [(0.3, 25.0, 1e4), (0.25, 10.0, 100.0)])
def test_one_cycle_matches_torch(torch, pct, div, final):
    total = 1000
    lrs = _scheduler_lrs(torch, lambda o: torch.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.1, total_steps=total, pct_start=pct, div_factor=div,
        final_div_factor=final), 0.1, total)
    for s in (0, 1, 149, int(pct * total) - 1, int(pct * total), 600, total - 1):
        assert ev("one_cycle_lr", max_lr=0.1, total_steps=total, step=s, pct_start=pct,
                  div_factor=div, final_div_factor=final) == pytest.approx(lrs[s], rel=1e-7)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["adam", "sgd", "rmsprop"])
def test_first_step_size_matches_torch(torch, name):
    g = 250.0
    p = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    cls = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop}[name]
    opt = cls([p], lr=1e-3)
    p.grad = torch.tensor([g], dtype=torch.float64)
    opt.step()
    expected = abs(1.0 - p.item())
    assert ev("first_step_size", optimizer=name, lr=1e-3, gradient=g) == \
        pytest.approx(expected, rel=1e-9)


@pytest.mark.torch
def test_adamw_shrink_matches_torch(torch):
    p = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = torch.optim.AdamW([p], lr=1e-3, weight_decay=0.1)
    p.grad = torch.zeros(1, dtype=torch.float64)
    opt.step()
    assert ev("adamw_shrink", lr=1e-3, weight_decay=0.1) == pytest.approx(p.item(), rel=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name", ["sgd", "adam", "adamw"])
def test_decay_step_matches_torch(torch, name):
    p = torch.nn.Parameter(torch.tensor([0.5], dtype=torch.float64))
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]
    opt = cls([p], lr=1e-3, weight_decay=0.1)
    p.grad = torch.zeros(1, dtype=torch.float64)
    opt.step()
    assert ev("decay_step", optimizer=name, lr=1e-3, weight_decay=0.1, weight=0.5) == \
        pytest.approx(p.item(), rel=1e-12)


def test_decay_step_closed_forms():
    # SGD and AdamW shrink by 1 - lr wd; Adam's coupled L2 step is normalised to about lr
    assert ev("decay_step", optimizer="sgd", lr=0.1, weight_decay=5e-4, weight=2.0) == \
        pytest.approx(2.0 * (1 - 0.1 * 5e-4))
    assert ev("decay_step", optimizer="adamw", lr=1e-3, weight_decay=0.1, weight=2.0) == \
        pytest.approx(2.0 * (1 - 1e-4))
    assert ev("decay_step", optimizer="adam", lr=1e-3, weight_decay=0.1, weight=2.0) == \
        pytest.approx(2.0 - 1e-3, rel=1e-6)
    assert ev("layer_decay_lr", base_lr=1e-4, decay=0.8, depth=3) == pytest.approx(1e-4 * 0.512)
