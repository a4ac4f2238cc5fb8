"""Learning rates at scale: views over the results of ``lrlearn.claims.at_scale`` (muP across
width, schedule shapes and cooldowns on the text stream, the critical batch size) and the
figures of the book's pages. Each view is handed a computed result and only selects from it, so
its precomputed twin (the book) and its live view show the same numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _checks
from .controls import choice
from .view import View

__all__ = [
    "CooldownView",
    "CriticalBatchView",
    "MupWidthView",
    "ScheduleShapeView",
    "anytime_figure",
    "schedules_figure",
]


def _tuned_curve(runs: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """Eval steps, mean loss over seeds at the rate with the lowest final loss, and that rate."""
    k = int(np.argmin(runs.loss[:, :, -1].mean(axis=1)))
    return runs.eval_steps, runs.loss[k].mean(axis=0), float(runs.lrs[k])


def schedules_figure(result: dict[str, Any]) -> Any:
    """Left: excess loss of each schedule at its tuned rate. Right: the constant run and the
    cooldowns branched from it."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.6), layout="constrained")
    ax, ax_b = fig.subplots(1, 2, sharey=True)
    runs = result["runs"]
    floor = runs["cosine"].lang.entropy_floor
    for i, (name, r) in enumerate(runs.items()):
        if name == "schedule-free":
            continue
        t, loss, lr = _tuned_curve(r)
        ax.plot(t, loss - floor, color=f"C{i}", label=f"{name} (lr {lr:g})")
    t, loss, lr = _tuned_curve(result["constant"])
    ax_b.plot(t, loss - floor, color="C0", label=f"constant (lr {lr:g})")
    for j, (f, b) in enumerate(result["branches"].items()):
        ax_b.plot(
            b.eval_steps,
            b.loss[0].mean(axis=0) - floor,
            color=f"C{j + 2}",
            label=f"cooldown from {100 * f:.0f}%",
        )
    for a in (ax, ax_b):
        a.set(yscale="log", xlabel="step")
        a.legend(fontsize=7)
    ax.set(ylabel="excess loss over the entropy floor (nats)", title="Equal budgets")
    ax_b.set_title("Cooldowns branched from one constant run")
    return fig


def anytime_figure(result: dict[str, Any]) -> Any:
    """Schedule-free's excess loss along its run, and cosine tuned for each shorter length."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.6, 3.6), layout="constrained")
    ax = fig.subplots()
    runs = result["runs"]
    floor = runs["cosine"].lang.entropy_floor
    t, loss, lr = _tuned_curve(runs["schedule-free"])
    ax.plot(t, loss - floor, color="C5", lw=2, label=f"schedule-free (lr {lr:g})")
    t, loss, lr = _tuned_curve(runs["constant"])
    ax.plot(t, loss - floor, color="C0", lw=1, label=f"constant (lr {lr:g})")
    cosines = {**result["cosine_shorter"], result["steps"]: runs["cosine"]}
    for i, (_, r) in enumerate(sorted(cosines.items())):
        t, loss, lr = _tuned_curve(r)
        ax.plot(t, loss - floor, "--", color="C1", alpha=0.5 + 0.25 * i)
        ax.plot(
            t[-1:],
            loss[-1:] - floor,
            "o",
            color="C1",
            label="cosine tuned to end here" if i == 0 else None,
        )
    ax.set(
        yscale="log",
        xlabel="step",
        ylabel="excess loss (nats)",
        title="One schedule-free run against cosine endpoints",
    )
    ax.legend(fontsize=7)
    return fig


class MupWidthView(View):
    """Loss against learning rate for widths up to the chosen one, SP left and muP right."""

    title = "muP across width"
    figsize = (8.0, 3.4)

    def __init__(self, sweep: Any) -> None:
        super().__init__()
        self.sweep = _checks.result_like("sweep", sweep, ("widths", "loss"),
                                         "an LrSweepResult from deep.mup.lr_sweep")
        widths = tuple(int(w) for w in sweep.widths)
        self.controls = (choice("width", "widest model", widths[-1], widths),)

    def compute(self, width: int) -> int:
        return [int(w) for w in self.sweep.widths].index(width)

    def setup(self, fig: Any) -> None:
        self.fig = fig

    def update(self, result: int) -> None:
        self.sweep.plot(width_index=result, fig=self.fig)


class ScheduleShapeView(View):
    """Left: the learning rate of the chosen shape. Right: its excess loss at the tuned rate,
    with cosine for reference."""

    title = "schedule shapes on the text stream"

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__()
        self.result = result
        names = tuple(n for n in result["runs"] if n != "schedule-free")
        self.controls = (choice("shape", "schedule", "wsd 1-sqrt", names),)

    def compute(self, shape: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        from ..deep.lm_schedules import make_schedule

        steps = self.result["steps"]
        t, loss, lr = _tuned_curve(self.result["runs"][shape])
        rates = make_schedule(shape, lr, steps).values(steps)
        return rates, t, loss - self.result["runs"]["cosine"].lang.entropy_floor, lr

    def setup(self, fig: Any) -> None:
        self.ax_lr, self.ax = fig.subplots(1, 2)
        steps = self.result["steps"]
        runs = self.result["runs"]
        t, loss, _ = _tuned_curve(runs["cosine"])
        floor = runs["cosine"].lang.entropy_floor
        self.ax.plot(t, loss - floor, color="0.6", lw=1, label="cosine")
        (self.lr_line,) = self.ax_lr.plot([], [], color="C0", lw=2)
        (self.loss_line,) = self.ax.plot([], [], color="C0", lw=2, label="chosen")
        top = max(float(np.max(r.lrs)) for r in runs.values())
        self.ax_lr.set(xlim=(0, steps), ylim=(0, 1.05 * top), xlabel="step", ylabel="learning rate")
        low = min(float(_tuned_curve(r)[1][-1]) for r in runs.values()) - floor
        self.ax.set(
            xlim=(0, steps),
            yscale="log",
            ylim=(0.7 * low, 2.0),
            xlabel="step",
            ylabel="excess loss (nats)",
        )
        self.ax.legend(fontsize=7)
        self.text = self.ax.text(
            0.97, 0.95, "", transform=self.ax.transAxes, ha="right", va="top", fontsize=8
        )

    def update(self, result: tuple[np.ndarray, np.ndarray, np.ndarray, float]) -> None:
        rates, t, excess, lr = result
        self.lr_line.set_data(np.arange(rates.size), rates)
        self.loss_line.set_data(t, excess)
        self.text.set_text(f"tuned peak lr {lr:g}\nfinal excess {excess[-1]:.3g}")


class CooldownView(View):
    """The constant run and the cooldown branched at the chosen fraction of the budget."""

    title = "cooldown start"

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__()
        self.result = result
        fractions = tuple(f"{round(100 * f)}%" for f in result["branches"])
        self.controls = (choice("start", "cooldown from", fractions[-1], fractions),)

    def compute(self, start: str) -> tuple[np.ndarray, np.ndarray]:
        f = {f"{round(100 * f)}%": f for f in self.result["branches"]}[start]
        b = self.result["branches"][f]
        return b.eval_steps, b.loss[0].mean(axis=0) - b.lang.entropy_floor

    def setup(self, fig: Any) -> None:
        self.ax = fig.subplots()
        c = self.result["constant"]
        floor = c.lang.entropy_floor
        t, loss, lr = _tuned_curve(c)
        self.ax.plot(t, loss - floor, color="C0", label=f"constant lr {lr:g}")
        (self.line,) = self.ax.plot([], [], color="C3", lw=2, label="cooldown (1-sqrt)")
        self.ax.set(
            yscale="log",
            xlabel="step",
            ylabel="excess loss (nats)",
            ylim=(0.5 * float(np.min(loss - floor)), float(np.max(loss - floor))),
        )
        self.ax.legend(fontsize=7)
        self.text = self.ax.text(0.97, 0.6, "", transform=self.ax.transAxes, ha="right", fontsize=8)

    def update(self, result: tuple[np.ndarray, np.ndarray]) -> None:
        t, excess = result
        self.line.set_data(t, excess)
        drop = 1 - excess[-1] / excess[0]
        self.text.set_text(f"the cooldown removes {100 * drop:.0f}%\nof the excess loss")


class CriticalBatchView(View):
    """Steps to each target against B, the chosen batch size marked with its steps and tuned
    learning rate per target."""

    title = "critical batch size"

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = _checks.result_like("result", result, ("batch_sizes",),
                                          "a steps-to-target result")
        sizes = tuple(int(b) for b in result.batch_sizes)
        self.controls = (choice("batch", "batch size", sizes[len(sizes) // 2], sizes),)

    def compute(self, batch: int) -> int:
        return [int(b) for b in self.result.batch_sizes].index(batch)

    def setup(self, fig: Any) -> None:
        self.ax = fig.subplots()
        r = self.result
        for j, target in enumerate(r.targets):
            ok = np.isfinite(r.steps[:, j])
            self.ax.plot(
                r.batch_sizes[ok],
                r.steps[ok, j],
                "o-",
                ms=3,
                color=f"C{j}",
                label=f"target {target:g}: B_crit {r.critical_batch[j]:.3g}",
            )
        self.marker = self.ax.axvline(1, color="k", lw=1)
        self.ax.set(xscale="log", yscale="log", xlabel="batch size B", ylabel="steps to target")
        self.ax.legend(fontsize=7, loc="lower left")
        self.text = self.ax.text(
            0.97, 0.95, "", transform=self.ax.transAxes, ha="right", va="top", fontsize=8
        )

    def update(self, result: int) -> None:
        r = self.result
        b = int(r.batch_sizes[result])
        self.marker.set_xdata([b, b])
        lines = [f"B = {b}"]
        for j, target in enumerate(r.targets):
            s, lr = r.steps[result, j], r.best_lr[result, j]
            lines.append(
                f"{target:g}: "
                + (f"{s:.0f} steps, lr {lr:.3g}" if np.isfinite(s) else "not reached")
            )
        self.text.set_text("\n".join(lines))

_checks.check_public(globals())
