"""The 2/L threshold and the run classifier, checked against simulation (property tests)."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lrlearn import DoubleWell, Quadratic, Ravine, Rosenbrock, Saddle, simulate
from lrlearn.stability import (
    DEFAULT_TARGET,
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


# --- the run classifier against closed forms -------------------------------------------------
# Gradient descent on f(x) = 1/2 sum_i lambda_i x_i^2 has x_i(t) = rho_i^t x_i(0) with
# rho_i = 1 - lr lambda_i, and loss gap(t) = 1/2 sum_i lambda_i rho_i^(2t) x_i(0)^2. Each case below
# is drawn away from the boundaries between verdicts, and the expected verdict is computed from
# these formulas alone.


def closed_form_gap_ratio(curv, x0, lr, steps):
    lam, x0 = np.asarray(curv), np.asarray(x0)
    rho = 1 - lr * lam
    return float(np.sum(lam * rho ** (2 * steps) * x0**2) / np.sum(lam * x0**2))


steps_st = st.integers(20, 400)


@settings(max_examples=80, deadline=None)
@given(curv=curvature_lists, frac=st.floats(0.02, 0.475), seed=st.integers(0, 999), steps=steps_st)
def test_monotone_regime_is_converging_or_too_slow_as_the_closed_form_says(curv, frac, seed, steps):
    """lr < 1/L (every rho_i in (0, 1)): no direction overshoots, so the verdict is "converging"
    when the closed-form gap ratio is below the target and "too slow" when it is above it."""
    q = Quadratic(curvatures=curv)
    lr = frac * critical_lr(q)  # lr * L = 2 frac <= 0.95
    x0 = start_point(curv, seed)
    ratio = closed_form_gap_ratio(curv, x0, lr, steps)
    assume(not 0.1 * DEFAULT_TARGET < ratio < 10 * DEFAULT_TARGET)
    expected = Verdict.CONVERGES if ratio <= DEFAULT_TARGET else Verdict.TOO_SLOW
    assert classify(simulate(q, x0, lr, steps)) is expected


@settings(max_examples=80, deadline=None)
@given(curv=curvature_lists, frac=st.floats(0.525, 0.95), seed=st.integers(0, 999), steps=steps_st)
def test_overshooting_regime_converges_while_oscillating(curv, frac, seed, steps):
    """1/L < lr < 2/L: the stiffest direction's error flips sign every step (rho < 0); when the
    closed-form gap ratio reaches the target the run is "converging while oscillating", even
    though the loss itself falls at every step."""
    q = Quadratic(curvatures=curv)
    lr = frac * critical_lr(q)
    x0 = start_point(curv, seed)
    ratio = closed_form_gap_ratio(curv, x0, lr, steps)
    assume(ratio < 0.1 * DEFAULT_TARGET)
    run = simulate(q, x0, lr, steps)
    assert classify(run) is Verdict.OSCILLATES
    assert np.all(np.diff(run.losses) <= 1e-12 * run.losses[0])  # the loss never bounces


@settings(max_examples=40, deadline=None)
@given(curv=curvature_lists, seed=st.integers(0, 999), steps=st.integers(20, 300))
def test_exactly_two_over_l_is_a_two_cycle_on_the_edge(curv, seed, steps):
    """lr = 2/L: rho = -1 along the stiffest direction, whose error then flips with constant
    size for ever: neither converging nor diverging."""
    curv = [*curv, max(curv) * 1.5]  # a unique stiffest direction
    q = Quadratic(curvatures=curv)
    x0 = start_point(curv, seed)
    run = simulate(q, x0, critical_lr(q), steps)
    top = run.positions[:, -1]
    np.testing.assert_allclose(np.abs(top), abs(x0[-1]), rtol=1e-9)
    assert classify(run) is Verdict.CYCLES


def test_issue_examples_on_the_stability_explorer_quadratic():
    """Curvatures 4 and 0.5 from (2, 2), 40 steps (notebook 2's explorer)."""
    q = Quadratic(curvatures=[4.0, 0.5])
    x0 = [2.0, 2.0]

    def verdict(lr):
        return classify(simulate(q, x0, lr, 40))

    assert closed_form_gap_ratio([4.0, 0.5], x0, 0.45, 40) < 1e-7  # the loss falls 8 decades
    assert verdict(0.45) is Verdict.OSCILLATES  # 1 - 0.45 * 4 = -0.8
    assert verdict(0.485) is Verdict.OSCILLATES  # -0.94: slow, but still converging
    assert verdict(0.5) is Verdict.CYCLES  # exactly 2 / L
    assert verdict(0.51) is Verdict.DIVERGES
    assert verdict(0.2) is Verdict.CONVERGES  # below 1 / L = 0.25: no overshoot
    assert verdict(0.01) is Verdict.TOO_SLOW


def test_an_overshoot_that_died_out_does_not_hide_a_crawl():
    """Curvatures 10 and 0.01, lr 0.15: the steep direction overshoots (rho = -0.5) and is gone
    within a few steps; the flat one (rho = 0.9985) has most of the loss and crawls."""
    x0 = [0.01, 10.0]
    assert closed_form_gap_ratio([10.0, 0.01], x0, 0.15, 100) > 0.5
    run = simulate(Quadratic(curvatures=[10.0, 0.01]), x0, 0.15, 100)
    assert classify(run) is Verdict.TOO_SLOW


def test_tilted_double_well_cycles_at_a_quarter():
    """f = (x^2 - 1)^2 + 0.3 x at lr 0.25: the curvature at the global minimum (about 8.9) puts
    lr above 2/f'' there, and the run settles into a two-cycle around it that never closes."""
    w = DoubleWell(tilt=0.3)
    x_min = w.minima[0, 0]
    assert 0.25 > 2 / float(w.hessian(x_min)[0, 0])
    run = simulate(w, 1.6, 0.25, 200)
    tail = run.positions[-20:, 0]
    assert np.ptp(tail[::2]) < 1e-6 and np.ptp(tail[1::2]) < 1e-6  # period two
    assert abs(tail[0] - tail[1]) > 0.1  # ... of a visible size
    assert classify(run) is Verdict.CYCLES
    assert classify(simulate(w, 1.6, 0.05, 400)) is Verdict.CONVERGES


def test_named_landscapes():
    ravine = Ravine()  # curvatures 25 and 1: 1/L = 0.04, 2/L = 0.08
    assert classify(simulate(ravine, [-3.0, 2.5], 0.03, 300)) is Verdict.CONVERGES
    assert classify(simulate(ravine, [-3.0, 2.5], 0.06, 300)) is Verdict.OSCILLATES
    assert classify(simulate(ravine, [-3.0, 2.5], 0.08, 300)) is Verdict.CYCLES
    assert classify(simulate(ravine, [-3.0, 2.5], 0.09, 300)) is Verdict.DIVERGES
    rosen = Rosenbrock()
    assert classify(simulate(rosen, [-1.5, 2.0], 1e-4, 3000)) is Verdict.TOO_SLOW
    assert classify(simulate(rosen, [-1.5, 2.0], 1e-3, 3000)) is Verdict.CONVERGES


def test_momentum_spirals_are_oscillation():
    """Heavy-ball momentum 0.9 on a quadratic has complex multipliers: the error spirals
    through zero many times while converging."""
    q = Quadratic(curvatures=[1.0])
    run = simulate(q, [1.0], 0.1, 400, "sgd", momentum=0.9)
    assert classify(run) is Verdict.OSCILLATES


def test_classify_losses_cycles_and_floors():
    t = np.arange(200)
    bouncing = 1.5 - 0.5 * (t % 2)  # a loss that flips between two values for ever
    assert classify_losses(bouncing) is Verdict.CYCLES
    assert classify_losses(np.exp(-0.001 * t) * (1 + 0.1 * (t % 2))) is Verdict.OSCILLATES
    with pytest.raises(ValueError, match="min_value must be <= the lowest loss"):
        classify_losses(np.exp(-0.2 * t), min_value=0.5)
    for bad in (-0.1, 0.0, 1.0, float("nan")):
        with pytest.raises(ValueError, match="target"):
            classify_losses(np.exp(-0.2 * t), target=bad)
