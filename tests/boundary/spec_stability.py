"""lrlearn.stability: thresholds and rates from curvatures, and the two classifiers."""

from __future__ import annotations

import lrlearn.landscapes as L
from boundary.kinds import FLOAT, OBJ, POS_ARRAY, SERIES, Covered, Entry, bad, cached, mix
from lrlearn.simulate import simulate

NAN = float("nan")
CURV = mix(POS_ARRAY, bad=(3j, "2.0"), extreme=([1e308, 1e308], [1e-308, 1e308], 1e308, 5e-324))
RATE = mix(FLOAT, bad=(0.0, -1.0), extreme=(1e300, 1e-300))
FRACTION = mix(FLOAT, bad=(0.0, 1.0, -0.5, 2.0))
RUN = cached(lambda: simulate(L.Quadratic([2.0, 1.0]), [1.0, 1.0], 0.1, 30))

ENTRIES = [
    Entry(
        "lrlearn.stability.critical_lr",
        args={"landscape": [2.0, 1.0]},
        kinds={"landscape": CURV},
        aliases={"landscape": ("curvatures",)},
    ),
    Entry(
        "lrlearn.stability.optimal_lr",
        args={"landscape": [2.0, 1.0]},
        kinds={"landscape": CURV},
        aliases={"landscape": ("curvatures",)},
    ),
    Entry(
        "lrlearn.stability.contraction_factors",
        args={"lr": 0.1, "landscape": [2.0, 1.0]},
        kinds={"landscape": CURV, "lr": RATE},
        aliases={"landscape": ("curvatures",)},
    ),
    Entry(
        "lrlearn.stability.convergence_rate",
        args={"lr": 0.1, "landscape": [2.0, 1.0]},
        kinds={"landscape": CURV, "lr": RATE},
        aliases={"landscape": ("curvatures",)},
    ),
    Entry(
        "lrlearn.stability.steps_to_tolerance",
        args={"lr": 0.1, "landscape": [2.0, 1.0]},
        kinds={"landscape": CURV, "lr": RATE, "tol": FRACTION},
        aliases={"landscape": ("curvatures",)},
    ),
    Entry(
        "lrlearn.stability.classify_losses",
        args={"losses": [4.0, 2.0, 1.0, 0.5]},
        kinds={
            "losses": mix(
                SERIES,
                allow=lambda v: (
                    isinstance(v, list) and len(v) > 1 and all(isinstance(x, float) for x in v)
                ),
            ),
            "min_value": mix(FLOAT, bad=(5.0, 1e300), allow=lambda v: v is None),
            "target": FRACTION,
        },
    ),
    Entry("lrlearn.stability.classify", args={"run": RUN}, kinds={"run": OBJ, "target": FRACTION}),
    Covered(
        "lrlearn.stability.Verdict",
        "an enum of outcomes, returned by classify and "
        "classify_losses (checked above); it takes no user input",
    ),
]
_ = (bad, NAN)
