"""lrlearn.plots: every figure function, fed results that diverged at huge learning rates too."""

from __future__ import annotations

import numpy as np

import lrlearn.landscapes as L
from boundary.kinds import FLOAT, OBJ, Entry, bad, cached, mix
from lrlearn.simulate import simulate, sweep

RUN = cached(lambda: simulate(L.Rosenbrock(), [-1.0, 1.0], 1e-3, 30))
BLOWN = cached(lambda: simulate(L.Quadratic([2.0]), [1.0], 1e300, 30))
SWEEP = cached(lambda: sweep(L.Quadratic([4.0, 1.0]), [1.0, 1.0], np.logspace(-3, 300, 20), 20))
LABELS = bad("x", ["a", "b"], 3, [])

ENTRIES = [
    Entry(
        "lrlearn.plots.new_axes",
        kinds={
            "ax": OBJ.optional(),
            "figsize": bad(
                None, (1.0,), (0.0, 1.0), (-1.0, 2.0), (float("nan"), 1.0), "ab", (1e9, 1.0)
            ),
        },
    ),
    Entry(
        "lrlearn.plots.loss_gap",
        args={"losses": [3.0, 2.0, 1.0], "min_value": 0.0},
        kinds={
            "losses": mix(bad(None, "x", {}), extreme=([], [1e300, 1.0], [[1.0, 2.0]])),
            "min_value": FLOAT,
        },
    ),
    Entry(
        "lrlearn.plots.plot_landscape",
        args={"landscape": L.Rosenbrock(), "resolution": 20},
        kinds={
            "landscape": OBJ,
            "levels": mix(FLOAT.__class__("int", bad(0, 1, -3, 2.5, None, "3", True).bad)),
        },
    ),
    Entry(
        "lrlearn.plots.plot_losses",
        args={"runs": RUN},
        kinds={"runs": bad(None, 3, [], ["x"], "run"), "labels": LABELS},
    ),
    Entry("lrlearn.plots.plot_losses", id="plot_losses(diverged)", args={"runs": BLOWN}),
    Entry(
        "lrlearn.plots.plot_path",
        args={"runs": RUN},
        kinds={"runs": bad(None, 3, [], ["x"]), "labels": LABELS},
    ),
    Entry("lrlearn.plots.plot_path", id="plot_path(diverged)", args={"runs": BLOWN}),
    Entry("lrlearn.plots.plot_sweep", args={"result": SWEEP}, kinds={"result": OBJ}),
]
