"""lrlearn.simulate: simulate and sweep, their results, and starts whose loss overflows."""

from __future__ import annotations

import numpy as np

import lrlearn.landscapes as L
from boundary.kinds import FLOAT, FUNC, INT, OBJ, POS_ARRAY, VECTOR, Covered, Entry, Lazy, bad, mix

NAN, INF = float("nan"), float("inf")
STEPS = mix(INT, bad=(-1,), extreme=(0, 10**12, 10**6 + 1))
START = mix(VECTOR, extreme=([1e200, 1e200], [1e155, 1e155]))


def _use_trajectory(run):
    assert isinstance(run.status, str) and run.verdict is not None
    assert run.final_loss == run.losses[-1] and run.steps_run >= 0
    run.plot()
    run.plot_path()


def _use_sweep(res):
    assert (res.best_lr is None) == (res.best_index is None)
    res.plot()


ENTRIES = [
    Entry(
        "lrlearn.simulate.simulate",
        args={"landscape": Lazy(L.Rosenbrock), "x0": [-1.0, 1.0], "lr": 1e-3, "steps": 20},
        kinds={
            "landscape": OBJ,
            "x0": START,
            "steps": STEPS,
            "lr": mix(
                FLOAT, bad=(-1.0, 0.0, "0.1"), extreme=(1e300, 1e3), allow=lambda v: v is None
            ),
            "optimizer": mix(OBJ, bad=("no-such", "")),
            "schedule": mix(FUNC, allow=lambda v: v is None),
            "divergence_factor": mix(FLOAT, bad=(0.5, 1.0, -1.0), extreme=(1e300,)),
        },
        then=_use_trajectory,
        examples=30,
    ),
    Entry(
        "lrlearn.simulate.simulate",
        id="simulate(schedule=)",
        args={
            "landscape": Lazy(L.DoubleWell),
            "x0": 1.5,
            "lr": None,
            "steps": 20,
            "schedule": lambda t: 0.01 + 0 * t,
        },
        kinds={
            "schedule": bad(
                lambda t: -1.0 + 0 * t,
                lambda t: NAN + 0 * t,
                lambda t: "a",
                lambda t: [0.1, 0.2],
                lambda: 0.1,
                3,
                "cos",
            )
        },
        then=_use_trajectory,
    ),
    Entry(
        "lrlearn.simulate.sweep",
        args={
            "landscape": Lazy(lambda: L.Quadratic([4.0, 1.0])),
            "x0": [1.0, 1.0],
            "lrs": [0.1, 0.4, 0.6],
            "steps": 20,
        },
        kinds={
            "landscape": OBJ,
            "x0": START,
            "steps": STEPS,
            "lrs": mix(POS_ARRAY, extreme=(np.logspace(-3, 300, 12), [1e300, 1e300])),
            "optimizer": mix(OBJ, bad=("no-such", "")),
            "divergence_factor": mix(FLOAT, bad=(0.5, 1.0, -1.0)),
        },
        then=_use_sweep,
        examples=30,
    ),
    Covered(
        "lrlearn.simulate.Trajectory",
        "result type built by simulate; status, final_loss, "
        "verdict and both plots are exercised on every accepted simulate() call",
    ),
    Covered(
        "lrlearn.simulate.SweepResult",
        "result type built by sweep; best_lr and plot() are "
        "exercised on every accepted sweep() call",
    ),
]
_ = INF
