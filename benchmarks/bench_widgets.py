"""Live widgets: time from a slider value change to the new figure, over each slider's whole range.

Each live view's numeric controls are walked from one end of their range to the other and back,
in equal slider steps, as a reader holding an arrow key would (a choice control cycles through
its options). Per control it prints, over all the changes:

- ``median`` and ``p90`` of change -> new figure in the kernel: the value set on the ipywidgets
  control until the figure is updated, redrawn and encoded as the PNG sent to the browser (the
  ``"image"`` backend) -- the goal is a median under 50 ms and a 90th percentile under 100 ms;
- ``compute``: the median of the library call alone, for reference;
- ``full``: how many changes moved an axis, forcing a full redraw instead of a blit.

A second table gives the size of each view's precomputed (static, kernel-free) twin: figures,
kilobytes of PNG embedded in the page, and the seconds it takes to render them.

    python benchmarks/bench_widgets.py [--changes 100] [--no-static]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from lrlearn.landscapes import DoubleWell, Quadratic, Ravine, Rosenbrock, Saddle
from lrlearn.widgets import (
    EffectiveStep,
    LearningRatePath,
    LossCurveDoctor,
    OptimizerRace,
    RangeTestView,
    ScheduleDesigner,
    StabilityExplorer,
    live,
    precomputed,
)

MEDIAN_GOAL_MS = 50.0
P90_GOAL_MS = 100.0

# The views as the notebooks show them.
CASES: list[tuple[str, Any]] = [
    ("LearningRatePath (1-D)", lambda: LearningRatePath(Quadratic(curvatures=[2.0]), lr=0.1)),
    ("LearningRatePath (ravine)", lambda: LearningRatePath(Ravine(condition=25.0), lr=0.03)),
    (
        "LearningRatePath (Rosenbrock)",
        lambda: LearningRatePath(
            Rosenbrock(), lr=0.001, lr_range=(1e-4, 4e-3), steps=200, max_steps=400
        ),
    ),
    (
        "LearningRatePath (double well)",
        lambda: LearningRatePath(DoubleWell(0.3), lr=0.05, lr_range=(0.005, 0.3), steps=60),
    ),
    (
        "LearningRatePath (saddle)",
        lambda: LearningRatePath(
            Saddle(), lr=0.1, lr_range=(0.01, 1.0), steps=100, x0=[-1.8, 1e-3]
        ),
    ),
    ("StabilityExplorer", lambda: StabilityExplorer(curvatures=(4.0, 0.5), steps=40)),
    ("OptimizerRace", lambda: OptimizerRace()),
    ("EffectiveStep", lambda: EffectiveStep()),
    ("LossCurveDoctor", lambda: LossCurveDoctor(curvatures=(10.0, 1.0, 0.3), steps=100)),
    ("ScheduleDesigner", lambda: ScheduleDesigner()),
    ("RangeTestView", lambda: RangeTestView()),
]


def walk(widget: Any, n: int) -> list[Any]:
    """The values a reader visits holding an arrow key: one end of the range to the other and
    back, one slider step per change (at most ``n`` changes each way, evenly spread)."""
    if hasattr(widget, "options") and not hasattr(widget, "min"):
        options = list(widget.options)
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return (values[1:] + values[:1]) * 3
    lo, hi = float(widget.min), float(widget.max)
    presses = round((hi - lo) / widget.step)  # one slider step per key press
    ticks = np.linspace(lo, hi, min(presses, n) + 1)
    if hasattr(widget, "base"):  # FloatLogSlider: min and max are exponents
        ticks = widget.base**ticks
    if isinstance(widget.value, int):
        ticks = np.unique(np.round(ticks).astype(int))
    there = [t.item() for t in ticks]
    return there + there[::-1][1:]


def measure(make: Any, n: int) -> list[tuple[str, dict[str, float]]]:
    """Median and p90 (ms) of change -> figure for each control of a new live ``make()``."""
    out = []
    for name in [c.name for c in make().controls]:
        widget = live(make())
        control = widget.controls[name]
        rows = []
        for value in walk(control, n):
            if value == control.value:
                continue
            start = time.perf_counter()
            control.value = value  # the observer computes, updates, redraws, encodes
            total = time.perf_counter() - start
            t = widget.last_timings
            rows.append((total, t.get("compute", np.nan), t.get("full", 0.0)))
        widget.close()
        if not rows:
            continue
        a = np.array(rows)
        out.append(
            (
                name,
                {
                    "median": 1e3 * np.median(a[:, 0]),
                    "p90": 1e3 * np.percentile(a[:, 0], 90),
                    "compute": 1e3 * np.nanmedian(a[:, 1]),
                    "full": 100 * a[:, 2].mean(),
                    "changes": len(rows),
                },
            )
        )
    return out


def page_weight(make: Any) -> tuple[int, float, float]:
    """Figures, total PNG kilobytes and seconds of the precomputed (static) twin."""
    start = time.perf_counter()
    pre = precomputed(make())
    seconds = time.perf_counter() - start
    kb = sum(len(image.value) for image in pre.images) / 1024
    n = len(pre.images)
    pre.close()
    return n, kb, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100, help="most changes each way")
    parser.add_argument("--no-static", action="store_true", help="skip the precomputed table")
    args = parser.parse_args()
    print(
        f"{'live widget':32s} {'control':12s} {'median':>9s} {'p90':>9s} {'compute':>9s} "
        f"{'full':>5s}  goal"
    )
    slow = 0
    for label, make in CASES:
        for name, r in measure(make, args.changes):
            ok = r["median"] < MEDIAN_GOAL_MS and r["p90"] < P90_GOAL_MS
            slow += not ok
            print(
                f"{label:32s} {name:12s} {r['median']:6.1f} ms {r['p90']:6.1f} ms "
                f"{r['compute']:6.1f} ms {r['full']:4.0f}%  {'ok' if ok else 'SLOW'}"
            )
    print(
        f"(change -> figure in the kernel: update, redraw, PNG; each control walked over its whole "
        f"range and back, one slider step per change (at most {args.changes}); goal: median < {MEDIAN_GOAL_MS:.0f} ms, "
        f"p90 < {P90_GOAL_MS:.0f} ms; {slow} over)"
    )
    if args.no_static:
        return
    print()
    print(f"{'precomputed twin':32s} {'figures':>8s} {'page KB':>9s} {'build s':>8s}")
    for label, make in CASES:
        n, kb, seconds = page_weight(make)
        print(f"{label:32s} {n:8d} {kb:9.0f} {seconds:8.1f}")


if __name__ == "__main__":
    main()
