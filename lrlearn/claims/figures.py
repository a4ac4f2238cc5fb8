"""Figures for claims whose evidence is a grid of runs. Each takes an :class:`Evidence` and returns
a matplotlib Figure (matplotlib is imported here, lazily, never at ``import lrlearn``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..landscapes import DoubleWell
from .registry import Evidence

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_basins", "plot_edge_of_stability", "plot_rate_grid"]


def _needs(ev: Evidence, key: str, *names: str) -> dict:
    if not isinstance(ev, Evidence):
        raise TypeError(f"ev must be the Evidence of claim {key!r}, got {type(ev).__name__}")
    if ev.claim.key != key:
        raise ValueError(f"ev must be the Evidence of claim {key!r}, got {ev.claim.key!r}")
    return {n: ev.measurement.extra[n] for n in names}


def plot_basins(ev: Evidence) -> Figure:
    """Left: the double well. Right: which minimum each (start, step size) run ends in."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    d = _needs(ev, "small-rates-stuck", "starts", "lrs", "end_local", "settled")
    f = DoubleWell(tilt=0.3)
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained",
                                   gridspec_kw={"width_ratios": [1, 1.6]})
    xs = np.linspace(-1.8, 1.8, 400)
    ax0.plot(xs, f.value(xs), color="0.2")
    for m, label, c in zip(f.minima[:, 0], ("global minimum", "local minimum"),
                           ("tab:blue", "tab:orange"), strict=True):
        ax0.plot([m], [f.value(m)], "o", color=c, label=label)
    ax0.axvline(f.barrier, color="0.6", ls="--", lw=1, label="top of the bump")
    ax0.set(xlabel="x", ylabel="f(x)", title="f(x) = (x² - 1)² + 0.3 x")
    ax0.legend(fontsize=8)
    code = np.where(~d["settled"], 2, d["end_local"].astype(int))
    cmap = ListedColormap(["tab:blue", "tab:orange", "0.75"])
    starts, lrs = d["starts"], d["lrs"]
    ax1.pcolormesh(starts, lrs, code, cmap=cmap, vmin=-0.5, vmax=2.5, shading="nearest")
    ax1.axvline(f.barrier, color="k", ls="--", lw=1)
    ax1.set(xlabel="start x0", ylabel="learning rate",
            title="where each run ends (blue: global, orange: local)")
    return fig


def plot_rate_grid(ev: Evidence) -> Figure:
    """Final gap (relative to the start) for each landscape and learning rate, Adam vs SGD."""
    import matplotlib.pyplot as plt

    d = _needs(ev, "adaptive-no-tuning", "lrs", "landscapes", "gaps", "tol")
    lrs, names = d["lrs"], d["landscapes"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained", sharey=True)
    for ax, opt in zip(axes, ("adam", "sgd"), strict=True):
        gap = d["gaps"][opt]
        shown = np.log10(np.clip(np.where(np.isfinite(gap), gap, 1.0), 1e-16, 1.0))
        masked = np.ma.masked_where(~np.isfinite(gap), shown)
        cmap = plt.get_cmap("viridis").with_extremes(bad="tab:red")
        im = ax.pcolormesh(np.log10(lrs), np.arange(len(names)), masked, cmap=cmap, vmin=-16,
                           vmax=0, shading="nearest")
        ok = np.isfinite(gap) & (gap < d["tol"])
        for i, j in zip(*np.nonzero(ok), strict=True):
            ax.plot(np.log10(lrs[j]), i, ".", color="white", ms=3)
        ax.axvline(-3, color="w", ls=":", lw=1)
        ax.set(title="Adam" if opt == "adam" else "plain gradient descent",
               xlabel="log10 learning rate (dotted: 1e-3)")
    axes[0].set_yticks(np.arange(len(names)), names)
    fig.colorbar(im, ax=axes, shrink=0.8, label="log10 final gap / starting gap")
    fig.suptitle("Final loss gap after the step budget; red: diverged, white dots: success")
    return fig


def plot_edge_of_stability(ev: Evidence) -> Figure:
    """Training loss and sharpness against the step for each step size, with the 2 / eta lines."""
    import matplotlib.pyplot as plt

    results = _needs(ev, "cohen-2021-edge-of-stability", "results")["results"]
    fig, (ax_loss, ax_sharp) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    for i, r in enumerate(results):
        color = f"C{i}"
        steps = np.arange(len(r.loss))
        ok = np.isfinite(r.loss)
        ax_loss.plot(steps[ok], r.loss[ok], color=color, lw=1, label=f"eta = {r.lr:g}")
        ax_sharp.plot(r.sharpness_steps, r.sharpness, color=color, lw=1.5,
                      label=f"eta = {r.lr:g}")
        ax_sharp.axhline(r.threshold, color=color, ls="--", lw=1)
    ax_loss.set(xlabel="step", ylabel="training loss", yscale="log",
                title="full-batch gradient descent")
    ax_sharp.set(xlabel="step", ylabel="sharpness (top Hessian eigenvalue)",
                 title="sharpness; dashed: 2 / eta")
    ax_loss.legend()
    ax_sharp.legend(loc="lower right")
    return fig
