"""Offline data sets: scikit-learn's bundled handwritten digits (no download), split with a fixed seed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import _checks

__all__ = ["Dataset", "digits"]


@dataclass(frozen=True)
class Dataset:
    """A train/test split. ``X`` are float64 features, ``y`` int64 class labels."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str = "dataset"

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: {len(self.y_train)} train, {len(self.y_test)} test, "
            f"{self.n_features} features, {self.n_classes} classes)"
        )


@lru_cache(maxsize=8)
def _digits_split(test_fraction: float, seed: int) -> Dataset:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = bunch.data.astype(np.float64) / 16.0  # pixel intensities 0..16 -> [0, 1]
    y = bunch.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    for a in (X, y):
        a.setflags(write=False)
    return Dataset(X[train], y[train], X[test], y[test], n_classes=10, name="digits")


def digits(test_fraction: float = 0.25, seed: int = 0) -> Dataset:
    """The 1,797 8x8 handwritten digits that ship with scikit-learn, scaled to [0, 1] and split
    into train and test at random with ``seed`` (same seed, same split). 64 features, 10 classes.
    """
    test_fraction = _checks.in_range("test_fraction", test_fraction, 0.0, 1.0, low_open=True,
                                     high_open=True)
    seed = _checks.integer("seed", seed, minimum=0)
    return _digits_split(test_fraction, seed)
