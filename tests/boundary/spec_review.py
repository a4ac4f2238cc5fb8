"""lrlearn.widgets.review_views: the FSRS review simulator and its view."""

from __future__ import annotations

import numpy as np

from boundary.kinds import FLOAT, INT, Entry, bad, edge, mix
from lrlearn.widgets.review_views import ReviewSimulator

COUNT = mix(INT, bad=(0, -1, 10**6), extreme=(1, 10_000))
#: a count or a list of question ids
QUESTIONS = mix(
    bad(0, -1, 10**6, 2.5, float("nan"), True, "abc", None, [], ["a", "a"], ["a", 3], [""]),
    extreme=(1, np.int64(3), ["x"], ["a", "b", "c"]),
)

ENTRIES = [
    Entry(
        "lrlearn.widgets.review_views.simulate_reviews",
        args={"per_day": 3, "memory": 1.0, "questions": 8, "days": 10, "seed": 0},
        kinds={
            "per_day": COUNT,
            "memory": mix(FLOAT, bad=(0.0, -1.0, 1e-3, 1e3), extreme=(0.01, 100.0)),
            "p_new": mix(FLOAT, bad=(-0.1, 1.5), extreme=(0.0, 1.0)),
            "questions": QUESTIONS,
            "days": mix(INT, bad=(0, -1, 10**6), extreme=(1, 365)),
            "start": mix(FLOAT, bad=(-1.0, 1e300), extreme=(0.0, 1.7e9)),
            "seed": mix(INT, bad=(-1, 2**64), extreme=(0, 2**63 - 1)),
        },
        then=lambda r: (r.accuracy, r.retention, r.total_reviews),
    ),
    Entry(
        "lrlearn.widgets.review_views.ReviewSimulator",
        args={"questions": 10, "days": 20, "p_new": 0.6, "seed": 0},
        kinds={
            "questions": QUESTIONS,
            "days": mix(INT, bad=(0, 366, -1), extreme=(1, 365)),
            "p_new": mix(FLOAT, bad=(-0.1, 1.5), extreme=(0.0, 1.0)),
            "seed": mix(INT, bad=(-1,)),
        },
        then=lambda v: v.png(per_day=5, memory=0.5),
        examples=8,
    ),
    Entry(
        "lrlearn.widgets.review_views.ReviewSimulator.compute",
        call=lambda **kw: ReviewSimulator(questions=10, days=20).compute(**kw),
        args={"per_day": 5, "memory": 1.0},
        kinds={"per_day": COUNT, "memory": edge(0.25, 4.0)},
    ),
]
