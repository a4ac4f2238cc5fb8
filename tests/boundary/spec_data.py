"""lrlearn.data: the data sets and the Dataset type (features finite, labels in range)."""

from __future__ import annotations

import numpy as np

from boundary.kinds import FLOAT, INT, Entry, bad, mix

NAN = float("nan")
X = np.zeros((4, 2))
Y = np.array([0, 1, 0, 1])
COUNT = mix(INT, bad=(0, -1), extreme=(10**12, 10**7))


def _labels(n):
    return bad(
        None,
        "x",
        [0, 1],
        np.array([0, 1, 0, -1]),
        np.array([0, 1, 2, 1]),
        np.array([0.5, 1, 0, 1]),
        np.zeros((4, 1), int),
        np.array([0, 1, 0, NAN]),
    )


FEATURES = bad(
    None,
    "x",
    np.zeros(4),
    np.array([[NAN, 0.0]] * 4),
    np.array([[np.inf, 0]] * 4),
    [["a", "b"]] * 4,
)

ENTRIES = [
    Entry(
        "lrlearn.data.digits",
        kinds={
            "test_fraction": mix(FLOAT, bad=(0.0, 1.0, 0.9999, 1e-4, -0.5)),
            "seed": mix(INT, bad=(-1,)),
        },
    ),
    Entry(
        "lrlearn.data.linear_regression",
        args={"n_train": 20, "n_test": 10},
        kinds={
            "n_train": COUNT,
            "n_test": COUNT,
            "n_features": COUNT,
            "noise": mix(FLOAT, bad=(-1.0,), extreme=(1e300,)),
            "condition": mix(FLOAT, bad=(0.5, 1e9)),
        },
    ),
    Entry(
        "lrlearn.data.logistic_regression",
        args={"n_train": 20, "n_test": 10},
        kinds={
            "n_train": COUNT,
            "n_test": COUNT,
            "n_features": COUNT,
            "scale": mix(FLOAT, bad=(-1.0,), extreme=(1e300,)),
        },
    ),
    Entry(
        "lrlearn.data.Dataset",
        args={"X_train": X, "y_train": Y, "X_test": X[:2], "y_test": Y[:2], "n_classes": 2},
        kinds={
            "X_train": FEATURES,
            "y_train": _labels(4),
            "X_test": FEATURES,
            "y_test": bad(None, np.array([0, 5]), np.array([-1, 0]), [0]),
            "n_classes": mix(INT, bad=(-1,)),
        },
    ),
    Entry(
        "lrlearn.data.Synthetic",
        args={
            "X_train": X,
            "y_train": np.ones(4),
            "X_test": X[:2],
            "y_test": np.ones(2),
            "n_classes": 0,
            "coef": np.ones(2),
        },
        kinds={"X_train": FEATURES, "y_train": bad(None, [1.0], np.array([1.0, NAN, 0, 0]))},
    ),
]
