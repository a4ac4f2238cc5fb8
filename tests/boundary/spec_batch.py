"""lrlearn.batch: the minibatch experiments on a tiny problem, fed bad sizes, rates and budgets."""

from __future__ import annotations

import numpy as np

import lrlearn.data as D
import lrlearn.problems as P
from boundary.kinds import BOOL, FLOAT, INT, OBJ, Covered, Entry, bad, cached, mix
from lrlearn import batch

NAN = float("nan")
PROBLEM = cached(
    lambda: P.SoftmaxRegression(D.logistic_regression(n_train=64, n_test=16, n_features=3, seed=0))
)
# None means the default sizes (slow to run here): not drawn
SIZES = bad("x", [], [0], [-1], [1.5], [65], [8, 4], [NAN], 8, [[2, 4]])
PROBLEM_KIND = mix(OBJ, allow=lambda v: v is None)  # None: the default digits problem (slow)
RATE = mix(FLOAT, bad=(0.0, -1.0), extreme=(1e300, 1e3))
MOM = mix(FLOAT, bad=(-0.1, 1.0))
BUDGET = mix(FLOAT, bad=(0.0, -1.0), extreme=(1e308, 1e12, 1e-300))
COUNT = mix(INT, bad=(0, -1), extreme=(10**12,))
COMMON = {"progress": False, "fast": True}
STEPS_RESULT = cached(
    lambda: batch.steps_to_target(
        PROBLEM(), [4, 16], target=0.5, lrs=[0.1, 0.5], momenta=(0.0,), max_steps=200, **COMMON
    )
)
PARAMS = mix(bad(None, "x", np.zeros(3), [NAN] * 8), extreme=(np.full(8, 1e300), np.zeros(8)))


def _plot(result):
    result.plot()


ENTRIES = [
    Entry(
        "lrlearn.batch.scaling.linear_scaling",
        args={"problem": PROBLEM, "base_batch": 4, "factors": [1, 2, 4], "epochs": 1.0, **COMMON},
        kinds={
            "problem": PROBLEM_KIND,
            "base_batch": mix(INT, bad=(0, 65)),
            "base_lr": RATE,
            "factors": bad("x", [], [2, 4], [1, 1], [1, 100], [1, 2.5]),
            "momentum": MOM,
            "epochs": BUDGET.optional(),
            "warmup_epochs": mix(FLOAT, bad=(0.0, -1.0, 2.0), allow=lambda v: v is None),
            "tolerance": mix(FLOAT, bad=(0.0, -1.0)),
            "n_points": mix(INT, bad=(1,)),
            "fast": BOOL,
            "progress": BOOL,
        },
        then=_plot,
        examples=10,
        timeout=20,
    ),
    Entry(
        "lrlearn.batch.regimes.compare_regimes",
        args={
            "problem": PROBLEM,
            "batch_sizes": [4, 16],
            "lr": 0.5,
            "steps": 20,
            "epochs": 0.5,
            **COMMON,
        },
        kinds={
            "problem": PROBLEM_KIND,
            "batch_sizes": SIZES,
            "lr": mix(RATE, bad=([0.1], [0.1, NAN], [0.1, -1.0])),
            "momentum": MOM,
            "steps": COUNT.optional(),
            "epochs": BUDGET.optional(),
            "n_points": mix(INT, bad=(1,)),
        },
        then=_plot,
        examples=10,
        timeout=20,
    ),
    Entry(
        "lrlearn.batch.noise.gradient_noise",
        args={"problem": PROBLEM, "batch_sizes": [2, 8], "n_draws": 20, **COMMON},
        kinds={
            "problem": PROBLEM_KIND,
            "batch_sizes": SIZES,
            "params": PARAMS.optional(),
            "n_draws": mix(INT, bad=(1, 0), extreme=(10**12,)).optional(),
        },
        then=_plot,
        nan_ok=True,
    ),
    Entry(
        "lrlearn.batch.steps.steps_to_target",
        args={
            "problem": PROBLEM,
            "batch_sizes": [4, 16],
            "target": 0.5,
            "lrs": [0.1, 0.5],
            "momenta": (0.0,),
            "max_steps": 200,
            **COMMON,
        },
        kinds={
            "problem": PROBLEM_KIND,
            "batch_sizes": SIZES,
            "target": mix(FLOAT, bad=(0.0, -1.0), allow=lambda v: v is None),
            "metric": bad("loss ", None, 3),
            "lrs": bad(None, [], [0.0], [NAN], "x"),
            "momenta": bad(None, [], [1.0], [-0.1], "x"),
            "max_steps": COUNT.optional(),
            "check_ratio": mix(FLOAT, bad=(1.0, 3.0)).optional(),
        },
        then=_plot,
        examples=10,
        timeout=20,
    ),
    Entry(
        "lrlearn.batch.steps.fit_tradeoff",
        args={"batch_sizes": [2, 4, 8, 16], "steps": [400, 220, 130, 90]},
        kinds={
            "batch_sizes": bad(None, "x", [], [2, 4], [0, 4, 8, 16], [NAN, 4, 8, 16]),
            "steps": bad(None, "x", [1, 2], [0, 1, 2, 3], [NAN, 1, 2, 3], [-1, 2, 3, 4]),
        },
    ),
    Entry(
        "lrlearn.batch.noise_scale.gradient_noise_scale",
        args={
            "problem": PROBLEM,
            "steps_result": STEPS_RESULT,
            "batch_size": 4,
            "n_points": 5,
            **COMMON,
        },
        kinds={
            "problem": PROBLEM_KIND,
            "steps_result": OBJ.optional(),
            "batch_size": mix(INT, bad=(0, 65)).optional(),
            "n_points": mix(INT, bad=(0, 1)).optional(),
        },
        then=_plot,
        timeout=20,
    ),
    Entry(
        "lrlearn.batch.noise_scale.b_noise_at",
        args={"problem": PROBLEM, "params": np.zeros(8)},
        kinds={"problem": PROBLEM_KIND, "params": PARAMS},
    ),
    Entry(
        "lrlearn.batch.noise_scale.noise_scale_at",
        args={"problem": PROBLEM, "params": np.zeros(8)},
        kinds={"problem": PROBLEM_KIND, "params": PARAMS},
    ),
    Entry(
        "lrlearn.batch.generalization.sharpness",
        args={"problem": PROBLEM, "params": np.zeros(8), "iters": 20},
        kinds={
            "problem": PROBLEM_KIND,
            "params": PARAMS,
            "iters": mix(INT, bad=(0, 10**6)),
            "tol": mix(FLOAT, bad=(0.0, -1.0)),
        },
    ),
    Entry(
        "lrlearn.batch.generalization.generalization",
        args={"problem": PROBLEM, "small_batch": 8, "large_batch": 64, "max_epochs": 0.5, **COMMON},
        kinds={
            "problem": PROBLEM_KIND,
            "small_batch": mix(INT, bad=(0, 65)),
            "large_batch": mix(INT, bad=(0, 65)).optional(),
            "small_lr": RATE,
            "large_lr": RATE,
            "momentum": MOM,
            "target_loss": mix(FLOAT, bad=(0.0, -1.0)).optional(),
            "max_epochs": BUDGET.optional(),
        },
        then=_plot,
        examples=10,
        timeout=20,
    ),
    *[
        Covered(
            f"lrlearn.batch.{m}.{r}",
            f"result type built by the {m} experiment above; its "
            "plot() is drawn on every accepted call",
        )
        for m, r in [
            ("generalization", "GeneralizationResult"),
            ("noise", "GradientNoiseResult"),
            ("noise_scale", "NoiseScaleResult"),
            ("regimes", "RegimesResult"),
            ("scaling", "LinearScalingResult"),
            ("steps", "StepsToTargetResult"),
        ]
    ],
]
