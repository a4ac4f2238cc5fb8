"""lrlearn.data: the digits split and the generated problems with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn import data


def test_digits_split_is_seeded_disjoint_and_complete():
    d = data.digits()
    assert d.X_train.shape[1] == d.n_features == 64
    assert len(d.y_train) + len(d.y_test) == 1797
    assert len(d.y_test) == round(0.25 * 1797)
    assert d.X_train.min() >= 0.0 and d.X_train.max() <= 1.0
    assert set(np.unique(d.y_train)) == set(range(10))
    again = data.digits(seed=0)
    np.testing.assert_array_equal(again.X_train, d.X_train)
    other = data.digits(seed=1)
    assert not np.array_equal(other.y_train, d.y_train)
    # train and test rows are distinct rows of the original data: together they are all of it
    from sklearn.datasets import load_digits

    X = load_digits().data / 16.0
    both = np.vstack([d.X_train, d.X_test])
    assert np.array_equal(np.sort(both.view([("", float)] * 64), axis=0),
                          np.sort(X.view([("", float)] * 64), axis=0))


def test_linear_regression_noise_and_truth():
    d = data.linear_regression(n_train=20_000, n_test=100, n_features=5, noise=0.7, seed=3)
    assert d.is_regression and d.n_classes == 0 and d.coef.shape == (5,)
    resid = d.y_train - d.X_train @ d.coef
    # sample std of 20,000 N(0, 0.7^2) draws: relative standard error 1/sqrt(2n) = 0.5 %
    assert abs(resid.std() / 0.7 - 1) < 0.02
    # independent of X (least squares on the residual finds nothing)
    assert np.abs(np.linalg.lstsq(d.X_train, resid, rcond=None)[0]).max() < 0.03
    assert d.noise == 0.7


def test_linear_regression_condition_number():
    d = data.linear_regression(n_train=50_000, n_test=1, n_features=6, condition=100.0)
    eig = np.linalg.eigvalsh(d.X_train.T @ d.X_train / len(d.X_train))
    assert eig.max() / eig.min() == pytest.approx(100.0, rel=0.1)


def test_logistic_regression_bayes_error():
    d = data.logistic_regression(n_train=100, n_test=40_000, n_features=4, scale=2.0, seed=1)
    assert d.n_classes == 2 and set(np.unique(d.y_test)) == {0, 1}
    assert np.linalg.norm(d.coef) == pytest.approx(2.0)
    bayes_acc = np.mean((d.X_test @ d.coef > 0) == d.y_test)
    # the Bayes classifier errs at rate `noise`; binomial standard error is about 0.0023
    assert bayes_acc == pytest.approx(1 - d.noise, abs=0.01)
    assert 0.05 < d.noise < 0.5


def test_generated_data_is_seeded():
    a, b = data.linear_regression(seed=5), data.linear_regression(seed=5)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.coef, data.linear_regression(seed=6).coef)
    c = data.logistic_regression(seed=2)
    np.testing.assert_array_equal(c.y_train, data.logistic_regression(seed=2).y_train)
    assert "regression" in repr(a) and "2 classes" in repr(c)


@pytest.mark.parametrize(
    ("fn", "kwargs", "exc", "match"),
    [
        (data.linear_regression, {"n_train": 0}, ValueError, "n_train"),
        (data.linear_regression, {"n_train": 2.5}, TypeError, "n_train"),
        (data.linear_regression, {"noise": -1.0}, ValueError, "noise"),
        (data.linear_regression, {"condition": 0.5}, ValueError, "condition"),
        (data.linear_regression, {"n_features": 0}, ValueError, "n_features"),
        (data.logistic_regression, {"scale": -1.0}, ValueError, "scale"),
        (data.logistic_regression, {"seed": -1}, ValueError, "seed"),
        (data.digits, {"test_fraction": 0.0}, ValueError, "test_fraction"),
        (data.digits, {"test_fraction": 1.0}, ValueError, "test_fraction"),
    ],
)
def test_bad_input(fn, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(**kwargs)
