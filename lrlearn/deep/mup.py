"""muP for an MLP, as four explicit per-layer rules, and the width sweep that shows what they buy.

The maximal update parametrization (Yang, Hu, Babuschkin, Sidor, Liu, Farhi, Ryder, Pachocki,
Chen, Gao 2022, "Tensor Programs V", arXiv:2203.03466) makes the best learning rate of a narrow
model the best one for a wide model too. For ``64 -> n -> n -> 10`` trained with Adam, relative
to a base width ``n0`` (width multiplier ``m = n / n0``), and PyTorch's default init otherwise:

1. **input layer** (fan-in fixed, fan-out grows): init and Adam rate as in SP.
2. **hidden layer** (both dimensions grow): init as in SP (variance ~ 1 / fan-in), Adam rate
   ``lr / m``; its bias is initialised as at the base width (``sqrt(m)`` times SP's).
3. **readout multiplier**: the output is ``W_out h / m`` (the readout sees ``1 / m`` of ``h``).
4. **zero-init readout**: ``W_out`` and its bias start at 0; their Adam rate is ``lr``.

SP (the standard parametrization) is the same network with none of these. These are the rules of
Microsoft's ``mup`` package (``MuReadout(readout_zero_init=True)``, ``set_base_shapes``,
``MuAdam``); the tests train both side by side and compare every number.

:func:`lr_sweep` trains many widths x learning rates x seeds on the digits at once (the models
of one width stacked in batched matrix products, Adam written out per model so each can have its
own rate; checked against ``torch.optim.Adam`` in the tests). :func:`coord_check` measures the
size of the activations after a few steps against width.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _checks
from .models import digits_tensors, mlp

__all__ = [
    "MLP",
    "PARAMETRIZATIONS",
    "CoordCheckResult",
    "LrSweepResult",
    "coord_check",
    "lr_sweep",
    "make_mlp",
    "param_groups",
]

PARAMETRIZATIONS = ("sp", "mup")
#: Adam's defaults (torch.optim.Adam)
BETAS, EPS = (0.9, 0.999), 1e-8


class MLP(nn.Module):
    """``64 -> width -> width -> 10`` ReLU network; ``readout_mult`` multiplies the readout's input
    (1 under SP, ``1 / m`` under muP)."""

    def __init__(self, width: int, parametrization: str, base_width: int, seed: int) -> None:
        super().__init__()
        sp = mlp(64, (width, width), 10, seed=seed)
        self.fc1, self.fc2, self.readout = sp[0], sp[2], sp[4]
        self.width, self.base_width, self.parametrization = width, base_width, parametrization
        m = width / base_width
        self.readout_mult = 1.0 / m if parametrization == "mup" else 1.0
        if parametrization == "mup":
            with torch.no_grad():
                self.fc2.bias.mul_(math.sqrt(m))  # rule 2: the bias as at the base width
                self.readout.weight.zero_()  # rule 4: zero-init readout
                self.readout.bias.zero_()

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc2(torch.relu(self.fc1(x))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.readout(self.hidden(x) * self.readout_mult)  # rule 3


def _check(width: Any, parametrization: Any, base_width: Any) -> tuple[int, str, int]:
    width = _checks.integer("width", width, minimum=1)
    parametrization = _checks.choice("parametrization", parametrization, PARAMETRIZATIONS)
    base_width = _checks.integer("base_width", base_width, minimum=1)
    return width, parametrization, base_width


def make_mlp(width: int, parametrization: str = "mup", base_width: int = 32, seed: int = 0) -> MLP:
    """The digits MLP of ``width`` under ``"sp"`` or ``"mup"`` (base width ``base_width``)."""
    width, parametrization, base_width = _check(width, parametrization, base_width)
    return MLP(width, parametrization, base_width, _checks.integer("seed", seed, minimum=0))


def layer_lr_multipliers(model: MLP) -> dict[str, float]:
    """Each parameter's Adam rate as a multiple of ``lr``: ``1 / m`` for the hidden matrix under
    muP (rule 2), 1 for everything else (and for everything under SP)."""
    m = model.width / model.base_width
    hidden = 1.0 / m if model.parametrization == "mup" else 1.0
    return {name: hidden if name == "fc2.weight" else 1.0 for name, _ in model.named_parameters()}


def param_groups(model: MLP, lr: float) -> list[dict[str, Any]]:
    """``torch.optim.Adam`` parameter groups: one per parameter, at ``lr`` times its multiplier."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be an lrlearn.deep.mup.MLP (make_mlp), got {type(model)}")
    lr = _checks.positive("lr", lr)
    params = dict(model.named_parameters())
    return [
        {"params": [params[name]], "lr": lr * k, "name": name}
        for name, k in layer_lr_multipliers(model).items()
    ]


# ---------------------------------------------------------------------------------------------
# many models at once


@contextmanager
def _one_thread() -> Iterator[None]:
    """Small matrices: one intra-op thread is faster (several times, on a shared machine) and
    deterministic. Restores torch's setting afterwards."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _batches(seed: int, steps: int, batch: int, n: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(10_000 + seed)
    return torch.randint(0, n, (steps, batch), generator=g)


def _train_stacked(
    width: int,
    parametrization: str,
    base_width: int,
    lrs: np.ndarray,
    seeds: Sequence[int],
    steps: int,
    batch: int,
    X: torch.Tensor,
    y: torch.Tensor,
) -> tuple[np.ndarray, np.ndarray]:
    """Train ``len(seeds) * len(lrs)`` models of one width (seed-major); return the full-batch
    training loss after ``steps`` steps and after the first ``min(3, steps)`` (for diagnostics),
    shaped ``(seeds, lrs)``. Diverged runs give ``inf``."""
    models = [make_mlp(width, parametrization, base_width, s) for s in seeds]
    names = [n for n, _ in models[0].named_parameters()]
    mults = layer_lr_multipliers(models[0])
    k = len(lrs)
    P = [
        torch.stack(
            [dict(mm.named_parameters())[n].detach() for mm in models for _ in range(k)]
        ).requires_grad_()
        for n in names
    ]
    rate = torch.tensor(np.tile(lrs, len(seeds)), dtype=torch.float32)
    M = [torch.zeros_like(p) for p in P]
    V = [torch.zeros_like(p) for p in P]
    out_mult = models[0].readout_mult
    idx = torch.stack([_batches(s, steps, batch, len(X)) for s in seeds]).repeat_interleave(k, 0)

    def forward(x: torch.Tensor) -> torch.Tensor:  # x: (K, B, 64)
        h = torch.relu(torch.baddbmm(P[1][:, None], x, P[0].transpose(1, 2)))
        h = torch.relu(torch.baddbmm(P[3][:, None], h, P[2].transpose(1, 2)))
        return torch.baddbmm(P[5][:, None], h * out_mult, P[4].transpose(1, 2))

    def full_loss() -> torch.Tensor:
        with torch.no_grad():
            out = forward(X.expand(len(P[0]), -1, -1))
            loss = nn.functional.cross_entropy(
                out.transpose(1, 2), y.expand(len(P[0]), -1), reduction="none"
            ).mean(1)
        return torch.where(torch.isfinite(loss), loss, torch.full_like(loss, math.inf))

    b1, b2 = BETAS
    early = None
    for t in range(1, steps + 1):
        ii = idx[:, t - 1]
        out = forward(X[ii])
        loss = (
            nn.functional.cross_entropy(out.reshape(-1, 10), y[ii].reshape(-1), reduction="sum")
            / batch
        )
        grads = torch.autograd.grad(loss, P)
        with torch.no_grad():
            for j, (p, g) in enumerate(zip(P, grads, strict=True)):
                g = torch.nan_to_num(g, nan=0.0, posinf=0.0, neginf=0.0)
                M[j].mul_(b1).add_(g, alpha=1 - b1)
                V[j].mul_(b2).addcmul_(g, g, value=1 - b2)
                step = (rate * mults[names[j]] / (1 - b1**t)).view(-1, *[1] * (p.dim() - 1))
                denom = (V[j] / (1 - b2**t)).sqrt_().add_(EPS)
                p.sub_(M[j] * step / denom)
        if t == min(3, steps):
            early = full_loss()
    final = full_loss()
    shape = (len(seeds), k)
    return final.view(shape).numpy().astype(float), early.view(shape).numpy().astype(float)


@dataclass(frozen=True)
class LrSweepResult:
    """Training loss after ``steps`` Adam steps, ``loss[p, w, s, l]`` for parametrization ``p``
    (``parametrizations``), width ``w``, seed ``s`` and learning rate ``l``."""

    parametrizations: tuple[str, ...]
    widths: np.ndarray
    lrs: np.ndarray
    seeds: tuple[int, ...]
    steps: int
    batch: int
    base_width: int
    loss: np.ndarray

    @property
    def mean_loss(self) -> np.ndarray:
        """Mean over seeds (``inf`` if any seed diverged): ``(p, w, l)``."""
        return self.loss.mean(axis=2)

    def best_lr(self) -> np.ndarray:
        """The grid rate with the lowest mean loss, ``(p, w)``."""
        return self.lrs[np.argmin(self.mean_loss, axis=2)]

    def best_loss(self) -> np.ndarray:
        return self.mean_loss.min(axis=2)

    def shift_octaves(self) -> np.ndarray:
        """log2(best lr at the widest / best lr at the narrowest), per parametrization."""
        b = self.best_lr()
        return np.log2(b[:, -1] / b[:, 0])

    def plot(self, width_index: int | None = None, fig: Any = None) -> Any:
        """Loss against learning rate, one curve per width (up to ``width_index``), SP left and
        muP right (the optimum of each curve starred); on ``fig`` if given (cleared first)."""
        from matplotlib import colormaps
        from matplotlib.figure import Figure

        if fig is None:
            fig = Figure(figsize=(9.0, 3.6), layout="constrained")
        fig.clear()
        axes = fig.subplots(1, len(self.parametrizations), sharey=True, squeeze=False)[0]
        cmap = colormaps["viridis"]
        top = float(np.nanmax(np.where(np.isfinite(self.mean_loss), self.mean_loss, np.nan)))
        for ax, p, curves in zip(axes, self.parametrizations, self.mean_loss, strict=True):
            for w, (width, curve) in enumerate(zip(self.widths, curves, strict=True)):
                if width_index is not None and w > width_index:
                    continue
                color = cmap(w / max(1, len(self.widths) - 1))
                shown = np.where(np.isfinite(curve), curve, np.nan)
                ax.plot(self.lrs, shown, "o-", ms=3, lw=1.2, color=color, label=f"width {width}")
                j = int(np.argmin(curve))
                ax.plot(self.lrs[j], curve[j], "*", ms=12, color=color, mec="k", mew=0.5)
            ax.set(
                xscale="log",
                xlabel="Adam learning rate",
                title=f"{p.upper()}",
                ylim=(0, min(top, 2.5) * 1.05),
            )
        axes[0].set_ylabel(f"training loss after {self.steps} steps")
        axes[-1].legend(fontsize=7)
        return fig


def lr_sweep(
    widths: Sequence[int] = (32, 64, 128, 256, 512),
    lrs: Sequence[float] | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    steps: int = 60,
    batch: int = 32,
    base_width: int = 32,
    parametrizations: Sequence[str] = PARAMETRIZATIONS,
    progress: bool = False,
) -> LrSweepResult:
    """Adam on the digits for every width x learning rate x seed, under each parametrization
    (default rates ``2^-12 .. 2^-3``). Same minibatches and same SP weights per seed."""
    from tqdm.auto import tqdm

    widths = [_checks.integer("widths", w, minimum=1) for w in widths]
    grid = np.asarray(
        2.0 ** np.arange(-12, -2) if lrs is None else _checks.positive_array("lrs", lrs),
        dtype=float,
    )
    seeds = tuple(_checks.integer("seeds", s, minimum=0) for s in seeds)
    steps = _checks.integer("steps", steps, minimum=1)
    batch = _checks.integer("batch", batch, minimum=1)
    base_width = _checks.integer("base_width", base_width, minimum=1)
    ps = tuple(_checks.choice("parametrizations", p, PARAMETRIZATIONS) for p in parametrizations)
    X, y = digits_tensors("train")
    loss = np.empty((len(ps), len(widths), len(seeds), grid.size))
    jobs = [(i, j) for i in range(len(ps)) for j in range(len(widths))]
    with _one_thread():
        for i, j in tqdm(jobs, desc="muP sweep", disable=not progress, leave=False):
            loss[i, j] = _train_stacked(
                widths[j], ps[i], base_width, grid, seeds, steps, batch, X, y
            )[0]
    return LrSweepResult(ps, np.array(widths), grid, seeds, steps, batch, base_width, loss)


@dataclass(frozen=True)
class CoordCheckResult:
    """RMS of the readout's output (logits) and of the last hidden layer after ``steps`` Adam
    steps at ``lr``, ``[p, w]``, averaged over ``seeds``; ``slope_*``: log-log slope vs width."""

    parametrizations: tuple[str, ...]
    widths: np.ndarray
    lr: float
    steps: int
    logits_rms: np.ndarray
    hidden_rms: np.ndarray

    def slope(self, which: str = "logits") -> np.ndarray:
        values = self.logits_rms if which == "logits" else self.hidden_rms
        return np.array([np.polyfit(np.log(self.widths), np.log(v), 1)[0] for v in values])

    def plot(self) -> Any:
        from ..plots import new_axes

        ax = new_axes(None, figsize=(5.0, 3.4))
        fig = ax.figure
        for i, p in enumerate(self.parametrizations):
            ax.plot(
                self.widths, self.logits_rms[i], "o-", color=f"C{i}", label=f"{p.upper()}: logits"
            )
            ax.plot(
                self.widths,
                self.hidden_rms[i],
                "s--",
                color=f"C{i}",
                alpha=0.6,
                label=f"{p.upper()}: last hidden layer",
            )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel="width",
            ylabel=f"RMS after {self.steps} steps",
            title=f"Coordinate check (Adam, lr {self.lr:g})",
        )
        ax.legend(fontsize=7)
        return fig


def coord_check(
    widths: Sequence[int] = (32, 64, 128, 256, 512, 1024),
    lr: float = 2.0**-7,
    steps: int = 3,
    seeds: Sequence[int] = (0, 1, 2),
    batch: int = 32,
    base_width: int = 32,
) -> CoordCheckResult:
    """Train each width a few Adam steps (``torch.optim.Adam`` with :func:`param_groups`) and
    measure the size of the activations on a fixed batch (Yang et al.'s coordinate check)."""
    widths = [_checks.integer("widths", w, minimum=1) for w in widths]
    lr = _checks.positive("lr", lr)
    steps = _checks.integer("steps", steps, minimum=0)
    X, y = digits_tensors("train")
    logits = np.zeros((2, len(widths)))
    hidden = np.zeros((2, len(widths)))
    with _one_thread():
        for (i, p), (j, w), s in itertools.product(
            enumerate(PARAMETRIZATIONS), enumerate(widths), seeds
        ):
            model = make_mlp(w, p, base_width, s)
            opt = torch.optim.Adam(param_groups(model, lr))
            idx = _batches(s, max(steps, 1), batch, len(X))
            for t in range(steps):
                loss = nn.functional.cross_entropy(model(X[idx[t]]), y[idx[t]])
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                xb = X[idx[0]]
                logits[i, j] += model(xb).pow(2).mean().sqrt().item() / len(seeds)
                hidden[i, j] += model.hidden(xb).pow(2).mean().sqrt().item() / len(seeds)
    return CoordCheckResult(PARAMETRIZATIONS, np.array(widths), lr, steps, logits, hidden)

_checks.check_public(globals())
