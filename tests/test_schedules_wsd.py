"""Warmup-stable-decay, linear decay to zero, inverse sqrt: equal to torch compositions (the
oracle: PyTorch has no class for them), closed-form facts, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrlearn import schedules as S

ORACLE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def torch_lrs(make, n, lr):
    """``get_last_lr()`` after 0 .. n-1 calls of ``step()`` of the scheduler ``make(opt)``."""
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = make(opt)
    out = [sched.get_last_lr()[0]]
    for _ in range(n - 1):
        opt.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return np.array(out)


def torch_wsd(opt, base, total, warmup, decay_steps, decay, final, start_factor):
    """WSD as PyTorch writes it: ``SequentialLR`` of a ``LinearLR`` warmup, a ``ConstantLR``
    (factor 1) stable phase and the cooldown (``LinearLR``, ``LambdaLR`` for 1-sqrt,
    ``CosineAnnealingLR``), which starts one step before the first lowered rate."""
    L = pytest.importorskip("torch").optim.lr_scheduler
    start = total - decay_steps - 1  # the cooldown scheduler's step 0 is still base_lr
    parts, milestones = [], []
    if warmup:
        parts.append(L.LinearLR(opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup))
        milestones.append(warmup)
    if start > warmup:
        parts.append(L.ConstantLR(opt, factor=1.0, total_iters=1))
        milestones.append(start)
    elif warmup:
        milestones[-1] = start
    if decay == "linear":
        cool = L.LinearLR(opt, start_factor=1.0, end_factor=final / base, total_iters=decay_steps)
    elif decay == "cosine":
        cool = L.CosineAnnealingLR(opt, T_max=decay_steps, eta_min=final)
    else:
        cool = L.LambdaLR(
            opt,
            lambda k: (final + (base - final) * (1 - math.sqrt(min(k / decay_steps, 1.0)))) / base,
        )
    parts.append(cool)
    if len(parts) == 1:
        return cool
    return L.SequentialLR(opt, parts, milestones=milestones[: len(parts) - 1])


@pytest.mark.torch
@ORACLE
@given(
    st.floats(1e-4, 10.0),
    st.integers(0, 40),
    st.integers(0, 60),
    st.integers(1, 80),
    st.sampled_from(S.wsd.COOLDOWNS),
    st.floats(0.0, 1.0),
    st.floats(0.01, 1.0),
)
def test_warmup_stable_decay_equals_torch_composition(
    base, warmup, stable, decay_steps, decay, frac, start_factor
):
    # the composition needs the cooldown scheduler to start at or after the warmup's end
    total = warmup + stable + decay_steps + 1
    final = frac * base
    ours = S.warmup_stable_decay(base, total, warmup, decay_steps, decay, final, start_factor)
    theirs = torch_lrs(
        lambda o: torch_wsd(o, base, total, warmup, decay_steps, decay, final, start_factor),
        total,
        base,
    )
    np.testing.assert_allclose(ours.values(total), theirs, rtol=1e-9, atol=1e-15 * base)
    assert ours(total - 1) == pytest.approx(final, abs=1e-15 * base)


@pytest.mark.torch
@ORACLE
@given(st.floats(1e-4, 10.0), st.integers(2, 300))
def test_linear_decay_to_zero_equals_torch_linear_lr(base, total):
    ours = S.linear_decay(base, total).values(total)
    theirs = torch_lrs(
        lambda o: pytest.importorskip("torch").optim.lr_scheduler.LinearLR(
            o, start_factor=1 - 1 / total, end_factor=0.0, total_iters=total - 1
        ),
        total,
        base,
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-15 * base)
    assert ours[-1] == 0.0 and ours[0] == pytest.approx(base * (1 - 1 / total))


@pytest.mark.torch
@ORACLE
@given(st.floats(1e-4, 10.0), st.integers(1, 100), st.floats(0.01, 1.0))
def test_inverse_sqrt_equals_torch_sequential_of_linear_and_lambda(base, warmup, start_factor):
    L = pytest.importorskip("torch").optim.lr_scheduler
    n = 4 * warmup + 50
    ours = S.inverse_sqrt(base, warmup, start_factor).values(n)
    theirs = torch_lrs(
        lambda o: L.SequentialLR(
            o,
            [
                L.LinearLR(o, start_factor=start_factor, end_factor=1.0, total_iters=warmup),
                L.LambdaLR(o, lambda k: math.sqrt(warmup / (k + warmup))),
            ],
            milestones=[warmup],
        ),
        n,
        base,
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


@pytest.mark.torch
@pytest.mark.parametrize(
    "schedule",
    [
        S.warmup_stable_decay(0.3, 200, warmup_steps=20, decay="1-sqrt"),
        S.warmup_stable_decay(
            0.3, 200, warmup_steps=0, decay_steps=200, decay="cosine", final_lr=0.01
        ),
        S.linear_decay(0.3, 200, warmup_steps=10),
        S.inverse_sqrt(0.3, 25),
    ],
    ids=repr,
)
def test_to_torch_steps_an_optimizer_through_exactly_these_rates(schedule):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([p], lr=123.0)
    sched = S.to_torch(schedule, opt)
    used = []
    for _ in range(200):
        before = p.detach().clone()
        p.grad = torch.ones_like(p)
        opt.step()  # SGD with gradient 1 moves p by exactly -lr
        used.append(float(before - p.detach()))
        sched.step()
    np.testing.assert_allclose(used, schedule.values(200), rtol=1e-12, atol=1e-300)


def test_wsd_shape_facts():
    s = S.warmup_stable_decay(1.0, 100, warmup_steps=10, decay_steps=20)
    lr = s.values(100)
    assert lr[0] == pytest.approx(0.01) and lr[10] == 1.0
    assert np.all(lr[10:80] == 1.0)  # stable
    assert np.all(np.diff(lr[79:]) < 0) and lr[-1] == 0.0
    assert lr[80] == pytest.approx(1 - 1 / 20)
    sq = S.warmup_stable_decay(1.0, 100, warmup_steps=10, decay_steps=20, decay="1-sqrt").values(
        100
    )
    assert np.all(sq[80:-1] < lr[80:-1])  # 1-sqrt drops faster at first, lower everywhere inside
    assert S.warmup_stable_decay(1.0, 1000).params["decay_steps"] == 200  # default: 20%


def test_inverse_sqrt_closed_form():
    s = S.inverse_sqrt(2.0, 100)
    assert s(100) == 2.0 and s(400) == pytest.approx(1.0) and s(10_000) == pytest.approx(0.2)


def test_vectorised_equals_scalar():
    s = S.warmup_stable_decay(0.5, 50, 5, 10, "cosine", 0.05)
    t = np.arange(50)
    assert np.array_equal(s(t), np.array([s(int(i)) for i in t]))


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: S.warmup_stable_decay(0.0, 10), ValueError, "base_lr"),
        (lambda: S.warmup_stable_decay(0.1, 0), ValueError, "total_steps"),
        (lambda: S.warmup_stable_decay(0.1, 10, warmup_steps=-1), ValueError, "warmup_steps"),
        (lambda: S.warmup_stable_decay(0.1, 10, decay_steps=11), ValueError, "decay_steps"),
        (lambda: S.warmup_stable_decay(0.1, 10, 6, 5), ValueError, "warmup_steps \\+ decay_steps"),
        (lambda: S.warmup_stable_decay(0.1, 10, decay="sqrt"), ValueError, "decay"),
        (lambda: S.warmup_stable_decay(0.1, 10, final_lr=0.2), ValueError, "final_lr"),
        (lambda: S.warmup_stable_decay(0.1, 10.0), TypeError, "total_steps"),
        (lambda: S.linear_decay(0.1, 10, warmup_steps=10), ValueError, "warmup_steps"),
        (lambda: S.inverse_sqrt(0.1, 0), ValueError, "warmup_steps"),
        (lambda: S.inverse_sqrt(0.1, 5, start_factor=0), ValueError, "start_factor"),
    ],
)
def test_bad_arguments_name_the_parameter(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_steps_past_the_end_are_refused():
    s = S.warmup_stable_decay(0.1, 10)
    assert s(10) == s(9) == 0.0  # the scheduler.step() after the last update reaches step 10
    with pytest.raises(ValueError, match="ends at step 10"):
        s(11)


def test_schedule_designer_offers_the_new_schedules():
    from lrlearn.widgets import ScheduleDesigner, make_schedule

    np.testing.assert_array_equal(
        make_schedule("wsd, 1-sqrt cooldown", 0.2, 100).values(100),
        S.warmup_stable_decay(0.2, 100, 10, 20, "1-sqrt").values(100),
    )
    assert make_schedule("linear to zero", 0.2, 100)(99) == 0.0
    assert make_schedule("inverse sqrt", 0.2, 100)(40) == pytest.approx(0.1)
    view = ScheduleDesigner(steps=100)
    result = view.compute(kind="wsd, linear cooldown", peak_lr=0.25)
    np.testing.assert_array_equal(result.lrs, S.warmup_stable_decay(0.25, 100, 10).values(100))
    assert not result.run.diverged
