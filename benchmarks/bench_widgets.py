"""Live widgets: time from a slider value change to the finished redraw on the Agg canvas.

For each live view, a control is moved through a run of nearby values as a reader dragging a
slider would, and three times are taken per change (median over the changes):

- ``change -> redraw``: the value set on the ipywidgets control until the Agg canvas is redrawn
  (the observer runs compute, update and the blitted or full redraw) -- the goal is < 50 ms;
- ``+ PNG``: the same plus encoding the image sent to the browser (the ``"image"`` backend);
- ``compute``: the library call alone, for reference;
- ``full draws``: how many changes moved an axis, forcing a full redraw instead of a blit.

A second table gives the size of each view's precomputed (static, kernel-free) twin: figures,
kilobytes of PNG embedded in the page, and the seconds it takes to render them.

    python benchmarks/bench_widgets.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from lrlearn.landscapes import Ravine
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

GOAL_MS = 50.0

CASES: list[tuple[str, Any, str, np.ndarray]] = [
    ("LearningRatePath (1-D)", lambda: LearningRatePath(), "lr", np.linspace(0.10, 0.14, 16)),
    (
        "LearningRatePath (ravine)",
        lambda: LearningRatePath(Ravine()),
        "lr",
        np.linspace(0.03, 0.035, 16),
    ),
    ("StabilityExplorer", lambda: StabilityExplorer(), "lr", np.linspace(0.20, 0.24, 16)),
    ("OptimizerRace", lambda: OptimizerRace(), "sgd_lr", np.linspace(0.02, 0.025, 16)),
    ("EffectiveStep", lambda: EffectiveStep(), "lr", np.linspace(0.05, 0.06, 16)),
    ("LossCurveDoctor", lambda: LossCurveDoctor(), "ratio", np.linspace(0.70, 0.715, 16)),
    ("ScheduleDesigner", lambda: ScheduleDesigner(), "peak_lr", np.linspace(0.2, 0.22, 16)),
    ("RangeTestView", lambda: RangeTestView(), "smooth_f", np.linspace(0.05, 0.2, 16)),
]


def measure(make: Any, name: str, values: np.ndarray) -> dict[str, float]:
    widget = live(make())
    control = widget.controls[name]
    rows = []
    for value in values:
        start = time.perf_counter()
        control.value = float(value)  # the observer computes, updates, redraws, encodes
        total = time.perf_counter() - start
        t = widget.last_timings
        rows.append((t["compute"] + t["redraw"], total, t["compute"], t["full"]))
    widget.close()
    a = np.array(rows)
    return {
        "redraw": 1e3 * np.median(a[:, 0]),
        "png": 1e3 * np.median(a[:, 1]),
        "compute": 1e3 * np.median(a[:, 2]),
        "full": 100 * a[:, 3].mean(),
    }


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
    parser.add_argument("--repeats", type=int, default=16, help="value changes per widget")
    args = parser.parse_args()
    print(
        f"{'live widget':28s} {'change->redraw':>15s} {'+ PNG':>9s} {'compute':>9s} "
        f"{'full draws':>10s}  goal"
    )
    for label, make, name, values in CASES:
        values = np.linspace(values[0], values[-1], args.repeats)
        r = measure(make, name, values)
        ok = "ok" if r["redraw"] < GOAL_MS else "SLOW"
        print(
            f"{label:28s} {r['redraw']:12.1f} ms {r['png']:6.1f} ms {r['compute']:6.1f} ms "
            f"{r['full']:9.0f}%  {ok}"
        )
    print(f"(median over {args.repeats} changes; goal: change -> redraw < {GOAL_MS:.0f} ms)")
    print()
    print(f"{'precomputed twin':28s} {'figures':>8s} {'page KB':>9s} {'build s':>8s}")
    for label, make, _, _ in CASES:
        n, kb, seconds = page_weight(make)
        print(f"{label:28s} {n:8d} {kb:9.0f} {seconds:8.1f}")


if __name__ == "__main__":
    main()
