"""The 2/L threshold and the run classifier, checked against simulation (property tests)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn import DoubleWell, Quadratic, Saddle, simulate
from lrlearn.stability import (
    Verdict,
    classify,
    classify_losses,
    contraction_factors,
    convergence_rate,
    critical_lr,
    optimal_lr,
    steps_to_tolerance,
)

curvature_lists = st.lists(st.floats(0.1, 20.0), min_size=1, max_size=4)


def start_point(curv, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, len(curv)) * rng.choice([-1, 1], len(curv))


@settings(max_examples=60, deadline=None)
@given(curv=curvature_lists, frac=st.floats(0.02, 0.98), seed=st.integers(0, 999))
def test_converges_below_two_over_l_at_the_predicted_rate(curv, frac, seed):
    q = Quadratic(curvatures=curv)
    lr = frac * critical_lr(q)
    rate = convergence_rate(lr, q)
    assert rate < 1
    needed = steps_to_tolerance(lr, q, 1e-8)
    steps = int(min(needed, 4000))
    run = simulate(q, start_point(curv, seed), lr, steps)
    dist = np.linalg.norm(run.positions, axis=1)
    t = np.arange(len(dist))
    # never slower than the predicted worst-case rate ...
    assert np.all(dist <= dist[0] * (rate**t * (1 + 1e-9) + 1e-14))
    if needed <= 4000:  # ... and the predicted number of steps reaches the tolerance
        assert dist[-1] <= 1e-8 * dist[0] * (1 + 1e-6)
        assert classify(run) in (Verdict.CONVERGES, Verdict.OSCILLATES)


@settings(max_examples=60, deadline=None)
@given(curv=curvature_lists, frac=st.floats(1.02, 5.0), seed=st.integers(0, 999))
def test_diverges_above_two_over_l(curv, frac, seed):
    q = Quadratic(curvatures=curv)
    lr = frac * critical_lr(q)
    run = simulate(q, start_point(curv, seed), lr, 400)
    assert classify(run) is Verdict.DIVERGES
    rate = convergence_rate(lr, q)
    assert rate > 1
    # along the stiffest direction the error grows exactly by |1 - lr L| per step
    top = int(np.argmax(curv))
    x = run.positions[:, top]
    np.testing.assert_allclose(np.abs(x[1:] / x[:-1]), abs(1 - lr * max(curv)), rtol=1e-9)


def test_one_dimensional_regimes():
    """f = (x-2)^2, L = 2: monotone below 1/L, oscillating in (1/L, 2/L), diverging above 2/L,
    and too slow when the rate is tiny for the budget."""
    f = Quadratic(curvatures=[2.0], center=[2.0])
    assert critical_lr(f) == 1.0
    assert classify(simulate(f, 0.0, 0.3, 100)) is Verdict.CONVERGES
    assert classify(simulate(f, 0.0, 0.8, 100)) is Verdict.OSCILLATES
    assert classify(simulate(f, 0.0, 1.05, 100)) is Verdict.DIVERGES
    assert classify(simulate(f, 0.0, 1e-3, 100)) is Verdict.TOO_SLOW


def test_closed_forms():
    q = Quadratic(curvatures=[10.0, 1.0])
    assert critical_lr(q) == pytest.approx(0.2)
    assert critical_lr(10.0) == pytest.approx(0.2)  # f(x) = 5 x^2 has curvature 10
    assert optimal_lr(q) == pytest.approx(2 / 11)
    kappa = 10.0
    assert convergence_rate(optimal_lr(q), q) == pytest.approx((kappa - 1) / (kappa + 1))
    np.testing.assert_allclose(contraction_factors(0.15, q), [0.5, 0.85])
    assert steps_to_tolerance(0.25, q) == float("inf")


@settings(max_examples=40, deadline=None)
@given(curv=curvature_lists, lr=st.floats(1e-3, 1.0))
def test_optimal_lr_minimises_the_rate(curv, lr):
    q = Quadratic(curvatures=curv)
    assert convergence_rate(optimal_lr(q), q) <= convergence_rate(lr, q) + 1e-12


def test_double_well_local_minimum_is_a_convergence_not_a_failure():
    w = DoubleWell(tilt=0.3)
    run = simulate(w, 1.6, 0.01, 3000)
    assert classify(run) is Verdict.CONVERGES
    assert run.final_position[0] == pytest.approx(w.minima[1, 0], abs=1e-6)  # the local one


def test_saddle_stall_converges_to_the_saddle_point():
    run = simulate(Saddle(), [-1.8, 0.0], 0.1, 200)  # exactly on y = 0: stays on the saddle
    np.testing.assert_allclose(run.final_position, [0.0, 0.0], atol=1e-8)
    assert classify(run) is Verdict.CONVERGES  # a stationary point is reached: the saddle


def test_classify_losses_reads_curves():
    t = np.arange(200)
    assert classify_losses(np.exp(-0.2 * t)) is Verdict.CONVERGES
    assert classify_losses(np.exp(-0.2 * t) * (1.5 + np.cos(t))) is Verdict.OSCILLATES
    assert classify_losses(np.exp(0.05 * t)) is Verdict.DIVERGES
    assert classify_losses(1 + np.exp(-0.001 * t), min_value=1.0) is Verdict.TOO_SLOW
    assert classify_losses([1.0, np.inf]) is Verdict.DIVERGES
    with pytest.raises(ValueError, match="losses must be a 1-D curve"):
        classify_losses([1.0])


def test_bad_input():
    with pytest.raises(ValueError, match="curvatures must contain only finite numbers > 0"):
        critical_lr([1.0, -2.0])
    with pytest.raises(ValueError, match="lr must be > 0"):
        convergence_rate(0.0, [1.0])
    with pytest.raises(ValueError, match=r"tol must be in \(0.0, 1.0\)"):
        steps_to_tolerance(0.1, [1.0], tol=2.0)
    with pytest.raises(TypeError, match="run must be a Trajectory"):
        classify([1.0, 0.5])
