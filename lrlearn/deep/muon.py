"""Muon's step size against width, with and without matching AdamW's update RMS.

Muon (Jordan et al. 2024; ``torch.optim.Muon``) replaces a matrix's momentum by its nearest
semi-orthogonal matrix (a few Newton-Schulz iterations), whose entries have RMS about
``1 / sqrt(max(A, B))`` for an ``A x B`` matrix: with one rate for every width, its steps shrink
as the model widens. ``adjust_lr_fn="match_rms_adamw"`` (Liu et al. 2025, "Muon is Scalable for
LLM Training", arXiv:2502.16982) multiplies the rate by ``0.2 sqrt(max(A, B))``, so the update's
RMS is about 0.2 at every width, the size of a typical AdamW update, and AdamW's tuned rate and
weight decay can be reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import _checks

__all__ = ["MuonRmsResult", "muon_update_rms"]

ADJUST = ("original", "match_rms_adamw")


@dataclass(frozen=True)
class MuonRmsResult:
    """RMS of the first update at ``lr`` of ``n x n`` matrices: ``rms[adjust][w]`` for Muon with
    each ``adjust_lr_fn``, and ``adam[w]`` for Adam (whose first step is ``lr * sign(grad)``)."""

    widths: np.ndarray
    lr: float
    rms: dict[str, np.ndarray]
    adam: np.ndarray

    def slope(self, adjust: str) -> float:
        """Log-log slope of the update RMS against width."""
        return float(np.polyfit(np.log(self.widths), np.log(self.rms[adjust]), 1)[0])

    def plot(self) -> Any:
        from ..plots import new_axes

        ax = new_axes(None, figsize=(5.0, 3.4))
        for i, name in enumerate(ADJUST):
            ax.plot(self.widths, self.rms[name], "o-", color=f"C{i}", label=f"Muon, {name}")
        ax.plot(self.widths, self.adam, "s--", color="0.5", label="Adam (first step)")
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="width n (an n x n matrix)",
            ylabel=f"update RMS at lr {self.lr:g}",
            title="Step size against width",
        )
        ax.legend(fontsize=7)
        return ax.figure


def muon_update_rms(
    widths: Sequence[int] = (64, 128, 256, 512, 1024), lr: float = 1.0, seed: int = 0
) -> MuonRmsResult:
    """One ``torch.optim.Muon`` step (no weight decay, no momentum history) and one
    ``torch.optim.Adam`` step on ``n x n`` matrices with the same Gaussian gradient."""
    widths = [_checks.integer("widths", w, minimum=2, maximum=8192) for w in widths]
    lr = _checks.positive("lr", lr)
    gen = torch.Generator().manual_seed(_checks.integer("seed", seed, minimum=0))
    rms: dict[str, list[float]] = {name: [] for name in ADJUST}
    adam = []
    for n in widths:
        grad = torch.randn(n, n, generator=gen)
        for name in ADJUST:
            p = torch.nn.Parameter(torch.zeros(n, n))
            opt = torch.optim.Muon([p], lr=lr, weight_decay=0.0, adjust_lr_fn=name)
            p.grad = grad.clone()
            opt.step()
            rms[name].append(float(p.detach().pow(2).mean().sqrt()))
        p = torch.nn.Parameter(torch.zeros(n, n))
        opt = torch.optim.Adam([p], lr=lr)
        p.grad = grad.clone()
        opt.step()
        adam.append(float(p.detach().pow(2).mean().sqrt()))
    return MuonRmsResult(
        np.array(widths), lr, {k: np.array(v) for k, v in rms.items()}, np.array(adam)
    )

_checks.check_public(globals())
