"""lrlearn.lr_finder: the numpy range test and its result (suggest, plot)."""

from __future__ import annotations

import numpy as np

import lrlearn.data as D
import lrlearn.problems as P
from boundary.kinds import FLOAT, INT, OBJ, Covered, Entry, bad, cached, mix
from lrlearn.lr_finder import range_test

PROBLEM = cached(
    lambda: P.SoftmaxRegression(D.logistic_regression(n_train=64, n_test=8, n_features=3, seed=0))
)
RESULT = cached(
    lambda: range_test(
        PROBLEM(), start_lr=1e-3, end_lr=1e3, num_iter=40, batch_size=16, progress=False
    )
)
SHORT = cached(
    lambda: range_test(
        PROBLEM(), start_lr=1e-3, end_lr=1e3, num_iter=8, batch_size=16, progress=False
    )
)
SKIP = mix(INT, bad=(-1, 10**6))


def _plots(res):
    res.plot(method=None)
    res.suggest()


ENTRIES = [
    Entry(
        "lrlearn.lr_finder.range_test",
        args={
            "problem": PROBLEM,
            "start_lr": 1e-3,
            "end_lr": 1e2,
            "num_iter": 20,
            "batch_size": 16,
            "progress": False,
        },
        kinds={
            "problem": OBJ,
            "optimizer": mix(OBJ, bad=("nope",), allow=lambda v: v is None),
            "start_lr": mix(FLOAT, bad=(0.0, -1.0, 1e3), allow=lambda v: v is None),
            "end_lr": mix(FLOAT, bad=(0.0, -1.0, 1e-4), extreme=(1e300,)),
            "num_iter": mix(INT, bad=(0, 1, -1), extreme=(10**12,)),
            "step_mode": bad("log", None, 3),
            "smooth_f": mix(FLOAT, bad=(-0.1, 1.0)),
            "diverge_th": mix(FLOAT, bad=(1.0, 0.5)),
            "batch_size": mix(INT, bad=(0, 65)),
            "params": bad("x", np.zeros(3), [NAN_ := float("nan")] * 8),
        },
        then=_plots,
    ),
    Entry(
        "lrlearn.lr_finder.RangeTestResult",
        id="RangeTestResult.suggest",
        call=lambda **kw: RESULT().suggest(**kw),
        kinds={"method": bad("fast", None, 3), "skip_start": SKIP, "skip_end": SKIP},
    ),
    Entry(
        "lrlearn.lr_finder.RangeTestResult",
        id="RangeTestResult.plot",
        call=lambda **kw: RESULT().plot(**kw),
        args={"method": "valley"},
        kinds={
            "method": mix(bad("fast", 3), extreme=(None,)),
            "skip_start": SKIP,
            "skip_end": SKIP,
            "log_lr": mix(bad("no", 1), extreme=(None,)),
        },
    ),
    Entry(
        "lrlearn.lr_finder.RangeTestResult",
        id="RangeTestResult.plot(short, method=None)",
        call=lambda **kw: SHORT().plot(**kw),
        args={"method": None},
    ),
    Covered(
        "lrlearn.lr_finder.Problem",
        "a typing Protocol (what range_test needs); range_test checks a problem against it above",
    ),
]
_ = NAN_
