"""The Adam era as widgets: thin views over :mod:`lrlearn.adam_signal`,
:mod:`lrlearn.deep.adaptive_eos` and :mod:`lrlearn.deep.adam_batch`.

- :class:`AdamSignalView`: ``rms(m / sqrt(v))`` (the size of Adam's step over ``lr``) against the
  step for gradients of a given signal-to-noise ratio, beside its closed form.
- :class:`AdaptiveEdgeView`: full-batch Adam's preconditioned sharpness against ``38 / lr``.
- :class:`BatchRulesView`: training loss against examples seen, one line per batch size, under one
  of Adam's batch-size rules (a precomputed :class:`~lrlearn.deep.adam_batch.ScalingRulesResult`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .. import _checks
from ._draw import log_limits
from .controls import choice, log_slider
from .view import View

__all__ = ["AdamSignalView", "AdaptiveEdgeView", "BatchRulesView"]


@lru_cache(maxsize=64)
def _ratio(snr: float, beta1: float, steps: int, coords: int) -> Any:
    from ..adam_signal import adam_ratio

    return adam_ratio(snr, beta1=beta1, steps=steps, coords=coords, seed=0)


class AdamSignalView(View):
    """Left: ``rms(m_hat / sqrt(v_hat))`` per step and its steady-state closed form. Right: the
    closed form against the SNR, the chosen point marked. Controls: SNR and beta1."""

    title = "Adam's step and the signal-to-noise ratio"
    figsize = (7.6, 3.2)

    def __init__(self, *, steps: int = 800, coords: int = 400, snr: float = 0.3) -> None:
        super().__init__()
        self.steps, self.coords = steps, coords
        self.controls = (
            log_slider("snr", "signal / noise", snr, 0.01, 10.0, grid=(0.03, 0.3, 3.0)),
            choice("beta1", "beta1", 0.9, (0.0, 0.5, 0.9, 0.99), grid=(0.0, 0.9)),
        )

    def compute(self, snr: float, beta1: float) -> Any:
        return _ratio(float(snr), float(beta1), self.steps, self.coords)

    def setup(self, fig: Any) -> None:
        from ..adam_signal import ratio_closed_form

        self.ax_t, self.ax_s = fig.subplots(1, 2)
        (self.line,) = self.ax_t.plot([], [], lw=1, color="C0", label="measured")
        self.closed = self.ax_t.axhline(1.0, color="k", ls="--", lw=1, label="closed form")
        self.ax_t.set(
            xlim=(1, self.steps),
            ylim=(0.01, 1.2),
            xscale="log",
            yscale="log",
            xlabel="step",
            ylabel="rms(m̂ / √v̂)  (step / lr)",
        )
        self.ax_t.legend(fontsize=7, loc="lower left")
        self.heading = self.ax_t.set_title("", fontsize=9)
        snr = np.geomspace(0.01, 10, 200)
        (self.curve,) = self.ax_s.plot(
            snr, ratio_closed_form(snr, 0.9), color="C1", label="closed form"
        )
        self.ax_s.plot(snr, np.minimum(snr, 1), ":", color="0.5", label="min(snr, 1)")
        (self.point,) = self.ax_s.plot([], [], "o", color="C0", ms=7, label="measured")
        self.ax_s.set(
            xscale="log",
            yscale="log",
            ylim=(0.01, 1.2),
            xlabel="signal / noise",
            ylabel="steady rms(m̂ / √v̂)",
        )
        self.ax_s.legend(fontsize=7, loc="lower right")

    def update(self, r: Any) -> None:
        from ..adam_signal import ratio_closed_form

        steps = np.arange(1, len(r.ratio) + 1)
        self.line.set_data(steps, r.ratio)
        self.closed.set_ydata([r.closed_form, r.closed_form])
        snr = np.geomspace(0.01, 10, 200)
        self.curve.set_ydata(ratio_closed_form(snr, r.beta1))
        self.point.set_data([r.snr], [r.steady()])
        self.heading.set_text(
            f"snr {r.snr:.3g}, beta1 {r.beta1:g}: steady {r.steady():.3f}, "
            f"closed form {r.closed_form:.3f}"
        )


@lru_cache(maxsize=16)
def _edge(lr: float, steps: int) -> Any:
    from ..deep.adaptive_eos import adaptive_edge_of_stability

    return adaptive_edge_of_stability(lr, steps=steps, every=20)


class AdaptiveEdgeView(View):
    """Left: full-batch Adam's training loss. Right: its preconditioned sharpness and raw
    sharpness against the step, with ``38 / lr``. Control: the learning rate."""

    title = "adaptive edge of stability"
    figsize = (7.6, 3.2)

    def __init__(self, *, steps: int = 600, lr: float = 4e-3) -> None:
        super().__init__()
        self.steps = steps
        self.controls = (log_slider("lr", "learning rate", lr, 1e-3, 1e-2, grid=(2e-3, 8e-3)),)

    def compute(self, lr: float) -> Any:
        return _edge(float(lr), self.steps)

    def setup(self, fig: Any) -> None:
        self.ax_loss, self.ax_s = fig.subplots(1, 2)
        (self.loss,) = self.ax_loss.plot([], [], lw=1)
        self.ax_loss.set(
            xlim=(0, self.steps), yscale="log", xlabel="step", ylabel="training loss (full batch)"
        )
        (self.pre,) = self.ax_s.plot([], [], ".-", ms=3, lw=1.2, color="C1", label="λ_max(P⁻¹H)")
        (self.raw,) = self.ax_s.plot([], [], lw=1, color="0.5", label="λ_max(H)")
        self.line = self.ax_s.axhline(1.0, color="k", ls="--", lw=1, label="38 / lr")
        self.ax_s.set(xlim=(0, self.steps), yscale="log", xlabel="step", ylabel="sharpness")
        self.ax_s.legend(fontsize=7, loc="lower right")
        self.heading = self.ax_s.set_title("", fontsize=9)

    def update(self, r: Any) -> None:
        ok = np.isfinite(r.loss) & (r.loss > 0)
        self.loss.set_data(np.arange(len(r.loss))[ok], r.loss[ok])
        self.ax_loss.set_ylim(*log_limits(r.loss[ok], pad=1.5))
        self.pre.set_data(r.sharpness_steps, r.preconditioned)
        self.raw.set_data(r.sharpness_steps, r.raw)
        self.line.set_ydata([r.threshold, r.threshold])
        self.ax_s.set_ylim(*log_limits(r.preconditioned, r.raw, [r.threshold], pad=1.5))
        self.heading.set_text(
            f"38/lr = {r.threshold:.3g}; second half: {r.hover_ratio():.2f} × 38/lr"
        )


class BatchRulesView(View):
    """Training loss against examples seen under one batch-size rule, one line per batch size.
    Control: the rule."""

    title = "Adam's batch-size rules"
    figsize = (6.4, 3.4)

    def __init__(self, result: Any, *, rule: str = "sde") -> None:
        super().__init__()
        from ..deep.adam_batch import RULES

        self.result = _checks.result_like("result", result, ("batch_sizes", "loss"),
                                          "a ScalingRulesResult from deep.adam_batch.scaling_rules")
        self.rules = RULES
        self.controls = (choice("rule", "rule", rule, RULES),)

    def compute(self, rule: str) -> Any:
        return self.rules.index(rule)

    def setup(self, fig: Any) -> None:
        self.ax = fig.subplots()
        r = self.result
        self.lines = [
            self.ax.plot([], [], lw=1.5, color=f"C{b}", label=f"B = {B}")[0]
            for b, B in enumerate(r.batch_sizes)
        ]
        mean = np.exp(np.log(r.loss).mean(2))
        self.mean = mean
        self.ax.set(
            xlim=(0, r.examples[-1]),
            yscale="log",
            xlabel="examples seen",
            ylabel="training loss (geometric mean over seeds)",
        )
        self.ax.set_ylim(*log_limits(np.minimum(mean, 10.0), pad=1.5))
        self.ax.legend(fontsize=7, loc="upper right")
        self.heading = self.ax.set_title("", fontsize=9)

    def update(self, index: int) -> None:
        r = self.result
        for b, line in enumerate(self.lines):
            line.set_data(r.examples, np.minimum(self.mean[index, b], 10.0))
        name = self.rules[index]
        base = r.batch_sizes[0]
        self.heading.set_text(
            f"rule: {name} (base B = {base}, lr {r.base_lr:g}, betas "
            f"{r.betas[0]:g}, {r.betas[1]:g})"
        )

_checks.check_public(globals())
