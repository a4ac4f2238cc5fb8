"""Live widgets of notebooks 08-12: time from a slider change to the finished Agg redraw.

Same measure as ``bench_widgets.py``: change -> new figure in the kernel (update, redraw, PNG),
median and 90th percentile (goal: median < 50 ms, p90 < 100 ms). Two of these views run a
PyTorch experiment per value (transfer learning, edge of stability) and cache it, so they are
timed twice: the first visit of each value (the experiment runs) and a revisit (cached).

    python benchmarks/bench_widgets_late.py
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from lrlearn.widgets import live

GOAL_MS = 50.0
P90_GOAL_MS = 100.0


def measure(view: Any, name: str, values: list[Any]) -> dict[str, float]:
    widget = live(view)
    control = widget.controls[name]
    rows = []
    for value in values:
        start = time.perf_counter()
        control.value = value
        total = time.perf_counter() - start
        t = widget.last_timings
        rows.append((t["compute"] + t["redraw"], total, t["compute"]))
    widget.close()
    a = 1e3 * np.array(rows)
    return {
        "median": float(np.median(a[:, 1])),
        "p90": float(np.percentile(a[:, 1], 90)),
        "compute": float(np.median(a[:, 2])),
    }


def main() -> None:
    import torch

    from lrlearn.deep import measure_throughput
    from lrlearn.widgets.eos_views import EdgeOfStabilityExplorer
    from lrlearn.widgets.hardware_views import BatchSizeCost
    from lrlearn.widgets.review_views import ReviewSimulator
    from lrlearn.widgets.transfer_views import TransferView

    torch.set_num_threads(1)
    throughput = measure_throughput(
        (1, 4, 16, 64, 256, 1024), steps=3, repeats=3, threads=1, progress=False
    )
    bodies = [0.0, 0.1, 0.3, 0.6, 1.0]
    rates = [0.05, 0.1, 0.2, 0.3, 0.5]
    memories = [float(m) for m in np.linspace(0.5, 2.0, 16)]
    cases = [
        ("ReviewSimulator (first visit)", ReviewSimulator(), "memory", memories),
        ("ReviewSimulator (revisit)", ReviewSimulator(), "memory", memories[:4] * 4),
        ("BatchSizeCost", BatchSizeCost(throughput), "log2_batch", [0, 2, 4, 6, 8, 10] * 3),
        ("TransferView (first visit)", TransferView(), "body_factor", bodies),
        ("TransferView (revisit)", TransferView(), "body_factor", bodies),
        ("EdgeOfStabilityExplorer (first)", EdgeOfStabilityExplorer(), "lr", rates),
        ("EdgeOfStabilityExplorer (revisit)", EdgeOfStabilityExplorer(), "lr", rates),
    ]
    print(f"{'live widget':34s} {'median':>9s} {'p90':>9s} {'compute':>9s}  goal")
    for label, view, name, values in cases:
        start = time.perf_counter()
        r = measure(view, name, values)
        ok = "ok" if r["median"] < GOAL_MS and r["p90"] < P90_GOAL_MS else "SLOW"
        print(
            f"{label:34s} {r['median']:6.1f} ms {r['p90']:6.1f} ms {r['compute']:6.1f} ms  "
            f"{ok}   ({time.perf_counter() - start:.1f} s for {len(values)} changes)"
        )
    print(
        f"(change -> new figure in the kernel; goal: median < {GOAL_MS:.0f} ms, "
        f"p90 < {P90_GOAL_MS:.0f} ms; a first visit of an experiment's value includes running it)"
    )


if __name__ == "__main__":
    main()
