"""Why Adam needs warmup, on a tiny transformer and a generated text stream.

A grid of target learning rates x warmup lengths, post-LN and pre-LN (Xiong et al. 2020,
arXiv:2002.04745): a run is *trainable* when its final excess loss over the stream's entropy
floor is below half the gap between the unigram entropy and the floor (it has learned at least
half of what context can teach). The largest trainable rate per (norm, warmup) is read off the
grid. RAdam without warmup (Liu et al. 2019, arXiv:1908.03265) is the same grid's automatic
warmup. And the sharpness view (Kalra and Barkeshli 2024, arXiv:2406.09405): during warmup the
preconditioned sharpness ``lambda_max(P^-1 H)`` falls, so when the rate reaches its target the
network sits below the target's stability line ``38 / lr``, where a run started there at once
would not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import _checks
from ..text_stream import ZipfBigram
from .adaptive_eos import adam_preconditioner, adam_threshold, preconditioned_sharpness
from .device import cpu_threads
from .transformer import TinyTransformerLM, train_lm, warmup_schedule

__all__ = [
    "WarmupGrid",
    "WarmupSearch",
    "WarmupSharpness",
    "sharpness_during_warmup",
    "warmup_grid",
    "warmup_search",
]

NORMS = ("post-LN", "pre-LN")


def _trainable_threshold(floor: float, unigram: float) -> float:
    """The excess loss below which a run counts as trained: half the gap between the context-free
    (unigram) loss and the entropy floor, so a run that learned nothing of the bigrams fails."""
    return 0.5 * (unigram - floor)


@dataclass
class WarmupGrid:
    """``excess[n, i, j, s]``: final excess loss (nats; inf if it diverged) for norm
    ``NORMS[n]``, rate ``lrs[i]``, warmup ``warmups[j]`` and seed ``s``; ``radam[n, i, s]``
    the same with RAdam and no warmup (empty if not run)."""

    lrs: np.ndarray
    warmups: tuple[int, ...]
    excess: np.ndarray
    radam: np.ndarray
    steps: int
    floor: float
    unigram: float
    beta2: float

    @property
    def trainable_below(self) -> float:
        """A run is trainable when its final excess is below this (see ``_trainable_threshold``)."""
        return _trainable_threshold(self.floor, self.unigram)

    def largest_trainable(self) -> np.ndarray:
        """``(norm, warmup)``: the largest rate at which every seed is trainable (0 if none)."""
        ok = np.all(self.excess < self.trainable_below, axis=-1)
        return np.array(
            [
                [self.lrs[ok[n, :, j]].max(initial=0.0) for j in range(len(self.warmups))]
                for n in range(len(NORMS))
            ]
        )

    def largest_trainable_radam(self) -> np.ndarray:
        if self.radam.size == 0:
            return np.empty(0)
        ok = np.all(self.radam < self.trainable_below, axis=-1)
        return np.array([self.lrs[ok[n]].max(initial=0.0) for n in range(len(NORMS))])

    def plot(self, axes: Any = None) -> Any:
        """Final excess loss against the target rate, one panel per norm, one line per warmup."""
        if axes is None:
            import matplotlib.pyplot as plt

            _fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained", sharey=True)
        for n, name in enumerate(NORMS):
            ax = np.ravel(axes)[n]
            for j, w in enumerate(self.warmups):
                y = np.minimum(np.mean(np.minimum(self.excess[n, :, j], 10.0), -1), 10.0)
                ax.plot(self.lrs, y, "o-", label=f"warmup {w}")
            if self.radam.size:
                ax.plot(
                    self.lrs,
                    np.mean(np.minimum(self.radam[n], 10.0), -1),
                    "s--",
                    color="0.4",
                    label="RAdam, no warmup",
                )
            ax.axhline(self.trainable_below, color="k", ls=":", lw=1, label="trainable below")
            ax.axhline(self.unigram - self.floor, color="0.6", ls="--", lw=1, label="unigram model")
            ax.set(xscale="log", yscale="log", xlabel="target learning rate", title=name)
        np.ravel(axes)[0].set_ylabel("final loss - entropy floor (nats)")
        np.ravel(axes)[-1].legend(fontsize=7)
        return np.ravel(axes)[0].figure


def warmup_grid(
    lrs: Sequence[float] = (1e-2, 2e-2, 5e-2, 1e-1, 2e-1),
    warmups: Sequence[int] = (0, 15, 75),
    *,
    seeds: Sequence[int] = (0, 1, 2),
    steps: int = 150,
    beta2: float = 0.999,
    radam: bool = True,
    batch: int = 16,
    length: int = 16,
    threads: int | None = 1,
) -> WarmupGrid:
    """Train :class:`~lrlearn.deep.transformer.TinyTransformerLM` (2 layers, d 64) post-LN and
    pre-LN at every (target lr, warmup, seed) for ``steps`` steps of Adam (beta1 0.9)."""
    lrs_a = np.asarray([_checks.positive("lrs", v) for v in lrs])
    warmups = tuple(_checks.integer("warmups", w, minimum=0, maximum=steps) for w in warmups)
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    stream = ZipfBigram()
    shape = (len(NORMS), len(lrs_a), len(warmups), len(seeds))
    excess = np.empty(shape)
    rad = np.empty((len(NORMS), len(lrs_a), len(seeds)) if radam else (0,))
    with cpu_threads(torch.device("cpu"), threads):
        for n in range(len(NORMS)):
            for i, lr in enumerate(lrs_a):
                for s, seed in enumerate(seeds):
                    for j, w in enumerate(warmups):
                        model = TinyTransformerLM(stream.vocab, norm_first=bool(n), seed=seed)
                        run = train_lm(
                            model,
                            lr=float(lr),
                            warmup=w,
                            steps=steps,
                            betas=(0.9, beta2),
                            batch=batch,
                            length=length,
                            stream=stream,
                            seed=seed,
                        )
                        excess[n, i, j, s] = run.final_excess()
                    if radam:
                        model = TinyTransformerLM(stream.vocab, norm_first=bool(n), seed=seed)
                        run = train_lm(
                            model,
                            lr=float(lr),
                            steps=steps,
                            betas=(0.9, beta2),
                            batch=batch,
                            length=length,
                            stream=stream,
                            seed=seed,
                            optimizer="radam",
                        )
                        rad[n, i, s] = run.final_excess()
    return WarmupGrid(
        lrs_a, warmups, excess, rad, steps, stream.entropy_floor, stream.unigram_entropy, beta2
    )


#: the full search's rates: 0.01 * sqrt(2)^k, k = 0..10 (0.01 ... 0.32)
LADDER = tuple(float(0.01 * 2 ** (k / 2)) for k in range(11))


@dataclass
class WarmupSearch:
    """The largest trainable target rate found by bisection on ``ladder``.

    ``largest[b, n, c]``: for ``beta2s[b]``, norm ``NORMS[n]`` and column ``columns[c]`` (a warmup
    length, or RAdam without warmup), the largest rung of ``ladder`` at which every seed trained
    (0 if none did). ``excess[b, n, c, i, s]``: final excess loss at rung ``i`` and seed ``s``,
    NaN where the bisection did not need that run (inf after a divergence)."""

    ladder: np.ndarray
    warmups: tuple[int, ...]
    beta2s: tuple[float, ...]
    columns: tuple[str, ...]
    largest: np.ndarray
    excess: np.ndarray
    steps: int
    floor: float
    unigram: float

    @property
    def trainable_below(self) -> float:
        """A run is trainable when its final excess is below this (see ``_trainable_threshold``)."""
        return _trainable_threshold(self.floor, self.unigram)

    @property
    def runs(self) -> int:
        """Training runs the search took (against ``excess[..., 0].size * seeds`` for a grid)."""
        return int(np.sum(~np.isnan(self.excess)))

    def plot(self, axes: Any = None) -> Any:
        """Mean final excess of every rung the bisection tried, one panel per norm (first beta2),
        one line per column; the dotted line is the trainable threshold."""
        if axes is None:
            import matplotlib.pyplot as plt

            _fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained", sharey=True)
        for n, name in enumerate(NORMS):
            ax = np.ravel(axes)[n]
            for c, label in enumerate(self.columns):
                e = np.minimum(self.excess[0, n, c], 10.0)
                tried = ~np.all(np.isnan(e), axis=-1)
                if tried.any():
                    y = np.nanmax(e[tried], axis=-1)
                    style = "s--" if label.startswith("RAdam") else "o-"
                    ax.plot(self.ladder[tried], y, style, label=label)
            ax.axhline(self.trainable_below, color="k", ls=":", lw=1, label="trainable below")
            ax.axhline(self.unigram - self.floor, color="0.6", ls="--", lw=1, label="unigram model")
            ax.set(
                xscale="log",
                yscale="log",
                xlabel="target learning rate",
                title=f"{name}, beta2 {self.beta2s[0]:g}",
            )
        np.ravel(axes)[0].set_ylabel("worst seed's final excess (nats)")
        np.ravel(axes)[-1].legend(fontsize=7)
        return np.ravel(axes)[0].figure


def _every_seed_trains(
    out: np.ndarray,
    lr: float,
    limit: float,
    seeds: Sequence[int],
    stream: ZipfBigram,
    *,
    norm_first: bool,
    **train: Any,
) -> bool:
    """Train one seed after another at ``lr``, writing each final excess into ``out``; stop at
    the first whose excess is not below ``limit``."""
    for s, seed in enumerate(seeds):
        model = TinyTransformerLM(stream.vocab, norm_first=norm_first, seed=seed)
        out[s] = train_lm(model, lr=lr, stream=stream, seed=seed, **train).final_excess()
        if not out[s] < limit:
            return False
    return True


def warmup_search(
    ladder: Sequence[float] = LADDER,
    warmups: Sequence[int] = (0, 15, 75),
    *,
    beta2s: Sequence[float] = (0.999,),
    seeds: Sequence[int] = (0, 1, 2),
    steps: int = 150,
    radam: bool = True,
    batch: int = 16,
    length: int = 16,
    threads: int | None = 1,
) -> WarmupSearch:
    """Bisection, per (beta2, norm, warmup) and for RAdam without warmup, for the largest rung of
    the increasing ``ladder`` at which every seed is trainable, assuming that a rate below a
    trainable one is trainable (``ceil(log2(len(ladder) + 1))`` rungs per cell in place of all of
    them; a rung stops at the first seed that fails)."""
    rungs = np.asarray([_checks.positive("ladder", v) for v in ladder])
    if rungs.size == 0 or np.any(np.diff(rungs) <= 0):
        raise ValueError(f"ladder must be a non-empty increasing sequence, got {list(ladder)}")
    warmups = tuple(_checks.integer("warmups", w, minimum=0, maximum=steps) for w in warmups)
    beta2s = tuple(
        _checks.in_range("beta2s", b, 0.0, 1.0, low_open=True, high_open=True) for b in beta2s
    )
    seeds = [_checks.integer("seeds", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed, got none")
    columns = tuple(f"warmup {w}" for w in warmups) + (("RAdam, no warmup",) if radam else ())
    stream = ZipfBigram()
    limit = 0.5 * (stream.unigram_entropy - stream.entropy_floor)
    excess = np.full((len(beta2s), len(NORMS), len(columns), len(rungs), len(seeds)), np.nan)
    largest = np.zeros((len(beta2s), len(NORMS), len(columns)))
    with cpu_threads(torch.device("cpu"), threads):
        for b, beta2 in enumerate(beta2s):
            for n in range(len(NORMS)):
                for c in range(len(columns)):
                    warmup, name = (warmups[c], "adam") if c < len(warmups) else (0, "radam")

                    cell = excess[b, n, c]  # a view: the runs are written into it
                    low, high = -1, len(rungs)  # trainable at low (or none), not at high
                    while high - low > 1:
                        mid = (low + high) // 2
                        ok = _every_seed_trains(
                            cell[mid],
                            float(rungs[mid]),
                            limit,
                            seeds,
                            stream,
                            norm_first=bool(n),
                            warmup=warmup,
                            betas=(0.9, beta2),
                            optimizer=name,
                            steps=steps,
                            batch=batch,
                            length=length,
                        )
                        low, high = (mid, high) if ok else (low, mid)
                    largest[b, n, c] = rungs[low] if low >= 0 else 0.0
    return WarmupSearch(
        rungs,
        warmups,
        beta2s,
        columns,
        largest,
        excess,
        steps,
        stream.entropy_floor,
        stream.unigram_entropy,
    )


def _next_token_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


@dataclass
class WarmupSharpness:
    """Preconditioned sharpness at ``steps`` of a run with target ``lr`` and ``warmup``, and the
    stability line ``38 / lr_t`` of the rate in use at each and of the target rate."""

    lr: float
    warmup: int
    steps: np.ndarray
    sharpness: np.ndarray
    line_now: np.ndarray
    excess: float

    @property
    def target_line(self) -> float:
        return adam_threshold(self.lr)


def sharpness_during_warmup(
    lr: float = 0.1,
    warmup: int = 75,
    *,
    at: Sequence[int] = (1, 5, 15, 40, 75),
    norm_first: bool = True,
    steps: int = 150,
    seed: int = 0,
    iters: int = 20,
    batch: int = 16,
    length: int = 16,
    threads: int | None = 1,
) -> WarmupSharpness:
    """Adam on the tiny transformer, measuring ``lambda_max(P^-1 H)`` on a fixed batch of 64
    sequences after each step in ``at`` (attention's math kernel, which has second derivatives)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    at = sorted({_checks.integer("at", a, minimum=1, maximum=steps) for a in at})
    stream = ZipfBigram()
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    probe = torch.as_tensor(stream.sample(64, length, np.random.default_rng(10_000 + seed)))
    model = TinyTransformerLM(stream.vocab, norm_first=norm_first, seed=seed)
    schedule = warmup_schedule(lr, warmup)
    opt = torch.optim.Adam(model.parameters(), lr=schedule(0))
    sharp, line, losses = [], [], []
    vector = None
    with cpu_threads(torch.device("cpu"), threads):
        for step in range(steps):
            for group in opt.param_groups:
                group["lr"] = schedule(step)
            tokens = torch.as_tensor(stream.sample(batch, length, rng))
            logits = model(tokens[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))
            losses.append(float(loss.detach()))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step + 1 in at:
                with sdpa_kernel([SDPBackend.MATH]):
                    value, vector = preconditioned_sharpness(
                        model,
                        probe[:, :-1],
                        probe[:, 1:],
                        adam_preconditioner(opt),
                        loss=_next_token_loss,
                        iters=iters,
                        tol=1e-3,
                        seed=seed,
                        start=vector,
                        return_vector=True,
                    )
                sharp.append(value)
                line.append(adam_threshold(schedule(step)))
    tail = np.asarray(losses[int(0.9 * steps) :])
    excess = float(np.mean(tail) - stream.entropy_floor) if np.all(np.isfinite(tail)) else np.inf
    return WarmupSharpness(lr, warmup, np.asarray(at), np.asarray(sharp), np.asarray(line), excess)


_checks.check_public(globals())
