"""Gradient noise vs batch size: measured variance against sigma^2/B and the finite-population
formula; the formulas themselves against exhaustive enumeration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from lrlearn import data
from lrlearn.batch import gradient_noise, noise_scale_at
from lrlearn.problems import LeastSquares, SoftmaxRegression

DIGITS = SoftmaxRegression(data.digits())


def test_measured_variance_matches_formulas_on_digits():
    r = gradient_noise(DIGITS, fast=True, progress=False)
    N = DIGITS.n_examples
    assert r.batch_sizes[0] == 1 and r.batch_sizes[-1] == N
    # tr(Sigma) from numpy's population covariance of the per-example gradients
    G = DIGITS.per_example_grads(DIGITS.init_params())
    assert r.trace == pytest.approx(np.trace(np.cov(G.T, bias=True)), rel=1e-10)
    # each measurement is a mean of n_draws i.i.d. squared norms: the z-score is ~ N(0, 1)
    assert np.all(np.abs(r.z_with) < 4), r.z_with
    assert np.all(np.abs(r.z_without) < 4), r.z_without
    # and the standard errors are small enough for that to mean something (a few percent)
    assert np.all(r.stderr_with[:-1] / r.predicted_with[:-1] < 0.1)
    # without replacement, the whole data set has no sampling noise at all
    assert r.variance_without[-1] == 0.0 and r.predicted_without[-1] == 0.0
    # with replacement it keeps sigma^2 / N
    assert r.variance_with[-1] == pytest.approx(r.trace / N, rel=0.2)


def test_noise_halves_when_the_batch_doubles_on_generated_regression():
    ls = LeastSquares(data.linear_regression(n_train=400, n_features=8, noise=1.0, seed=2))
    r = gradient_noise(ls, [1, 2, 4, 8, 400], params=ls.optimum(), n_draws=3000, progress=False)
    ratios = r.variance_with[:-2] / r.variance_with[1:-1]
    np.testing.assert_allclose(ratios, 2.0, rtol=0.15)
    assert np.all(np.abs(r.z_with) < 4) and np.all(np.abs(r.z_without) < 4)
    assert r.grad_norm2 < 1e-20  # at the closed-form optimum the full gradient vanishes


@pytest.mark.parametrize(("N", "B"), [(6, 1), (6, 2), (6, 3), (7, 4), (5, 5)])
def test_formulas_by_exhaustive_enumeration(N, B):
    """Average |mean_S g - G|^2 over every subset (without) / every sequence (with replacement)."""
    g = np.random.default_rng(N * 10 + B).normal(size=(N, 3))
    G = g.mean(0)
    sigma2 = np.mean(np.sum((g - G) ** 2, axis=1))
    without = np.mean([np.sum((g[list(S)].mean(0) - G) ** 2)
                       for S in itertools.combinations(range(N), B)])
    with_ = np.mean([np.sum((g[list(S)].mean(0) - G) ** 2)
                     for S in itertools.product(range(N), repeat=B)])
    assert without == pytest.approx(sigma2 / B * (N - B) / (N - 1), abs=1e-12)
    assert with_ == pytest.approx(sigma2 / B, rel=1e-12)


def test_noise_scale_at_matches_covariance():
    ls = LeastSquares(data.linear_regression(n_train=50, n_features=3, seed=4))
    w = np.array([0.3, -0.2, 0.1])
    tr, g2 = noise_scale_at(ls, w)
    G = ls.per_example_grads(w)
    assert tr == pytest.approx(np.trace(np.cov(G.T, bias=True)), rel=1e-12)
    assert g2 == pytest.approx(np.sum(ls.loss_and_grad(w)[1] ** 2), rel=1e-12)


def test_a_single_example_has_no_noise():
    ls = LeastSquares(data.linear_regression(n_train=1, n_features=2))
    r = gradient_noise(ls, progress=False)
    assert r.batch_sizes.tolist() == [1] and r.trace == 0.0
    assert r.variance_with[0] == r.variance_without[0] == r.predicted_without[0] == 0.0
    assert r.z_with[0] == 0.0


def test_plot_has_no_nan():
    ls = LeastSquares(data.linear_regression(n_train=64, n_features=3, seed=1))
    r = gradient_noise(ls, [1, 4, 16, 64], n_draws=50, progress=False)
    fig = r.plot()
    for line in fig.axes[0].get_lines():
        assert np.all(np.isfinite(line.get_ydata()))
    assert fig.get_layout_engine() is not None


@pytest.mark.parametrize(
    ("sizes", "exc", "match"),
    [
        ([0], ValueError, r"batch_sizes\[0\] must be in \[1, 64\], got 0"),
        ([-2], ValueError, r"batch_sizes\[0\]"),
        ([1, 65], ValueError, r"batch_sizes\[1\] must be in \[1, 64\], got 65"),
        ([2.5], TypeError, r"batch_sizes\[0\] must be an integer"),
        ([], ValueError, "at least one batch size"),
        ([4, 2], ValueError, "strictly increasing"),
        ("16", TypeError, "sequence of integers"),
    ],
)
def test_bad_batch_sizes(sizes, exc, match):
    ls = LeastSquares(data.linear_regression(n_train=64, n_features=3, seed=1))
    with pytest.raises(exc, match=match):
        gradient_noise(ls, sizes, progress=False)


def test_other_bad_input():
    ls = LeastSquares(data.linear_regression(n_train=64, n_features=3, seed=1))
    with pytest.raises(ValueError, match="n_draws"):
        gradient_noise(ls, [1], n_draws=1, progress=False)
    with pytest.raises(TypeError, match="problem must be"):
        gradient_noise("digits", progress=False)
    with pytest.raises(ValueError, match="params must have shape"):
        gradient_noise(ls, [1], params=np.zeros(5), progress=False)


def test_b_noise_reduces_to_b_simple_when_the_hessian_is_isotropic():
    from lrlearn.batch import b_noise_at
    from lrlearn.problems import MLP

    rng = np.random.default_rng(0)
    n, d = 40, 3
    Q = np.linalg.qr(rng.normal(size=(n, d)))[0] * np.sqrt(n)  # X^T X / n = I exactly
    y = rng.normal(size=n)
    ls = LeastSquares(data.Dataset(Q, y, Q[:2], y[:2], 0, "isotropic"))
    w = np.array([0.5, -1.0, 0.2])
    tr, g2 = noise_scale_at(ls, w)
    assert b_noise_at(ls, w) == pytest.approx(tr / g2, rel=1e-10)
    # and in general it is tr(H Sigma) / (G^T H G) with H = X^T X / n
    ls2 = LeastSquares(data.linear_regression(n_train=60, n_features=3, condition=20, seed=3))
    G_i = ls2.per_example_grads(w)
    G, H = G_i.mean(0), ls2.data.X_train.T @ ls2.data.X_train / 60
    expected = np.trace(H @ np.cov(G_i.T, bias=True)) / (G @ H @ G)
    assert b_noise_at(ls2, w) == pytest.approx(expected, rel=1e-10)
    mlp = MLP(data.digits(), hidden=2)
    assert np.isnan(b_noise_at(mlp, mlp.init_params()))
