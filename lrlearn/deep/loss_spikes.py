"""Loss spikes of Adam late in training, and what beta2 and gradient clipping do to them.

Full-batch Adam on a small net that can fit its data (tanh MLP 64-32-10, square loss, 100 digits,
float64) drives the gradient toward zero. The second moment ``v`` remembers larger gradients for
about ``1 / (1 - beta2)`` steps and then decays while ``g^2 << v``; the effective step
``lr / sqrt(v)`` grows until the preconditioned sharpness passes Adam's stability line, the loss
jumps by orders of magnitude, the large gradients refill ``v`` and the run recovers (Molybog et
al. 2023, "A theory on Adam instability in large-scale machine learning", arXiv:2304.09871).

A *spike* here is an episode in which the loss rises above ten times its best value so far.
Each run logs, per step, what a real run should log: the gradient norm, whether clipping fired,
the update-to-weight ratio (:class:`~lrlearn.deep.step_log.StepLog`) and ``||g||^2 / sum(v_hat)``,
the share of the second moment the current gradient explains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import _checks
from .device import cpu_threads
from .models import digits_tensors, mlp
from .sharpness import training_loss
from .step_log import StepLog

__all__ = ["SpikeRun", "SpikeStudy", "count_spikes", "spike_run", "spike_study"]


def count_spikes(loss: np.ndarray, factor: float = 10.0) -> int:
    """Episodes in which ``loss`` rises above ``factor`` times its running minimum."""
    factor = _checks.in_range("factor", factor, 1.0, np.inf, low_open=True)
    loss = np.asarray(loss, dtype=float)
    if loss.size == 0:
        return 0
    up = loss > factor * np.minimum.accumulate(loss)
    return int(np.sum(up[1:] & ~up[:-1]) + up[0])


@dataclass
class SpikeRun:
    """One run: per-step ``loss``, ``grad_norm`` (before clipping), ``clipped``,
    ``update_ratio`` and ``g2_over_v`` = ``||g||^2 / sum(v_hat)`` (after the step's update)."""

    loss: np.ndarray
    grad_norm: np.ndarray
    clipped: np.ndarray
    update_ratio: np.ndarray
    g2_over_v: np.ndarray
    beta2: float
    clip: float | None
    lr: float

    @property
    def spikes(self) -> int:
        return count_spikes(self.loss)

    def onsets(self) -> np.ndarray:
        """Steps at which a spike episode starts."""
        up = self.loss > 10 * np.minimum.accumulate(self.loss)
        return np.flatnonzero(up[1:] & ~up[:-1]) + 1

    def before_onsets(self, window: int = 20) -> float:
        """Median of ``g2_over_v`` over the ``window`` steps before each onset (NaN if none)."""
        values = [
            np.median(self.g2_over_v[max(0, t - window) : t]) for t in self.onsets() if t >= 2
        ]
        return float(np.median(values)) if values else float("nan")

    def plot(self, axes: Any = None) -> Any:
        """Loss, gradient norm and update/weight ratio against the step, stacked."""
        if axes is None:
            import matplotlib.pyplot as plt

            _fig, axes = plt.subplots(3, 1, figsize=(8, 6), layout="constrained", sharex=True)
        a, b, c = np.ravel(axes)[:3]
        a.plot(self.loss, lw=0.8)
        a.set(
            yscale="log",
            ylabel="training loss",
            title=f"full-batch Adam, lr {self.lr:g}, beta2 {self.beta2:g}"
            + (f", clip {self.clip:g}" if self.clip else ""),
        )
        b.plot(self.grad_norm, lw=0.8, color="C1")
        if self.clip:
            b.axhline(self.clip, color="k", ls=":", lw=1, label="clip")
            b.legend(fontsize=7)
        b.set(yscale="log", ylabel="grad norm")
        c.plot(self.update_ratio, lw=0.8, color="C2")
        c.set(yscale="log", ylabel="|Δθ| / |θ|", xlabel="step")
        return a.figure


def spike_run(
    *,
    lr: float = 1e-2,
    beta2: float = 0.999,
    clip: float | None = None,
    steps: int = 2000,
    seed: int = 0,
    n: int = 100,
    hidden: Sequence[int] = (32,),
    threads: int | None = 1,
) -> SpikeRun:
    """Full-batch ``torch.optim.Adam`` (beta1 0.9) on the first ``n`` digits, logging every step;
    ``clip`` clips the gradient's total norm before each step."""
    lr = _checks.positive("lr", lr)
    beta2 = _checks.in_range("beta2", beta2, 0.0, 1.0, high_open=True)
    steps = _checks.integer("steps", steps, minimum=1)
    X, y = digits_tensors(n=n, dtype=torch.float64)
    targets = torch.nn.functional.one_hot(y, 10).to(torch.float64)  # once, not every step
    training_loss(mlp(64, hidden, 10, dtype=torch.float64), X, targets, "mse")  # checks X, y
    model = mlp(
        64,
        hidden,
        10,
        activation="tanh",
        dtype=torch.float64,
        seed=_checks.integer("seed", seed, minimum=0),
    )
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, beta2), foreach=True)
    log = StepLog(clip)
    params = list(model.parameters())
    losses = np.empty(steps)
    share = np.empty(steps)
    with cpu_threads(torch.device("cpu"), threads):
        for t in range(steps):
            opt.zero_grad(set_to_none=True)
            # training_loss's square loss, written out: its input checks cost a tenth of a step
            loss = 0.5 * ((model(X) - targets) ** 2).sum(-1).mean()
            loss.backward()
            losses[t] = float(loss.detach())
            norm = log.before_step(model, opt)
            opt.step()
            log.after_step(model, opt)
            bc2 = 1 - beta2 ** (t + 1)
            v_sum = float(sum(opt.state[p]["exp_avg_sq"].sum() for p in params)) / bc2
            g2 = min(norm, clip) ** 2 if clip else norm**2
            share[t] = g2 / v_sum if v_sum > 0 else 1.0
    return SpikeRun(losses, log.grad_norm, log.clipped, log.update_ratio, share, beta2, clip, lr)


@dataclass
class SpikeStudy:
    """Spike counts ``spikes[c, s]`` per configuration ``names[c]`` and seed; ``runs`` the
    first seed's run per configuration (for plots)."""

    names: tuple[str, ...]
    spikes: np.ndarray
    best_loss: np.ndarray
    clip_fraction: np.ndarray
    g2_over_v_before: np.ndarray
    runs: tuple[SpikeRun, ...]
    steps: int


def spike_study(
    configs: Sequence[tuple[str, float, float | None]] = (
        ("Adam, beta2 0.999", 0.999, None),
        ("beta2 0.99", 0.99, None),
        ("beta2 0.9999", 0.9999, None),
        ("clip at 0.3", 0.999, 0.3),
    ),
    *,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    steps: int = 2000,
    lr: float = 1e-2,
) -> SpikeStudy:
    """:func:`spike_run` for each ``(name, beta2, clip)`` and seed."""
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    C, S = len(configs), len(seeds)
    spikes = np.empty((C, S))
    best = np.empty((C, S))
    clipf = np.empty((C, S))
    before = np.full((C, S), np.nan)
    runs = []
    for c, (_, beta2, clip) in enumerate(configs):
        for s, seed in enumerate(seeds):
            r = spike_run(lr=lr, beta2=beta2, clip=clip, steps=steps, seed=seed)
            spikes[c, s] = r.spikes
            best[c, s] = float(np.min(r.loss))
            clipf[c, s] = float(np.mean(r.clipped))
            before[c, s] = r.before_onsets()
            if s == 0:
                runs.append(r)
    return SpikeStudy(
        tuple(name for name, _, _ in configs), spikes, best, clipf, before, tuple(runs), steps
    )


_checks.check_public(globals())
