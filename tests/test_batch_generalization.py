"""Sharpness by power iteration (against exact Hessians) and the small- vs large-batch comparison."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn import data
from lrlearn.batch import generalization, sharpness
from lrlearn.problems import MLP, LeastSquares, Problem, SoftmaxRegression

DIGITS = data.digits()


def tiny_digits(n=60, every=8):
    d = DIGITS
    return data.Dataset(d.X_train[:n, ::every], d.y_train[:n], d.X_test[:n, ::every],
                        d.y_test[:n], 10, "tiny digits")


def test_sharpness_equals_top_eigenvalue_of_exact_hessians():
    ls = LeastSquares(data.linear_regression(n_train=200, n_features=6, condition=50, seed=0))
    top = np.linalg.eigvalsh(ls.hessian())[-1]
    assert sharpness(ls, ls.init_params(), iters=500, tol=1e-12) == pytest.approx(top, rel=1e-6)
    sm = SoftmaxRegression(tiny_digits(), l2=0.01)
    w = np.random.default_rng(0).normal(0, 0.5, sm.n_params)
    top = np.linalg.eigvalsh(sm.hessian(w))[-1]
    assert sharpness(sm, w, iters=2000, tol=1e-12) == pytest.approx(top, rel=1e-4)


def test_sharpness_on_a_tiny_mlp_with_negative_curvature():
    """Away from a minimum the Hessian is indefinite; the result is still the top eigenvalue."""
    m = MLP(tiny_digits(n=40, every=16), hidden=3)
    p = m.init_params(seed=2) * 3
    eig = np.linalg.eigvalsh(Problem.hessian(m, p))
    assert eig[0] < 0  # indefinite here
    assert sharpness(m, p, iters=5000, tol=1e-12) == pytest.approx(eig[-1], rel=1e-3)


def test_sharpness_prefers_the_top_eigenvalue_when_a_negative_one_dominates():
    class Indefinite(LeastSquares):
        def _hvp(self, params, v, X, y, eps):
            return np.array([-5.0, 1.0, 2.0]) * v

    prob = Indefinite(data.linear_regression(n_train=10, n_features=3, seed=0))
    assert sharpness(prob, np.zeros(3), iters=2000, tol=1e-14) == pytest.approx(2.0, rel=1e-6)


@pytest.fixture(scope="module")
def small_run():
    mlp = MLP(DIGITS, hidden=8)
    return generalization(mlp, small_batch=16, fast=True, target_loss=0.5, progress=False)


def test_generalization_three_comparisons(small_run):
    r = small_run
    N = 1797 - 449
    assert r.reached.all() and r.batch_sizes.tolist() == [16, N]
    # equal training loss: both at (just below) the target
    assert np.all(r.train_loss[0] <= r.target_loss)
    assert np.all(r.train_loss[0] > 0.8 * r.target_loss)
    # equal epochs: the large batch gets the small batch's epochs (to a whole step)
    assert abs(r.epochs[1, 1] - r.epochs[1, 0]) <= 1.0
    # equal steps: the small batch gets the large batch's steps
    assert r.steps[2, 0] == r.steps[2, 1] == r.steps[0, 1]
    # so with equal epochs the large batch lags, with equal steps the small one does
    assert r.train_loss[1, 1] > r.train_loss[1, 0]
    assert r.train_loss[2, 0] > r.train_loss[2, 1]
    assert np.all((r.test_accuracy >= 0) & (r.test_accuracy <= 1))
    assert np.all(np.isfinite(r.sharpness)) and np.all(r.sharpness > 0)
    rows = r.table()
    assert len(rows) == 6 and rows[0]["setting"] == "equal training loss"
    assert len(r.plot().axes) == 3


def test_generalization_numbers_are_reproducible(small_run):
    """The reported test accuracy is that of the parameters a plain replay reaches."""
    from lrlearn.batch._common import train

    mlp = MLP(DIGITS, hidden=8)
    s = int(small_run.steps[0, 0])
    params = train(mlp, 16, np.array([small_run.lrs[0]]), s, np.array([0, s])).params[0]
    assert mlp.accuracy(params, "test") == small_run.test_accuracy[0, 0]
    assert mlp.loss(params) == pytest.approx(small_run.train_loss[0, 0], rel=1e-12)


def test_target_not_reached_is_reported():
    mlp = MLP(tiny_digits(), hidden=4)
    r = generalization(mlp, small_batch=4, target_loss=1e-4, max_epochs=2, fast=True,
                       progress=False)
    assert not r.reached.any()
    assert np.all(np.isnan(r.test_accuracy)) and np.all(np.isnan(r.sharpness))
    r.plot()


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"small_batch": 0}, ValueError, "small_batch"),
        ({"small_batch": 2.0}, TypeError, "small_batch"),
        ({"large_batch": 10_000}, ValueError, "large_batch"),
        ({"small_batch": 32, "large_batch": 16}, ValueError, "large_batch must exceed"),
        ({"small_lr": -0.1}, ValueError, "small_lr"),
        ({"target_loss": 0.0}, ValueError, "target_loss"),
        ({"max_epochs": 0}, ValueError, "max_epochs"),
    ],
)
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        generalization(MLP(tiny_digits(), hidden=2), **kwargs, progress=False)


def test_regression_problem_is_refused():
    ls = LeastSquares(data.linear_regression(n_train=10, n_features=2))
    with pytest.raises(TypeError, match="classifier"):
        generalization(ls, progress=False)
    with pytest.raises(ValueError, match="params must have shape"):
        sharpness(ls, np.zeros(5))
