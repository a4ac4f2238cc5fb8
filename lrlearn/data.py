"""Offline data sets: scikit-learn's bundled handwritten digits (no download), split with a fixed
seed, and generated regression / classification problems whose optimum and noise are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import _checks

__all__ = ["Dataset", "Synthetic", "digits", "linear_regression", "logistic_regression"]


@dataclass(frozen=True)
class Dataset:
    """A train/test split. ``X`` are float64 features; ``y`` are int64 class labels, or float64
    targets for a regression data set (then ``n_classes == 0``)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str = "dataset"

    def __post_init__(self) -> None:
        # checked once here, so every problem built on a data set can trust it
        n_classes = _checks.integer("n_classes", self.n_classes, minimum=0)
        _checks.string("name", self.name, empty=True)
        X = _checks.array("X_train", self.X_train, ndim=2, min_size=0)
        if X.shape[1] == 0:
            raise ValueError(f"X_train must have at least one feature, got shape {X.shape}")
        d = X.shape[1]
        Xt = _checks.array("X_test", self.X_test, min_size=0)
        if Xt.size == 0:
            Xt = Xt.reshape(0, d)
        if Xt.ndim != 2 or Xt.shape[1] != d:
            raise ValueError(
                f"X_test must have shape (n, {d}) like X_train, got shape {Xt.shape}"
            )
        for split, feats in (("train", X), ("test", Xt)):
            name, labels = f"y_{split}", getattr(self, f"y_{split}")
            if n_classes:
                y = _checks.labels(name, labels, n_classes, length=len(feats)) if len(feats) else (
                    np.zeros(0, dtype=np.int64)
                )
            else:
                y = _checks.array(name, labels, ndim=1, min_size=0)
                if len(y) != len(feats):
                    raise ValueError(
                        f"{name} must have {len(feats)} targets (one per row of X_{split}), got "
                        f"{len(y)}"
                    )
            if not isinstance(labels, np.ndarray) or labels.dtype != y.dtype:
                object.__setattr__(self, name, y)
        for name, arr in (("X_train", X), ("X_test", Xt)):
            if not isinstance(getattr(self, name), np.ndarray) or getattr(self, name).shape != arr.shape:
                object.__setattr__(self, name, arr)
        object.__setattr__(self, "n_classes", n_classes)

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def is_regression(self) -> bool:
        return self.n_classes == 0

    def __repr__(self) -> str:
        kind = "regression" if self.is_regression else f"{self.n_classes} classes"
        return (
            f"Dataset({self.name!r}: {len(self.y_train)} train, {len(self.y_test)} test, "
            f"{self.n_features} features, {kind})"
        )


@dataclass(frozen=True, repr=False)
class Synthetic(Dataset):
    """A generated data set with its ground truth.

    ``coef``: the true weights (no intercept). ``noise``: for linear regression the standard
    deviation of the Gaussian noise added to ``X @ coef``; for logistic regression the Bayes
    error rate E[min(p, 1 - p)], p = sigmoid(x . coef), averaged over the generated examples (the
    error of the best possible classifier, so test accuracy cannot beat ``1 - noise`` on average).
    """

    coef: np.ndarray = None  # type: ignore[assignment]
    noise: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.coef is not None:
            _checks.array("coef", self.coef, shape=(self.n_features,))
        _checks.non_negative("noise", self.noise)


N_DIGITS = 1797  # examples in scikit-learn's digits
MIN_SPLIT = 10  # the fewest examples digits() puts in either split
MAX_EXAMPLES = 10**6  # per split, for generated data
MAX_FEATURES = 10**4
MAX_VALUES = 5 * 10**7  # examples x features of one generated data set


def _readonly(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


@lru_cache(maxsize=8)
def _digits_split(test_fraction: float, seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.float64) / 16.0  # pixel intensities 0..16 -> [0, 1]
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    _readonly(X, y)
    return Dataset(X[train], y[train], X[test], y[test], n_classes=10, name="digits")


def digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 1,797 8x8 handwritten digits that ship with scikit-learn, scaled to [0, 1] and split
    into train and test at random with ``seed`` (same seed, same split). 64 features, 10 classes.
    """
    # at least MIN_SPLIT examples on each side: a split of 0 (or 1) examples is no split
    low, high = MIN_SPLIT / N_DIGITS, 1.0 - MIN_SPLIT / N_DIGITS
    test_fraction = _checks.in_range("test_fraction", test_fraction, round(low, 4), round(high, 4))
    seed = _checks.integer("seed", seed, minimum=0)
    return _digits_split(test_fraction, seed)


def _features(rng: np.random.Generator, n: int, d: int, condition: float) -> np.ndarray:
    """Gaussian features whose covariance has eigenvalues spread geometrically from 1 down to
    ``1 / condition`` (so the least-squares Hessian has about that condition number)."""
    scales = condition ** (-0.5 * np.arange(d) / max(d - 1, 1))
    return rng.standard_normal((n, d)) * scales


def _generated_args(n_train, n_test, n_features, condition, seed):
    out = (
        _checks.integer("n_train", n_train, minimum=1, maximum=MAX_EXAMPLES),
        _checks.integer("n_test", n_test, minimum=1, maximum=MAX_EXAMPLES),
        _checks.integer("n_features", n_features, minimum=1, maximum=MAX_FEATURES),
        _checks.in_range("condition", condition, 1.0, 1e8),
        _checks.integer("seed", seed, minimum=0),
    )
    if (out[0] + out[1]) * out[2] > MAX_VALUES:
        raise ValueError(
            f"(n_train + n_test) * n_features must be at most {MAX_VALUES:.0e}, got n_train="
            f"{out[0]}, n_test={out[1]}, n_features={out[2]}"
        )
    return out


def linear_regression(
    n_train: int = 512, n_test: int = 512, n_features: int = 10, noise: float = 0.5,
    condition: float = 10.0, seed: int = 0,
) -> Synthetic:
    """y = X @ coef + noise * eps, eps ~ N(0, 1), with Gaussian X (covariance eigenvalues from 1 to
    1/condition) and coef ~ N(0, I / n_features).

    The expected test mean squared error of the true ``coef`` is ``noise**2``; the least-squares
    fit on the training set is available in closed form (``lrlearn.problems.LeastSquares``).
    """
    n_train, n_test, d, condition, seed = _generated_args(n_train, n_test, n_features, condition,
                                                          seed)
    noise = _checks.in_range("noise", noise, 0.0, 1e100)
    rng = np.random.default_rng(seed)
    coef = rng.standard_normal(d) / np.sqrt(d)
    X = _features(rng, n_train + n_test, d, condition)
    y = X @ coef + noise * rng.standard_normal(n_train + n_test)
    _readonly(X, y, coef)
    return Synthetic(X[:n_train], y[:n_train], X[n_train:], y[n_train:], n_classes=0,
                     name="linear regression", coef=coef, noise=noise)


def logistic_regression(
    n_train: int = 512, n_test: int = 512, n_features: int = 10, scale: float = 3.0,
    condition: float = 1.0, seed: int = 0,
) -> Synthetic:
    """Binary labels y ~ Bernoulli(sigmoid(x . coef)) with Gaussian x and ``|coef| = scale``.

    A larger ``scale`` makes the classes more separable (less label noise). ``noise`` on the
    result is the Bayes error rate of the generated examples (known exactly from ``coef``).
    """
    n_train, n_test, d, condition, seed = _generated_args(n_train, n_test, n_features, condition,
                                                          seed)
    scale = _checks.in_range("scale", scale, 0.0, 1e100)
    rng = np.random.default_rng(seed)
    direction = rng.standard_normal(d)
    coef = scale * direction / np.linalg.norm(direction)
    X = _features(rng, n_train + n_test, d, condition)
    p = 0.5 * (1.0 + np.tanh(0.5 * (X @ coef)))  # sigmoid without overflow
    y = (rng.random(n_train + n_test) < p).astype(np.int64)
    bayes_error = float(np.mean(np.minimum(p, 1.0 - p)))
    _readonly(X, y, coef)
    return Synthetic(X[:n_train], y[:n_train], X[n_train:], y[n_train:], n_classes=2,
                     name="logistic regression", coef=coef, noise=bayes_error)
