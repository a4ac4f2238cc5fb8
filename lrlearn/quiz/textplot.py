"""Loss curves as text, for the terminal and for Anki cards."""

from __future__ import annotations

import numpy as np

from .. import _checks

__all__ = ["text_curve"]


def text_curve(losses: np.ndarray, width: int = 60, height: int = 12) -> str:
    """A character plot of a loss curve (step to the right, loss up; log scale when the curve spans
    more than two decades), with the loss range and step count on the axes."""
    width = _checks.integer("width", width, minimum=10, maximum=400)
    height = _checks.integer("height", height, minimum=3, maximum=100)
    y = np.asarray(losses, dtype=float)
    if y.ndim != 1 or y.size < 2 or not np.all(np.isfinite(y)):
        raise ValueError(f"losses must be a finite 1-D curve of at least 2 values, got shape {y.shape}")
    lo, hi = float(y.min()), float(y.max())
    log = lo > 0 and hi / lo > 100
    v = np.log10(y) if log else y
    vlo, vhi = float(v.min()), float(v.max())
    span = vhi - vlo if vhi > vlo else 1.0
    cols = np.minimum((np.arange(y.size) * width) // y.size, width - 1)
    rows = np.clip(np.round((v - vlo) / span * (height - 1)).astype(int), 0, height - 1)
    grid = [[" "] * width for _ in range(height)]
    for c, r in zip(cols, rows, strict=True):
        grid[height - 1 - r][c] = "*"
    top, bottom = f"{hi:.3g}", f"{lo:.3g}"
    pad = max(len(top), len(bottom))
    lines = []
    for i, row in enumerate(grid):
        label = top if i == 0 else bottom if i == height - 1 else ""
        lines.append(f"{label:>{pad}} |{''.join(row).rstrip()}")
    lines.append(f"{'':>{pad}} +{'-' * width}")
    scale = "log scale" if log else "linear scale"
    lines.append(f"{'':>{pad}}  step 0{'':>{max(width - 16 - len(str(y.size - 1)), 1)}}step {y.size - 1}")
    lines.append(f"{'':>{pad}}  loss ({scale})")
    return "\n".join(lines)
