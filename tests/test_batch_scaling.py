"""SGD vs minibatch vs full batch, and the linear scaling rule with warmup (Goyal et al.)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn import data
from lrlearn.batch import compare_regimes, linear_scaling
from lrlearn.batch._common import BatchStream, geometric_checkpoints, train
from lrlearn.problems import LeastSquares, SoftmaxRegression

DIGITS = SoftmaxRegression(data.digits())


def test_regimes_per_step_vs_per_epoch():
    r = compare_regimes(DIGITS, fast=True, progress=False)
    sgd, full = 0, len(r.batch_sizes) - 1
    assert r.batch_sizes[full] == DIGITS.n_examples and r.batch_sizes[sgd] == 1

    def loss_at(i, axis, x):
        return float(np.interp(x, axis[i], r.losses[i]))

    # per update, full batch (the exact gradient) is ahead of SGD ...
    assert loss_at(full, r.steps, 60) < loss_at(sgd, r.steps, 60)
    # ... per epoch (the same gradient computations), SGD is far ahead
    assert loss_at(sgd, r.epochs, 1.0) < 0.5 * loss_at(full, r.epochs, 1.0)
    for i, b in enumerate(r.batch_sizes):
        np.testing.assert_allclose(r.epochs[i], r.steps[i] * b / DIGITS.n_examples)
        np.testing.assert_array_equal(r.examples[i], r.steps[i] * b)
        assert r.losses[i][0] == pytest.approx(np.log(10))
    assert len(r.plot().axes) == 3


def test_regimes_divergence_is_a_result():
    ls = LeastSquares(data.linear_regression(n_train=100, n_features=4, seed=0))
    r = compare_regimes(ls, [1, 100], lr=[0.01, 50.0], steps=50, epochs=1, progress=False)
    assert r.diverged_at[0] is None and r.diverged_at[1] is not None
    assert all(np.all(np.isfinite(loss)) for loss in r.losses)
    r.plot()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 40), data_=st.data())
def test_batch_stream_is_an_epoch_wise_permutation(n, data_):
    """n batches of size b are b whole epochs, each a permutation of the examples."""
    b = data_.draw(st.integers(1, n - 1))
    s = BatchStream(n, b, np.random.default_rng(n))
    batches = [s.next() for _ in range(n)]
    assert all(len(x) == b for x in batches)
    for epoch in np.concatenate(batches).reshape(b, n):
        assert sorted(epoch) == list(range(n))
    assert BatchStream(n, n, np.random.default_rng(0)).next() is None


def test_one_example_problems_run():
    ls = LeastSquares(data.linear_regression(n_train=1, n_features=2))
    r = compare_regimes(ls, progress=False)
    assert r.batch_sizes.tolist() == [1] and np.isfinite(r.losses[0]).all()
    assert linear_scaling(ls, base_batch=1, progress=False).factors.tolist() == [1]


def test_train_matches_optimizer_loop_and_stacks_runs():
    """Two learning rates at once equal two separate runs on the same minibatches."""
    ls = LeastSquares(data.linear_regression(n_train=64, n_features=3, seed=5))
    ev = geometric_checkpoints(40, 1.1)
    both = train(ls, 8, np.array([0.05, 0.2]), 40, ev, momentum=0.5)
    for r, lr in enumerate((0.05, 0.2)):
        one = train(ls, 8, np.array([lr]), 40, ev, momentum=0.5)
        np.testing.assert_allclose(both.losses[r], one.losses[0], rtol=1e-12)
        np.testing.assert_allclose(both.params[r], one.params[0], rtol=1e-12)


def test_linear_scaling_holds_then_breaks_and_warmup_moves_the_break():
    r = linear_scaling(DIGITS, fast=True, progress=False)
    np.testing.assert_array_equal(r.batch_sizes, r.factors * r.base_batch)
    np.testing.assert_allclose(r.lrs, r.factors * r.base_lr)
    assert r.holds[0] and r.holds[1]  # k = 1 trivially; k = 4 matches the base run
    assert r.break_factor is not None and not r.holds[-1]
    assert r.break_factor_warmup is None or r.break_factor_warmup >= r.break_factor
    # at the largest k the constant rate diverges; the warmed-up run does not (or less badly)
    assert np.isinf(r.final_loss[-1]) and r.final_loss_warmup[-1] < r.final_loss[-1]
    # k = 1 with warmup is the same run (the ramp starts and ends at lr0)
    np.testing.assert_allclose(r.losses[0], r.losses_warmup[0])
    # curves are on a shared epoch grid and never show NaN on a plot
    assert r.losses.shape == (len(r.factors), len(r.epochs_seen))
    fig = r.plot()
    for ax in fig.axes:
        for line in ax.get_lines():
            assert np.all(np.isfinite(line.get_ydata()))


def test_linear_scaling_small_lr_curves_coincide():
    """For a small learning rate, k steps of B0 equal one step of k B0 at k lr0 to first order:
    the loss curves against examples seen agree closely."""
    ls = LeastSquares(data.linear_regression(n_train=256, n_features=4, noise=0.1, seed=1))
    r = linear_scaling(ls, base_batch=4, base_lr=0.002, factors=[1, 2, 4, 8], momentum=0.0,
                       epochs=4, warmup_epochs=1, progress=False)
    assert r.holds.all() and r.break_factor is None
    np.testing.assert_allclose(r.losses[1:], np.broadcast_to(r.losses[0], r.losses[1:].shape),
                               rtol=0.05)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"factors": [2, 4]}, ValueError, "start at 1"),
        ({"factors": [1, 4, 2]}, ValueError, "increase"),
        ({"factors": []}, ValueError, "non-empty"),
        ({"factors": [1, 1.5]}, TypeError, r"factors\[1\]"),
        ({"factors": [1, 1000]}, ValueError, "base_batch"),
        ({"base_batch": 0}, ValueError, "base_batch"),
        ({"base_lr": 0.0}, ValueError, "base_lr"),
        ({"epochs": 1.0, "warmup_epochs": 2.0}, ValueError, "warmup_epochs"),
        ({"momentum": 1.0}, ValueError, "momentum"),
    ],
)
def test_linear_scaling_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        linear_scaling(DIGITS, **kwargs, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"batch_sizes": [1, 0]}, ValueError, r"batch_sizes\[1\]"),
        ({"lr": [0.1, 0.2]}, ValueError, "one per batch size"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"steps": 0}, ValueError, "steps"),
        ({"epochs": 0.0}, ValueError, "epochs"),
    ],
)
def test_regimes_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        compare_regimes(DIGITS, **kwargs, progress=False)


@settings(max_examples=50, deadline=None)
@given(max_steps=st.integers(1, 5000), ratio=st.floats(1.001, 2.0))
def test_geometric_checkpoints(max_steps, ratio):
    from lrlearn.batch._common import geometric_checkpoints

    pts = geometric_checkpoints(max_steps, ratio)
    assert pts[0] == 0 and pts[-1] == max_steps and np.all(np.diff(pts) > 0)
    # no gap grows faster than the ratio (plus rounding): a target is overshot by at most that
    gaps_ok = pts[2:] <= np.ceil(pts[1:-1] * ratio) + 1
    assert gaps_ok.all()
