"""Transfer learning with discriminative learning rates, as a widget.

A thin view of :func:`lrlearn.deep.transfer_experiment`: pre-train on the ten digits, fine-tune
a new head on a few of their negative images with the body at ``body_factor * head_lr`` (ULMFiT's
discriminative rates, Howard & Ruder 2018), next to one rate for all, a frozen body and training
from scratch.
Each value change runs the whole (small, seeded) experiment again; results are cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from .. import _checks
from .controls import float_slider, log_slider
from .view import View

__all__ = ["TransferView", "fast_transfer", "fast_tuned"]

#: settings that keep one experiment well under a second on one CPU core
FAST = {"hidden": (64,), "pretrain_epochs": 3, "finetune_epochs": 40}
COLORS = {"discriminative": "C1", "single": "C0", "frozen": "0.55", "scratch": "C2"}
LABELS = {
    "discriminative": "discriminative (body slower)",
    "single": "one lr for all",
    "frozen": "body frozen",
    "scratch": "from scratch",
}


@lru_cache(maxsize=64)
def _cached(
    body_factor: float,
    n_finetune: int,
    head_lr: float,
    seed: int,
    settings: tuple[tuple[str, Any], ...],
) -> Any:
    import torch

    from ..deep import transfer_experiment
    from ..deep.device import cpu_threads

    with cpu_threads(torch.device("cpu"), 1):
        return transfer_experiment(
            body_factor=body_factor,
            n_finetune=n_finetune,
            head_lr=head_lr,
            seed=seed,
            device="cpu",
            progress=False,
            **dict(settings),
        )


def fast_transfer(
    body_factor: float = 0.1,
    n_finetune: int = 30,
    *,
    head_lr: float = 0.03,
    seed: int = 0,
    **settings: Any,
) -> Any:
    """``transfer_experiment`` on the CPU with one thread and the fast settings ``FAST``
    (overridable through ``settings``), cached by its arguments. Returns a ``TransferResult``."""
    body_factor = _checks.in_range("body_factor", body_factor, 0.0, 1.0)
    n_finetune = _checks.integer("n_finetune", n_finetune, minimum=1)
    head_lr = _checks.positive("head_lr", head_lr)
    seed = _checks.integer("seed", seed, minimum=0)
    merged = {**FAST, **settings}
    key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in merged.items()))
    return _cached(float(body_factor), int(n_finetune), float(head_lr), int(seed), key)


def fast_tuned(
    head_lrs: tuple[float, ...] = (0.01, 0.03, 0.1),
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4),
    *,
    body_factor: float = 0.1,
    n_finetune: int = 30,
    **settings: Any,
) -> Any:
    """``lrlearn.deep.tune_head_lr`` with the fast settings, one CPU thread, every run cached
    (shared with ``fast_transfer``). Returns a ``TransferTuned``."""
    from ..deep.transfer import TransferSeeds, TransferTuned

    by_lr = {}
    for lr in head_lrs:
        runs = [
            fast_transfer(body_factor, n_finetune, head_lr=lr, seed=s, **settings) for s in seeds
        ]
        by_lr[float(lr)] = TransferSeeds(tuple(seeds), runs)
    names = list(by_lr[float(head_lrs[0])].final)
    best = {k: max(by_lr, key=lambda lr, k=k: float(by_lr[lr].final[k].mean())) for k in names}
    return TransferTuned(by_lr, best)


class TransferView(View):
    """Left: test accuracy on the new digits after each fine-tuning epoch, one line per strategy.
    Right: the final accuracies. Controls: the head's lr and the body's lr as a fraction of it
    (one lr for all, frozen and from scratch use the head's lr for every weight they train)."""

    title = "transfer learning"
    figsize = (7.6, 3.3)

    def __init__(self, *, n_finetune: int = 30, seed: int = 0, **settings: Any) -> None:
        super().__init__()
        self.n_finetune = _checks.integer("n_finetune", n_finetune, minimum=1)
        self.seed, self.settings = seed, settings
        self.controls = (
            float_slider(
                "body_factor",
                "body lr / head lr",
                0.1,
                0.0,
                1.0,
                step=0.05,
                grid=(0.0, 0.1, 0.3, 1.0),
            ),
            log_slider("head_lr", "head lr", 0.03, 0.01, 1.0, grid=(0.01, 0.03, 0.1, 0.3)),
        )

    def compute(self, body_factor: float, head_lr: float) -> Any:
        return fast_transfer(
            body_factor, self.n_finetune, head_lr=head_lr, seed=self.seed, **self.settings
        )

    def setup(self, fig: Any) -> None:
        self.ax_curve, self.ax_bar = fig.subplots(1, 2, width_ratios=(1.5, 1))
        self.lines = {
            name: self.ax_curve.plot(
                [],
                [],
                "o-",
                ms=3,
                lw=2.2 if name == "discriminative" else 1.2,
                color=COLORS[name],
                label=LABELS[name],
            )[0]
            for name in COLORS
        }
        epochs = int(self.settings.get("finetune_epochs", FAST["finetune_epochs"]))
        self.ax_curve.set(
            xlim=(0.5, epochs + 0.5),
            ylim=(0, 1.02),
            xlabel="fine-tuning epoch",
            ylabel="test accuracy (target task)",
        )
        self.ax_curve.legend(fontsize=7, loc="lower right")
        names = list(COLORS)
        self.bars = self.ax_bar.barh(
            np.arange(len(names)), np.zeros(len(names)), color=[COLORS[n] for n in names]
        )
        self.ax_bar.set_yticks(np.arange(len(names)), [LABELS[n] for n in names], fontsize=7)
        self.ax_bar.invert_yaxis()
        self.ax_bar.set(xlim=(0, 1.25), xlabel="final test accuracy")
        self.bar_text = [
            self.ax_bar.text(0, i, "", va="center", fontsize=8) for i in range(len(names))
        ]
        self.heading = self.ax_curve.set_title("", fontsize=9)
        self.animate(*self.lines.values(), *self.bars, *self.bar_text, self.heading)

    def update(self, result: Any) -> None:
        final = result.final_accuracy
        for i, name in enumerate(COLORS):
            acc = result.test_accuracy.get(name, np.array([]))
            self.lines[name].set_data(np.arange(1, len(acc) + 1), acc)
            value = final.get(name, 0.0)
            self.bars[i].set_width(value)
            self.bar_text[i].set_position((value + 0.02, i))
            self.bar_text[i].set_text(f"{value:.2f}" if name in final else "")
        lrs = result.lrs.get("discriminative", {})
        self.heading.set_text(
            f"{result.n_finetune} examples; body lr {lrs.get('body', float('nan')):.3g}, "
            f"head lr {lrs.get('head', float('nan')):.3g}"
        )

_checks.check_public(globals())
