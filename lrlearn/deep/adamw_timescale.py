"""AdamW's timescale: weight decay as an average over ``1 / (lr * wd)`` steps.

torch's AdamW multiplies the weights by ``1 - lr * wd`` before each Adam step, so the weights are an
exponential moving average of the (scaled) updates with timescale ``tau_iter = 1 / (lr * wd)``
steps, or ``tau_epoch = tau_iter * batch / n`` epochs. Wang and Aitchison ("How to set AdamW's
weight decay as you scale model and dataset size", 2024, arXiv:2405.13698) argue the optimal
``tau_epoch`` stays about constant as the data set grows, so the weight decay to use falls as
``wd = batch / (lr * tau_epoch * n)``, i.e. as ``1 / n``. Adam with L2 (``weight_decay`` of
``torch.optim.Adam``) adds ``wd * theta`` to the gradient, which Adam then divides by
``sqrt(v)``: its decay has no such timescale, and its best ``wd`` need not follow ``1 / n``.

Here: the digits with a fraction of the training labels replaced by random ones (so that weight
decay matters), subsets of several sizes, a grid of timescales, several seeds per point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import _checks
from .adam_ensemble import log_argmin, train_ensemble
from .device import cpu_threads
from .models import digits_tensors

__all__ = ["TimescaleResult", "adamw_timescale", "noisy_labels", "weight_decay_for"]


def weight_decay_for(tau_epochs: float, lr: float, batch_size: int, n: int) -> float:
    """The AdamW ``weight_decay`` whose timescale is ``tau_epochs`` epochs:
    ``batch / (lr * tau_epochs * n)``."""
    tau_epochs = _checks.positive("tau_epochs", tau_epochs)
    lr = _checks.positive("lr", lr)
    batch_size = _checks.integer("batch_size", batch_size, minimum=1)
    n = _checks.integer("n", n, minimum=1)
    return batch_size / (lr * tau_epochs * n)


def noisy_labels(
    y: torch.Tensor, fraction: float, *, classes: int = 10, seed: int = 0
) -> torch.Tensor:
    """``y`` with a random ``fraction`` of its entries replaced by uniformly random classes."""
    fraction = _checks.in_range("fraction", fraction, 0.0, 1.0)
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    out = y.clone()
    flip = torch.as_tensor(rng.random(len(y)) < fraction)
    out[flip] = torch.as_tensor(rng.integers(0, classes, int(flip.sum())), dtype=y.dtype)
    return out


@dataclass
class TimescaleResult:
    """Final test loss ``loss[i, j, s]`` for data-set size ``sizes[i]``, timescale ``taus[j]``
    (epochs; AdamW) and seed ``s``; ``coupled_loss[i, k, s]`` the same for Adam + L2 with
    ``coupled_wds[k]``. ``no_decay[i, s]``: the loss without weight decay."""

    sizes: tuple[int, ...]
    taus: np.ndarray
    loss: np.ndarray
    coupled_wds: np.ndarray
    coupled_loss: np.ndarray
    no_decay: np.ndarray
    lr: float
    batch_size: int
    epochs: float
    noise: float

    @property
    def best_tau(self) -> np.ndarray:
        """Per size, the seed-mean loss's minimising timescale (log-parabola refined)."""
        return np.array(
            [log_argmin(self.taus, self.loss[i].mean(-1)) for i in range(len(self.sizes))]
        )

    @property
    def best_wd(self) -> np.ndarray:
        """The AdamW weight decay of ``best_tau`` per size."""
        return np.array(
            [
                weight_decay_for(t, self.lr, self.batch_size, n)
                for t, n in zip(self.best_tau, self.sizes, strict=True)
            ]
        )

    @property
    def best_coupled_wd(self) -> np.ndarray:
        """Per size, the Adam + L2 weight decay minimising the seed-mean loss."""
        if self.coupled_wds.size == 0:
            return np.empty(0)
        return np.array(
            [
                log_argmin(self.coupled_wds, self.coupled_loss[i].mean(-1))
                for i in range(len(self.sizes))
            ]
        )

    def plot(self, axes: Any = None) -> Any:
        """Test loss against the timescale in epochs, one line per data-set size (mean and
        range over seeds)."""
        from ..plots import new_axes

        ax = new_axes(axes, (6.0, 3.6))
        for i, n in enumerate(self.sizes):
            mean = self.loss[i].mean(-1)
            ax.plot(self.taus, mean, "o-", label=f"n = {n}")
            ax.fill_between(self.taus, self.loss[i].min(-1), self.loss[i].max(-1), alpha=0.2)
            ax.axvline(self.best_tau[i], color=f"C{i}", ls=":", lw=1)
        ax.set(
            xscale="log",
            xlabel="AdamW timescale 1/(lr·wd), in epochs",
            ylabel="test loss (clean labels)",
            title=f"{self.noise:.0%} noisy labels, {self.epochs:g} epochs",
        )
        ax.legend(fontsize=8)
        return ax.figure


def adamw_timescale(
    sizes: Sequence[int] = (337, 674, 1348),
    taus: Sequence[float] = (1, 2, 4, 8, 16, 32, 64),
    *,
    coupled_wds: Sequence[float] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
    seeds: Sequence[int] = (0, 1, 2),
    lr: float = 1e-2,
    batch_size: int = 32,
    epochs: float = 60,
    noise: float = 0.3,
    hidden: int = 64,
    threads: int | None = 1,
) -> TimescaleResult:
    """AdamW at each timescale (``wd = weight_decay_for(tau, lr, batch_size, n)``) and Adam + L2
    at each ``coupled_wds``, without decay as a reference, for each training-set size ``n``
    (the first ``n`` digits, labels made noisy with :func:`noisy_labels`), scored by the test
    loss on the clean test split after ``epochs`` epochs."""
    sizes = tuple(_checks.integer("sizes", n, minimum=batch_size) for n in sizes)
    taus_a = np.asarray([_checks.positive("taus", t) for t in taus])
    wds = np.asarray([_checks.positive("coupled_wds", w) for w in coupled_wds])
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    X, y = digits_tensors(dtype=torch.float32)
    test = digits_tensors("test", dtype=torch.float32)
    y = noisy_labels(y, noise)
    if max(sizes) > len(y):
        raise ValueError(f"sizes must be <= {len(y)} (the digits' training split), got {sizes}")
    S = len(seeds)
    loss = np.empty((len(sizes), len(taus_a), S))
    coupled = np.empty((len(sizes), len(wds), S))
    none = np.empty((len(sizes), S))
    with cpu_threads(torch.device("cpu"), threads):
        for i, n in enumerate(sizes):
            decay = [weight_decay_for(t, lr, batch_size, n) for t in taus_a] + [0.0]
            member_wd = np.repeat(decay, S)
            r = train_ensemble(
                (X[:n], y[:n]),
                test,
                lr=lr,
                seeds=seeds * len(decay),
                batch_size=batch_size,
                epochs=epochs,
                weight_decay=member_wd,
                hidden=hidden,
                evals=1,
                dtype=torch.float32,
            )
            final = r.test_loss[:, -1].reshape(len(decay), S)
            loss[i], none[i] = final[:-1], final[-1]
            if wds.size:
                r = train_ensemble(
                    (X[:n], y[:n]),
                    test,
                    lr=lr,
                    seeds=seeds * len(wds),
                    batch_size=batch_size,
                    epochs=epochs,
                    weight_decay=np.repeat(wds, S),
                    decoupled=False,
                    hidden=hidden,
                    evals=1,
                    dtype=torch.float32,
                )
                coupled[i] = r.test_loss[:, -1].reshape(len(wds), S)
    loss = np.where(np.isfinite(loss), loss, np.inf)
    return TimescaleResult(sizes, taus_a, loss, wds, coupled, none, lr, batch_size, epochs, noise)

_checks.check_public(globals())
