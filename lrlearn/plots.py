"""Matplotlib figures for simulated runs. Each function draws on ``ax`` (or a new figure) and
returns the Axes; nothing here calls ``plt.show()``. Diverged runs are drawn up to their last
finite step and marked, so no inf or NaN ever reaches an axis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _checks
from .landscapes import Landscape

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .simulate import SweepResult, Trajectory

__all__ = [
    "MIN_FONT_PT",
    "STYLE",
    "loss_gap",
    "new_axes",
    "plot_landscape",
    "plot_losses",
    "plot_path",
    "plot_sweep",
    "readable",
    "spread_ticks",
    "whole_number_ticks",
]

#: The smallest text a figure carries, in points. The book lays figures out at 80 CSS px per
#: inch (a 6.4-inch figure is 512 px wide) and never shrinks them below that on a phone, so
#: 9 pt is 10 CSS px; the pixels are drawn at twice that density.
MIN_FONT_PT = 9.0

#: Matplotlib settings for every figure of the book (the widgets' figures and, through the
#: kernel profile of the book build, the notebooks' own): text no smaller than MIN_FONT_PT.
STYLE: dict[str, Any] = {
    "font.size": 10.0,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10.0,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": MIN_FONT_PT,
    "legend.title_fontsize": 9.5,
    "figure.titlesize": 11.0,
}


def readable(fig: Any) -> Any:
    """Raise every text ``fig`` holds (titles, axis labels, legends, annotations, figure texts)
    to at least ``MIN_FONT_PT`` points; returns ``fig``. Tick labels follow ``STYLE``."""
    from matplotlib.figure import Figure

    _checks.instance("fig", fig, Figure, "a matplotlib Figure")
    texts = list(fig.texts)
    for legend in fig.legends:
        texts += [*legend.get_texts(), legend.get_title()]
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += ax.texts
        legend = ax.get_legend()
        if legend is not None:
            texts += [*legend.get_texts(), legend.get_title()]
    for text in texts:
        if text.get_fontsize() < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    return fig


def whole_number_ticks(axis: Any, values: Sequence[float]) -> None:
    """Ticks of a (log) ``axis`` at ``values`` only, printed as whole numbers (1024, never
    1.02e+03 or 2^10), with no minor labels to overlap them: batch sizes, step counts."""
    from matplotlib.axis import Axis
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    _checks.instance("axis", axis, Axis, "a matplotlib Axis (ax.xaxis or ax.yaxis)")

    axis.set_major_locator(FixedLocator([float(v) for v in values]))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}"))
    axis.set_minor_locator(NullLocator())
    axis.set_minor_formatter(NullFormatter())


def spread_ticks(values: Any, most: int = 7) -> list[int]:
    """At most ``most`` of the whole numbers ``values``, spread evenly along a log axis (the
    first and the last always among them)."""
    values = np.unique(_checks.array("values", values, positive=True).astype(int))
    if values.size <= most:
        return values.tolist()
    picks = np.unique(np.round(np.linspace(0, values.size - 1, most)).astype(int))
    return values[picks].tolist()


def new_axes(
    ax: Axes | None = None, figsize: tuple[float, float] = (6.0, 4.0), *, pyplot: bool = False
) -> Axes:
    """``ax`` itself, or the Axes of a new constrained-layout figure. With ``pyplot=True`` the
    figure is made through ``matplotlib.pyplot``, so a notebook shows it without being asked;
    otherwise it is a plain ``Figure`` that nothing keeps alive."""
    if ax is not None:
        from matplotlib.axes import Axes

        return _checks.instance("ax", ax, Axes, "a matplotlib Axes or None")
    pyplot = _checks.flag("pyplot", pyplot)
    if not isinstance(figsize, Sequence) or isinstance(figsize, str) or len(figsize) != 2:
        raise TypeError(f"figsize must be a pair (width, height) in inches, got {figsize!r}")
    figsize = tuple(_checks.in_range("figsize", v, 0.0, 100.0, low_open=True) for v in figsize)
    if pyplot:
        import matplotlib.pyplot as plt

        return plt.subplots(figsize=figsize, layout="constrained")[1]
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained").add_subplot()


def loss_gap(losses: np.ndarray, min_value: float) -> np.ndarray:
    """``losses - min_value`` floored at a small positive number, ready for a log axis."""
    min_value = _checks.real("min_value", min_value)
    with np.errstate(all="ignore"):
        gap = _checks.array("losses", losses, min_size=0, finite=False) - min_value
    positive = gap[gap > 0]
    top = float(positive.max()) if positive.size else 1.0
    floor = max(float(positive.min()) if positive.size else top, top * 1e-30, 1e-300)
    return np.maximum(gap, floor)


def _log_limits(ax: Axes, axis: str, values: Any) -> None:
    """Fixed limits for a log axis, padded by a twentieth of a decade range but kept inside
    [1e-307, 1e307]: matplotlib's own margins overflow (RuntimeWarning) near 1e308."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return
    lo, hi = np.log10(v.min()), np.log10(v.max())
    pad = max(0.05 * (hi - lo), 0.1)
    limits = 10 ** max(lo - pad, -307.0), 10 ** min(hi + pad, 307.0)
    (ax.set_xlim if axis == "x" else ax.set_ylim)(*limits)


def _runs(runs: Trajectory | Sequence[Trajectory]) -> list[Trajectory]:
    from .simulate import Trajectory

    out = [runs] if isinstance(runs, Trajectory) else runs
    if not isinstance(out, Sequence) or not out or not all(isinstance(r, Trajectory) for r in out):
        raise TypeError(f"runs must be a Trajectory or a non-empty list of them, got {runs!r}")
    return list(out)


def _labels(labels: Any, runs: list[Trajectory]) -> list[str]:
    if labels is None:
        return [_label(r) for r in runs]
    if isinstance(labels, str) or not isinstance(labels, Sequence) or len(labels) != len(runs):
        raise ValueError(f"labels must be one string per run ({len(runs)}), got {labels!r}")
    return [str(label) for label in labels]


def _label(run: Trajectory) -> str:
    lrs = run.lrs
    if lrs.size and np.allclose(lrs, lrs[0]):
        return f"{run.optimizer.describe()}, lr={lrs[0]:.3g}"
    return run.optimizer.describe()


def plot_losses(
    runs: Trajectory | Sequence[Trajectory],
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    log: bool = True,
) -> Axes:
    """Loss minus the landscape's minimum against step, one line per run; ``x`` marks divergence."""
    log = _checks.flag("log", log)
    runs = _runs(runs)
    labels = _labels(labels, runs)
    ax = new_axes(ax)
    shown = []
    for run, label in zip(runs, labels, strict=True):
        f_star = run.landscape.min_value
        y = loss_gap(run.losses, f_star) if log else run.losses - f_star
        shown.append(y)
        (line,) = ax.plot(np.arange(len(y)), y, label=label)
        if run.diverged:
            ax.plot(len(y) - 1, y[-1], "x", color=line.get_color(), ms=10, mew=2)
            ax.annotate(
                f"diverged at step {run.diverged_at}",
                (len(y) - 1, y[-1]),
                textcoords="offset points",
                xytext=(6, -4),
                ha="left",
                va="top",
                color=line.get_color(),
            )
    if log:
        _log_limits(ax, "y", np.concatenate(shown))
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("loss − minimum" if log else "loss")
    ax.legend(fontsize="small")
    return ax


def plot_landscape(
    landscape: Landscape, ax: Axes | None = None, *, levels: int = 30, resolution: int = 200
) -> Axes:
    """The loss as a curve (1-D) or as filled log-spaced contours (2-D), minima starred."""
    _checks.instance("landscape", landscape, Landscape, "an lrlearn Landscape")
    levels = _checks.integer("levels", levels, minimum=2, maximum=500)
    resolution = _checks.integer("resolution", resolution, minimum=2, maximum=2000)
    ax = new_axes(ax)
    if landscape.dim == 1:
        ((lo, hi),) = landscape.bounds
        xs = np.linspace(lo, hi, resolution)
        ax.plot(xs, landscape.value(xs[:, None]), color="0.3", lw=1.5)
        mins = landscape.minima[:, 0]
        ax.plot(mins, landscape.value(mins[:, None]), "*", color="gold", ms=12, mec="k", zorder=5)
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        return ax
    if landscape.dim != 2:
        raise ValueError(f"plot_landscape draws 1-D or 2-D landscapes, got dim={landscape.dim}")
    (x0, x1), (y0, y1) = landscape.bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    z = landscape.value(np.stack([gx, gy], axis=-1))
    z = z - z.min() + 1e-3 * (z.max() - z.min() + 1e-12)
    ax.contourf(gx, gy, np.log10(z), levels=levels, cmap="viridis", alpha=0.85)
    ax.contour(gx, gy, np.log10(z), levels=levels, colors="k", linewidths=0.3, alpha=0.4)
    m = landscape.minima
    ax.plot(m[:, 0], m[:, 1], "*", color="gold", ms=14, mec="k", zorder=5)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_aspect("equal", adjustable="box")
    return ax


def plot_path(
    runs: Trajectory | Sequence[Trajectory],
    ax: Axes | None = None,
    *,
    labels: Sequence[str] | None = None,
    landscape: bool = True,
) -> Axes:
    """The iterates over the landscape: dots on the curve (1-D) or a path over contours (2-D).
    Points outside the plotting window are clipped to its edge so the window never blows up."""
    landscape = _checks.flag("landscape", landscape)
    runs = _runs(runs)
    labels = _labels(labels, runs)
    ax = new_axes(ax)
    scape = runs[0].landscape
    if landscape:
        plot_landscape(scape, ax)
    bounds = np.array(scape.bounds)
    for run, label in zip(runs, labels, strict=True):
        p = np.clip(run.positions, bounds[:, 0], bounds[:, 1])
        if scape.dim == 1:
            (line,) = ax.plot(p[:, 0], scape.value(p), "o-", ms=3, lw=0.8, label=label)
        else:
            (line,) = ax.plot(p[:, 0], p[:, 1], "o-", ms=2.5, lw=1, label=label)
        if run.diverged:
            end = p[-1] if scape.dim == 2 else (p[-1, 0], float(scape.value(p[-1])))
            ax.plot(*end, "x", color=line.get_color(), ms=10, mew=2)
    ax.legend(fontsize="small", loc="best")
    return ax


def plot_sweep(
    result: SweepResult, ax: Axes | None = None, *, show_critical: bool = True, **kwargs: Any
) -> Axes:
    """Final loss against learning rate (log-log): the U-curve. Diverged runs are marked ``x`` at
    the top of the axis; the best rate is starred and, on a quadratic with plain SGD, the
    critical rate 2/L is drawn as a dashed line."""
    from .landscapes import Quadratic
    from .optimizers import SGD
    from .simulate import SweepResult

    _checks.instance("result", result, SweepResult, "a SweepResult from lrlearn.sweep")
    show_critical = _checks.flag("show_critical", show_critical)
    ax = new_axes(ax)
    ok = ~result.diverged
    gap = loss_gap(result.final_losses, result.landscape.min_value)
    ax.plot(result.lrs[ok], gap[ok], ".-", label="final loss − minimum", **kwargs)
    if result.diverged.any():
        top = gap[ok].max() if ok.any() else 1.0
        ax.plot(result.lrs[~ok], np.full((~ok).sum(), top), "x", color="C3", label="diverged")
    if result.best_index is not None:
        ax.plot(
            result.best_lr,
            gap[result.best_index],
            "*",
            color="gold",
            ms=14,
            mec="k",
            label=f"best lr = {result.best_lr:.3g}",
        )
    if (
        show_critical
        and isinstance(result.landscape, Quadratic)
        and type(result.optimizer) is SGD
        and not result.optimizer.momentum
    ):
        crit = 2.0 / result.landscape.lipschitz
        ax.axvline(crit, ls="--", color="0.4", label=f"2/L = {crit:.3g}")
    _log_limits(ax, "x", result.lrs)  # before the log scale, whose autoscale would overflow
    _log_limits(ax, "y", gap)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel(f"loss − minimum after {result.steps} steps")
    ax.legend(fontsize="small")
    return ax


_checks.check_public(globals())
