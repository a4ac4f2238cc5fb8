"""lrlearn.optimizers: hyperparameters at construction, make_optimizer, and step()'s arguments."""

from __future__ import annotations

import numpy as np

import lrlearn.optimizers as O
from boundary.kinds import FLOAT, OBJ, STR, Covered, Entry, bad, mix

NAN, INF = float("nan"), float("inf")
RATE = mix(FLOAT, bad=(-1.0, NAN, 0.0), extreme=(1e300, 1e-300))
STEP_LR = mix(
    FLOAT,
    bad=(-1.0, -1e-300, [0.1, -0.1], [NAN, 0.1], [0.1, 0.2, 0.3]),
    extreme=(0.0, 1e300, [0.1, 1e300], np.float64(1e-300)),
    allow=lambda v: v is None,
)
ARRAY = bad(None, "x", {}, [1.0, 2.0, 3.0], [[1.0, 2.0]], [["a", "b"]])

CLASSES = {
    "SGD": {"momentum": 0.9},
    "Adagrad": {},
    "RMSprop": {"centered": True, "momentum": 0.5},
    "Adam": {"amsgrad": True},
    "AdamW": {},
}


def _step(cls, options):
    def call(params, grad, state, lr):
        opt = getattr(O, cls)(**options)
        return opt.step(
            params, grad, opt.init(np.zeros((2, 2))) if state == "init" else state, lr=lr
        )

    return call


def _nan_free(out):
    params, _ = out
    assert not np.isnan(params).any(), params


ENTRIES = [
    Covered(
        "lrlearn.optimizers.Optimizer",
        "abstract base: its lr check and step() are "
        "exercised through every concrete optimizer below",
    ),
    Entry(
        "lrlearn.optimizers.SGD",
        args={"momentum": 0.5},
        kinds={
            "lr": RATE,
            "momentum": mix(FLOAT, bad=(1.0, -0.1, 2.0)),
            "dampening": mix(FLOAT, bad=(1.5, -0.1)),
            "weight_decay": mix(FLOAT, bad=(-1.0,)),
        },
    ),
    Entry("lrlearn.optimizers.Adagrad", kinds={"lr": RATE, "eps": mix(FLOAT, bad=(-1.0,))}),
    Entry("lrlearn.optimizers.RMSprop", kinds={"lr": RATE, "alpha": mix(FLOAT, bad=(1.5, -0.1))}),
    Entry(
        "lrlearn.optimizers.Adam",
        kinds={
            "lr": RATE,
            "betas": bad(
                None,
                0.9,
                (0.9,),
                ("a", 0.9),
                (NAN, 0.9),
                (0.9, 1.0),
                (0.9, 0.999, 0.9),
                (-0.1, 0.9),
                (10**400, 0.9),
            ),
        },
        aliases={"betas": ("betas[0]", "betas[1]")},
    ),
    Entry("lrlearn.optimizers.AdamW", kinds={"lr": RATE}),
    Entry(
        "lrlearn.optimizers.make_optimizer",
        args={"optimizer": "adam", "lr": 0.1},
        kinds={
            "optimizer": mix(STR, bad=("", "no-such-option", "ÄÖ", 0.5, O.SGD)),
            "lr": mix(RATE, allow=lambda v: v is None),
        },
    ),
    Entry(
        "lrlearn.optimizers.make_optimizer",
        id="make_optimizer(instance)",
        args={"optimizer": O.SGD(), "lr": 0.5},
        kinds={"lr": mix(RATE, allow=lambda v: v is None), "optimizer": OBJ},
    ),
    *[
        Entry(
            f"lrlearn.optimizers.{cls}",
            id=f"{cls}.step",
            call=_step(cls, options),
            args={"params": np.ones((2, 2)), "grad": np.ones((2, 2)), "state": "init", "lr": 0.1},
            kinds={"lr": STEP_LR, "params": ARRAY, "grad": ARRAY, "state": bad(None, {}, 3, "x")},
            then=_nan_free,
        )
        for cls, options in CLASSES.items()
    ],
]
_ = INF
