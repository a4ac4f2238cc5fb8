"""Loss curves as text, for the terminal and for Anki cards."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import _checks

__all__ = ["text_curve"]


def text_curve(
    losses: np.ndarray,
    width: int = 60,
    height: int = 12,
    *,
    floor: float | None = None,
    others: Sequence[tuple[np.ndarray, str]] = (),
    steps: np.ndarray | None = None,
    legend: str = "",
) -> str:
    """A character plot of a loss curve (step to the right, loss up; log scale when the curve spans
    more than two decades), with the loss range and step count on the axes.

    ``floor``: the lowest loss possible, drawn as a row of ``.`` (and named below the plot);
    ``others``: more curves of the same length, each with its own marker; ``steps``: the step of
    each point (default 0, 1, ...); ``legend``: a line printed under the plot."""
    width = _checks.integer("width", width, minimum=10, maximum=400)
    height = _checks.integer("height", height, minimum=3, maximum=100)
    y = np.asarray(losses, dtype=float)
    if y.ndim != 1 or y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError(
            f"losses must be a finite 1-D curve of at least 2 values, got shape {y.shape}"
        )
    # the main curve last, so it stays on top where curves overlap
    series = [(np.asarray(o, dtype=float), m) for o, m in others] + [(y, "*")]
    if any(s.shape != y.shape or not np.all(np.isfinite(s)) for s, _ in series):
        raise ValueError("others must be finite curves of the same length as losses")
    every = np.concatenate([s for s, _ in series])
    lo, hi = float(every.min()), float(every.max())
    log = lo > 0 and hi / lo > 100
    if floor is not None and not log and math.isfinite(floor):
        lo = min(lo, floor)  # on a linear scale the floor is always in view
        every = np.append(every, floor)
    v_all = np.log10(every) if log else every
    vlo, vhi = float(v_all.min()), float(v_all.max())
    span = vhi - vlo if vhi > vlo else 1.0
    cols = np.minimum((np.arange(y.size) * width) // y.size, width - 1)
    grid = [[" "] * width for _ in range(height)]
    floor_row = None
    if floor is not None and (floor > 0 or not log):
        fv = np.log10(floor) if log else floor
        if vlo - 1e-12 <= fv <= vhi + 1e-12:
            floor_row = (
                height - 1 - int(np.clip(round((fv - vlo) / span * (height - 1)), 0, height - 1))
            )
            grid[floor_row] = ["."] * width
    for s, mark in series:
        v = np.log10(s) if log else s
        rows = np.clip(np.round((v - vlo) / span * (height - 1)).astype(int), 0, height - 1)
        for c, r in zip(cols, rows, strict=True):
            grid[height - 1 - r][c] = mark
    top, bottom = f"{hi:.3g}", f"{lo:.3g}"
    pad = max(len(top), len(bottom))
    lines = []
    for i, row in enumerate(grid):
        label = top if i == 0 else bottom if i == height - 1 else ""
        lines.append(f"{label:>{pad}} |{''.join(row).rstrip()}")
    lines.append(f"{'':>{pad}} +{'-' * width}")
    first, last = (0, y.size - 1) if steps is None else (int(steps[0]), int(steps[-1]))
    lines.append(f"{'':>{pad}}  step {first}{'':>{max(width - 16 - len(str(last)), 1)}}step {last}")
    scale = "log scale" if log else "linear scale"
    lines.append(f"{'':>{pad}}  loss ({scale})")
    if floor is not None:
        where = "the row of dots" if floor_row is not None else "below the plotted range"
        lines.append(f"{'':>{pad}}  floor (the lowest loss possible): {floor:.3g}, {where}")
    if legend:
        lines.append(f"{'':>{pad}}  {legend}")
    return "\n".join(lines)


_checks.check_public(globals())
