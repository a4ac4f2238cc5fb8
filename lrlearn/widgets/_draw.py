"""Small helpers the concept views share: log-axis limits and the divergence mark."""

from __future__ import annotations

from typing import Any

import numpy as np

DIVERGED_COLOR = "#c0392b"


def log_limits(*arrays: np.ndarray, pad: float = 2.0, floor: float = 1e-30) -> tuple[float, float]:
    """Limits of a log axis holding every positive finite value of ``arrays``, padded by ``pad``
    and widened to whole decades (so small changes keep the axis, and the redraw can blit)."""
    values = np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in arrays] or [[1.0]])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 0.1, 10.0
    lo, hi = max(float(values.min()), floor), float(values.max())
    if hi <= lo:
        hi = lo * 10
    return float(10.0 ** np.floor(np.log10(lo / pad))), float(10.0 ** np.ceil(np.log10(hi * pad)))


def range_log_limits(
    *arrays: np.ndarray, pad: float = 3.0, decades: float = 20.0
) -> tuple[float, float]:
    """Fixed limits of a log axis for everything a view can draw over its controls' whole range:
    whole decades holding ``arrays`` (``log_limits``), at most ``decades`` deep (a run that
    converges further leaves through the bottom). With fixed limits no slider move changes an
    axis, so every redraw is a blit of the moving artists."""
    lo, hi = log_limits(*arrays, pad=pad)
    return max(lo, hi / 10.0**decades), hi


def clip_to(value: float, limits: tuple[float, float]) -> float:
    """``value`` moved inside ``limits`` (a marker at the edge instead of off the axes)."""
    return float(min(max(value, limits[0]), limits[1]))


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``value`` (snapped axis ends:
    a step count moved by one changes the axis only at these values)."""
    if value <= 1:
        return 1.0
    exp = 10.0 ** np.floor(np.log10(value))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * exp >= value * (1 - 1e-12):
            return float(m * exp)
    return float(10 * exp)


def status_text(ax: Any) -> Any:
    """A Text artist in the top right corner of ``ax`` for a run's verdict."""
    return ax.text(
        0.98,
        0.96,
        "",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.7", "alpha": 0.9},
        zorder=10,
    )


def set_status(text: Any, message: str, diverged: bool) -> None:
    text.set_text(message)
    text.set_color(DIVERGED_COLOR if diverged else "0.1")
    text.get_bbox_patch().set_edgecolor(DIVERGED_COLOR if diverged else "0.7")


def fit_log_axis(
    ax: Any, *arrays: np.ndarray, pad: float = 3.0, slack: float = 100.0, sticky: bool = True
) -> None:
    """Set ``ax``'s log y-limits to hold ``arrays`` (see ``log_limits``). With ``sticky``, keep
    the current limits while the data still fits inside them and fills them to within a factor
    ``slack`` at each end: nearby slider values then leave the axis alone and the redraw can
    blit. (The precomputed view turns this off, so each image depends on its values only.)"""
    lo, hi = log_limits(*arrays, pad=pad)
    cur_lo, cur_hi = ax.get_ylim()
    if sticky and ax.get_yscale() == "log" and 0 < cur_lo <= lo and hi <= cur_hi:
        if lo <= cur_lo * slack and cur_hi <= hi * slack:
            return
    ax.set_ylim(lo, hi)
