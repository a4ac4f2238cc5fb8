"""lrlearn.problems: constructors and every public method (params, idx, v, eps, split)."""

from __future__ import annotations

import numpy as np

import lrlearn.data as D
import lrlearn.problems as P
from boundary.kinds import FLOAT, INT, OBJ, Covered, Entry, bad, cached, mix

NAN = float("nan")
DATA = cached(lambda: D.logistic_regression(n_train=40, n_test=10, n_features=3, seed=1))
REG = cached(lambda: D.linear_regression(n_train=40, n_test=10, n_features=3, seed=1))
EPS = mix(FLOAT, bad=(0.0, -1e-4, 2.0), extreme=(1e-300,))
IDX = mix(bad("x", 3, [], [-1], [0.5], [10**6], [[0, 1]]), extreme=(np.arange(3),))
HUGE = (np.full(8, 1e300), np.full(8, 1e154), np.full(8, -1e308))

MAKERS = {
    "SoftmaxRegression": (lambda: P.SoftmaxRegression(DATA()), 8),
    "LeastSquares": (lambda: P.LeastSquares(REG()), 3),
    "MLP": (lambda: P.MLP(DATA(), hidden=2), 3 * 2 + 2 + 2 * 2 + 2),
}


def _method(cls, method, n, nan_ok=False, **extra):
    make = MAKERS[cls][0]

    def call(params, **kw):
        return getattr(make(), method)(params, **kw)

    params = mix(
        bad(None, "x", np.zeros(n + 1), np.zeros((2, n + 1)), {}),
        extreme=tuple(h[:n] for h in HUGE),
    )
    return Entry(
        f"lrlearn.problems.{cls}",
        id=f"{cls}.{method}",
        call=call,
        args={"params": np.zeros(n), **extra.pop("args", {})},
        kinds={"params": params, **extra},
        nan_ok=nan_ok,
    )


ENTRIES = [
    Covered(
        "lrlearn.problems.Problem",
        "base class: its checks run through every method of the three concrete problems below",
    ),
    Entry(
        "lrlearn.problems.SoftmaxRegression",
        args={"data": DATA},
        kinds={"data": OBJ, "l2": mix(FLOAT, bad=(-1.0,), extreme=(1e300,))},
    ),
    Entry(
        "lrlearn.problems.LeastSquares",
        args={"data": REG},
        kinds={"data": mix(OBJ, bad=(D.digits(),)), "l2": mix(FLOAT, bad=(-1.0,))},
    ),
    Entry(
        "lrlearn.problems.MLP",
        args={"data": DATA, "hidden": 2},
        kinds={"data": mix(OBJ, bad=(REG,)), "hidden": mix(INT, bad=(0, -1, 10**6))},
    ),
]
for _cls, (_make, _n) in MAKERS.items():
    ENTRIES += [
        _method(_cls, "loss_and_grad", _n, idx=IDX),
        _method(_cls, "loss", _n, split=bad("valid", None, 3), idx=IDX),
        # second-order quantities at 1e300 overflow: inf or NaN, quietly (nan_ok)
        _method(_cls, "per_example_grads", _n, nan_ok=True, idx=IDX),
        _method(
            _cls,
            "hvp",
            _n,
            nan_ok=True,
            args={"v": np.ones(_n)},
            eps=EPS,
            v=bad(None, "x", np.ones(_n + 1), [NAN] * _n, [np.inf] * _n),
        ),
        _method(_cls, "hessian", _n, nan_ok=True, eps=EPS),
    ]
    if _cls != "LeastSquares":
        ENTRIES.append(_method(_cls, "accuracy", _n, split=bad("valid", None, 3)))

for _e in ENTRIES:
    if getattr(_e, "id", None) == "LeastSquares.hessian":  # constant Hessian: params optional
        _e.kinds["params"] = mix(_e.kinds["params"], allow=lambda v: v is None)
