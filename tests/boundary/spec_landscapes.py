"""lrlearn.landscapes: constructors, and value/grad/hessian at huge-but-finite points."""

from __future__ import annotations

import lrlearn.landscapes as L
from boundary.kinds import FLOAT, POS_ARRAY, Covered, Entry, bad, edge, mix

NAN, INF = float("nan"), float("inf")
POINTS = mix(
    bad("x", None, [[1.0, 2.0, 3.0]], [], 3.0, {}),
    extreme=(
        [1e300, 1e300],
        [-1e300, 1e300],
        [1e154, -1e154],
        [[1e200, 1e200], [0.0, 0.0]],
        [1e308, 1e308],
        [5e-324, 0.0],
    ),
)
POINTS_1D = mix(bad("x", None, "1", {}), extreme=(1e300, -1e300, [1e308], [[1e200], [0.0]]))


def _methods(name: str, make, points) -> list[Entry]:
    out = []
    for method in ("value", "grad", "hessian", "value_and_grad"):
        out.append(
            Entry(
                f"lrlearn.landscapes.{name}",
                id=f"{name}.{method}",
                call=lambda x, _m=method, _make=make: getattr(_make(), _m)(x),
                args={"x": [0.5, 0.5] if points is POINTS else 0.5},
                kinds={"x": points},
            )
        )
    return out


ENTRIES = [
    Covered(
        "lrlearn.landscapes.Landscape",
        "abstract base; its methods are exercised through every concrete landscape below",
    ),
    Entry(
        "lrlearn.landscapes.Quadratic",
        args={"curvatures": [2.0, 1.0]},
        kinds={
            "curvatures": POS_ARRAY,
            "center": mix(
                bad("x", [NAN, 0.0], [INF, 0.0], [1.0, 2.0, 3.0], [[1.0]]),
                extreme=([1e300, -1e300],),
            ),
        },
    ),
    Entry(
        "lrlearn.landscapes.Quadratic",
        id="Quadratic(matrix=)",
        args={"matrix": [[2.0, 0.0], [0.0, 1.0]]},
        kinds={
            "matrix": mix(
                bad(
                    "x",
                    [],
                    [[NAN, 0.0], [0.0, 1.0]],
                    [[1.0, 2.0]],
                    [[1.0, 2.0], [3.0, 4.0]],
                    [[-1.0, 0.0], [0.0, 1.0]],
                    [1.0],
                ),
                extreme=([[1e300, 0.0], [0.0, 1e-300]],),
            )
        },
    ),
    Entry("lrlearn.landscapes.Ravine", kinds={"condition": mix(FLOAT, extreme=(1.0, 1e8, 1e300))}),
    Entry(
        "lrlearn.landscapes.Rosenbrock",
        then=lambda f: (f.value(f.default_start), f.min_value, f.minima),
    ),
    Entry("lrlearn.landscapes.DoubleWell", then=lambda f: f.minima),
    Entry("lrlearn.landscapes.Saddle", then=lambda f: f.value([0.0, 0.0])),
    *_methods("Quadratic", lambda: L.Quadratic([2.0, 1.0]), POINTS),
    *_methods("Ravine", lambda: L.Ravine(), POINTS),
    *_methods("Rosenbrock", lambda: L.Rosenbrock(), POINTS),
    *_methods("Saddle", lambda: L.Saddle(), POINTS),
    *_methods("DoubleWell", lambda: L.DoubleWell(), POINTS_1D),
]
_ = edge
