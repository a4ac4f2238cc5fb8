"""Steps to target vs batch size (Shallue et al.), the S-E trade-off fit and the gradient noise
scale (McCandlish et al.)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn import data
from lrlearn.batch import fit_tradeoff, gradient_noise_scale, steps_to_target
from lrlearn.problems import LeastSquares, SoftmaxRegression

DIGITS = SoftmaxRegression(data.digits())


@pytest.fixture(scope="module")
def fast_steps():
    return steps_to_target(DIGITS, fast=True, progress=False)


def test_steps_fall_with_batch_size_then_plateau(fast_steps):
    r = fast_steps
    assert r.reached.all()
    # tuned over lr and momentum, a larger batch never needs more steps
    assert np.all(np.diff(r.steps) <= 0), r.steps
    # perfect scaling at the small end: 4x the batch saves at least 2.5x the steps ...
    assert r.steps[0] / r.steps[1] > 2.5
    # ... and a plateau at the large end: the last 4x saves less than 1.5x
    assert r.steps[-3] / r.steps[-2] < 1.5
    regions = r.regions()
    assert regions[0] == "perfect scaling" and regions[-1] == "plateau"
    assert "diminishing returns" in regions
    assert r.examples.tolist() == (r.steps * r.batch_sizes).tolist()
    # the (effective) tuned learning rate grows with the batch size
    assert r.best_effective_lr[-1] > 10 * r.best_effective_lr[0]
    assert 1 < r.critical_batch < DIGITS.n_examples
    assert r.s_min <= r.steps.min() * 1.5 and r.s_min > 0


def test_best_settings_really_reach_the_target(fast_steps):
    """Replay the winning (lr, momentum) at one batch size with plain code: same target, same
    number of steps (up to the check grid)."""
    from lrlearn.batch._common import BatchStream
    from lrlearn.optimizers import SGD

    r = fast_steps
    i = 2
    b, lr, m, s = int(r.batch_sizes[i]), r.best_lr[i], r.best_momentum[i], int(r.steps[i])
    opt = SGD(lr=lr, momentum=m)
    params = DIGITS.init_params()
    state = opt.init(params)
    stream = BatchStream(DIGITS.n_examples, b, np.random.default_rng(1))
    losses = [DIGITS.loss(params)]
    for _ in range(s):
        params, state = opt.step(params, DIGITS.loss_and_grad(params, stream.next())[1], state)
        losses.append(DIGITS.loss(params))
    assert losses[s] <= r.target
    first = int(np.argmax(np.array(losses) <= r.target))
    assert s / r.check_ratio - 1 <= first <= s


@settings(max_examples=25, deadline=None)
@given(s_min=st.floats(1, 1e3), b_crit=st.floats(1, 1e4))
def test_fit_tradeoff_recovers_exact_curves(s_min, b_crit):
    B = np.array([1, 2, 4, 16, 64, 256, 1024])
    S = s_min * (1 + b_crit / B)
    fs, fe = fit_tradeoff(B, S)
    assert fs == pytest.approx(s_min, rel=1e-6)
    assert fe / fs == pytest.approx(b_crit, rel=1e-6)
    # (S/S_min - 1)(E/E_min - 1) = 1 along the curve
    E = B * S
    np.testing.assert_allclose((S / fs - 1) * (E / fe - 1), 1.0, rtol=1e-5)


def test_fit_tradeoff_degenerate_cases():
    assert np.isnan(fit_tradeoff([1, 2], [np.inf, 5])[0])
    assert np.isnan(fit_tradeoff([1, 2, 4], [10, 20, 40])[0])  # steps growing with B: no fit


def test_target_never_reached_is_a_result():
    r = steps_to_target(DIGITS, [1, 16], target=1e-6, max_steps=30, lrs=[0.1, 1.0],
                        progress=False)
    assert not r.reached.any() and np.all(np.isinf(r.steps))
    assert np.all(np.isnan(r.best_lr)) and np.isnan(r.critical_batch)
    assert r.regions() == ["not reached", "not reached"]
    r.plot()
    with pytest.raises(ValueError, match="no batch size reached the target"):
        gradient_noise_scale(DIGITS, steps_result=r, progress=False)


def test_least_squares_steps_to_the_closed_form_optimum():
    ls = LeastSquares(data.linear_regression(n_train=256, n_features=5, noise=0.3, seed=3))
    best = ls.loss(ls.optimum())
    r = steps_to_target(ls, [1, 16, 256], target=best * 1.01, lrs=np.geomspace(0.01, 1.5, 12),
                        momenta=[0.0], max_steps=3000, progress=False)
    assert r.reached.all() and np.all(np.diff(r.steps) <= 0)
    # full batch: the tuned rate respects the 2/L stability limit of gradient descent
    lam = np.linalg.eigvalsh(ls.hessian())
    assert r.best_lr[-1] < 2 / lam.max()


def test_accuracy_metric():
    r = steps_to_target(DIGITS, [64, DIGITS.n_examples], metric="accuracy", target=0.9,
                        lrs=[0.5, 2.0], momenta=[0.9], max_steps=200, progress=False)
    assert r.reached.all() and r.metric == "accuracy"
    with pytest.raises(ValueError, match="metric='loss'"):
        gradient_noise_scale(DIGITS, steps_result=r, progress=False)
    ls = LeastSquares(data.linear_regression(n_train=16, n_features=2))
    with pytest.raises(ValueError, match="measured on 'softmax regression'"):
        gradient_noise_scale(ls, steps_result=steps_to_target(DIGITS, [1, 2], max_steps=5,
                                                              lrs=[0.1], progress=False))
    with pytest.raises(TypeError, match="StepsToTargetResult"):
        gradient_noise_scale(DIGITS, steps_result={"steps": [1]}, progress=False)


def test_noise_scale_during_training(fast_steps):
    r = gradient_noise_scale(DIGITS, steps_result=fast_steps, fast=True, progress=False)
    assert np.all(np.isfinite(r.b_simple)) and np.all(r.b_simple > 0)
    np.testing.assert_allclose(r.b_simple, r.trace / r.grad_norm2)
    # B_simple grows as the loss falls
    half = len(r.b_simple) // 2
    assert np.exp(np.log(r.b_simple[half:]).mean()) > np.exp(np.log(r.b_simple[:half]).mean())
    assert r.losses[-1] < r.losses[0]
    assert np.isfinite(r.b_simple_at_target) and r.b_simple_at_target > 0
    assert r.ratio == pytest.approx(r.critical_batch / r.b_simple_at_target)
    # with the exact Hessian, McCandlish's B_noise is of the same order as B_simple
    assert 0.2 < r.b_noise_at_target / r.b_simple_at_target < 5
    assert 0.05 < r.ratio < 20  # the same order of magnitude, as McCandlish et al. report
    assert r.batch_size in fast_steps.batch_sizes
    fig = r.plot()
    assert len(fig.axes) == 3


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"batch_sizes": [0, 4]}, ValueError, r"batch_sizes\[0\]"),
        ({"batch_sizes": [4, 2000]}, ValueError, r"batch_sizes\[1\] must be in \[1, 1348\]"),
        ({"batch_sizes": [1.5]}, TypeError, "integer"),
        ({"metric": "f1"}, ValueError, "metric"),
        ({"metric": "accuracy", "target": 1.5}, ValueError, "target"),
        ({"target": -1.0}, ValueError, "target"),
        ({"momenta": [1.0]}, ValueError, r"momenta\[0\]"),
        ({"lrs": [0.1, -1.0]}, ValueError, "lrs"),
        ({"max_steps": 0}, ValueError, "max_steps"),
        ({"check_ratio": 1.0}, ValueError, "check_ratio"),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        steps_to_target(DIGITS, **{"batch_sizes": [1, 4], **kwargs}, progress=False)
