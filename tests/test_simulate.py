"""simulate and sweep: closed-form results, divergence handling, vectorisation, errors."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn import (
    DoubleWell,
    Quadratic,
    Ravine,
    Rosenbrock,
    Saddle,
    simulate,
    sweep,
)
from lrlearn.stability import optimal_lr

SEED_EXAMPLE = Quadratic(curvatures=[2.0], center=[2.0])  # f(x) = (x - 2)^2


def test_seed_example_three_learning_rates():
    """f(x) = (x-2)^2 from x=0 for 100 steps: x_t - 2 = -2 (1 - 2 lr)^t, so loss = 4 (1 - 2 lr)^200."""
    good = simulate(SEED_EXAMPLE, 0.0, 0.1, 100)
    slow = simulate(SEED_EXAMPLE, 0.0, 0.01, 100)
    bad = simulate(SEED_EXAMPLE, 0.0, 1.5, 100)
    assert good.final_loss == pytest.approx(4 * 0.8**200, rel=1e-9)
    assert good.final_loss == pytest.approx(1.66e-19, rel=1e-2)
    assert slow.final_loss == pytest.approx(4 * 0.98**200, rel=1e-9)
    assert slow.final_loss == pytest.approx(0.0704, rel=1e-3)
    assert bad.diverged and not good.diverged and not slow.diverged
    # |1 - 2 * 1.5| = 2: the loss grows 4x a step and passes 1e6 x its start (4) at step 10
    assert bad.diverged_at == 10
    assert "diverged at step 10" in bad.status
    assert np.all(np.isfinite(bad.losses)) and np.all(np.isfinite(bad.positions))


@settings(max_examples=40, deadline=None)
@given(
    curv=st.lists(st.floats(0.1, 10.0), min_size=1, max_size=4),
    frac=st.floats(0.05, 1.9),
    seed=st.integers(0, 1000),
)
def test_positions_follow_the_closed_form(curv, frac, seed):
    """GD on a diagonal quadratic: x_t - c = (1 - lr * lambda)^t (x_0 - c), per coordinate."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=len(curv))
    q = Quadratic(curvatures=curv, center=c)
    x0 = c + rng.uniform(0.5, 2.0, size=len(curv)) * rng.choice([-1, 1], size=len(curv))
    lr = frac / max(curv)
    run = simulate(q, x0, lr, 60)
    t = np.arange(run.steps_run + 1)[:, None]
    expected = c + (1 - lr * np.asarray(curv)) ** t * (x0 - c)
    np.testing.assert_allclose(run.positions, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("scape", [SEED_EXAMPLE, Ravine(), Rosenbrock(), DoubleWell(), Saddle()],
                         ids=repr)
@pytest.mark.parametrize("lr", [1e3, 1e30, 1e300])
def test_huge_learning_rates_diverge_cleanly(scape, lr):
    """No overflow warning (RuntimeWarning is an error in this suite), nothing non-finite."""
    run = simulate(scape, scape.default_start, lr, 200)
    assert run.diverged and run.diverged_at >= 1
    for arr in (run.positions, run.losses, run.grad_norms, run.lrs):
        assert np.all(np.isfinite(arr))
    assert len(run.losses) == run.diverged_at
    res = sweep(scape, scape.default_start, [1e-4, lr], 50)
    assert res.diverged.tolist() == [False, True]
    assert np.all(np.isfinite(res.losses))


def test_sweep_equals_separate_simulations():
    q = Quadratic(curvatures=[10.0, 1.0], center=[1.0, -1.0])
    lrs = np.logspace(-3, np.log10(0.5), 40)
    res = sweep(q, [3.0, 2.0], lrs, 150, optimizer="momentum")
    assert res.losses.shape == (40, 151)
    for i, lr in enumerate(lrs):
        run = simulate(q, [3.0, 2.0], lr, 150, optimizer="momentum")
        assert run.diverged == res.diverged[i]
        n = len(run.losses)
        np.testing.assert_allclose(res.losses[i, :n], run.losses, rtol=1e-12, atol=1e-300)
        if run.diverged:
            assert res.diverged_at[i] == run.diverged_at
            assert np.all(res.losses[i, n:] == run.losses[-1])  # held, not growing


def test_sweep_best_lr_is_near_the_optimal_fixed_rate():
    q = Quadratic(curvatures=[10.0, 1.0])
    res = sweep(q, [1.0, 1.0], np.linspace(0.01, 0.3, 600), 300)
    # for GD the fastest fixed rate is 2 / (L + mu) = 2/11; the best lr after many steps sits near it
    assert res.best_lr == pytest.approx(optimal_lr(q), rel=0.05)
    assert np.all(res.diverged[res.lrs > 0.2 + 1e-3]) or not res.diverged[res.lrs < 0.2].any()
    assert not res.diverged[res.lrs < 0.2].any()


def test_sweep_with_adam_runs_and_reports_best():
    res = sweep(Rosenbrock(), [-1.5, 2.0], np.logspace(-4, 0, 30), 300, optimizer="adam")
    assert res.best_lr is not None and not res.diverged[res.best_index]


def test_schedule_sets_the_rate_of_each_step():
    sched = lambda t: 0.1 * 0.5 ** (np.asarray(t) // 10)  # noqa: E731 - halve every 10 steps
    run = simulate(SEED_EXAMPLE, 0.0, None, 30, schedule=sched)
    np.testing.assert_allclose(run.lrs, sched(np.arange(30)))
    x = 0.0
    for t in range(30):
        x -= float(sched(t)) * 2 * (x - 2)
    assert run.final_position[0] == pytest.approx(x, rel=1e-12)
    same = simulate(SEED_EXAMPLE, 0.0, sched, 30)
    np.testing.assert_array_equal(same.positions, run.positions)


def test_import_does_not_pull_torch_or_matplotlib():
    code = "import lrlearn, sys; print('torch' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize(
    ("kwargs", "exc", "message"),
    [
        ({"lr": 0.0}, ValueError, r"lr must be > 0"),
        ({"lr": -0.1}, ValueError, r"lr must be > 0 .*got -0.1"),
        ({"lr": float("nan")}, ValueError, "lr must be finite"),
        ({"lr": float("inf")}, ValueError, "lr must be finite"),
        ({"lr": "big"}, TypeError, "lr must be a real number"),
        ({"lr": None}, TypeError, "needs a learning rate"),
        ({"steps": -1}, ValueError, r"steps must be in \[0, 1000000\], got -1"),
        ({"steps": 2.5}, TypeError, "steps must be an integer"),
        ({"steps": True}, TypeError, "steps must be an integer"),
        ({"x0": [0.0, 1.0]}, ValueError, r"x0 must have shape \(1,\)"),
        ({"x0": float("nan")}, ValueError, "x0 must be finite"),
        ({"optimizer": "adamax"}, ValueError, "optimizer must be one of"),
        ({"optimizer": "adam", "betas": (0.9, 1.2)}, ValueError, r"betas\[1\] must be in"),
        ({"optimizer": "momentum", "momentum": 1.0}, ValueError, r"momentum must be in"),
        ({"schedule": lambda t: 0.1}, TypeError, "either as lr or as schedule"),
        ({"lr": lambda t: -0.1 + 0 * np.asarray(t)}, ValueError, "schedule must give"),
    ],
)
def test_simulate_rejects_bad_input_clearly(kwargs, exc, message):
    args = {"landscape": SEED_EXAMPLE, "x0": 0.0, "lr": 0.1, "steps": 10, **kwargs}
    with pytest.raises(exc, match=message):
        simulate(**args)


@pytest.mark.parametrize(
    ("lrs", "message"),
    [([], "non-empty"), ([0.1, 0.0], r"> 0, got 0.0 at index 1"), ([0.1, np.inf], "finite"),
     ([[0.1, 0.2]], "1-D")],
)
def test_sweep_rejects_bad_lrs(lrs, message):
    with pytest.raises(ValueError, match=message):
        sweep(SEED_EXAMPLE, 0.0, lrs, 10)


def test_not_a_landscape():
    with pytest.raises(TypeError, match="landscape must be an lrlearn Landscape"):
        simulate(lambda x: x**2, 0.0, 0.1, 10)
