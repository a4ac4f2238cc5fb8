"""Sharpness (the top eigenvalue of the loss Hessian) and the edge of stability.

For gradient descent on a quadratic, a direction of curvature ``lambda`` is stable only while
``lr < 2 / lambda``. Cohen et al. (2021, "Gradient Descent on Neural Networks Typically Occurs at
the Edge of Stability", ICLR) found that full-batch GD on a network does not stay below that
line: the sharpness rises during training ("progressive sharpening") until it reaches about
``2 / lr``, then hovers there while the loss keeps falling, non-monotonically.

The sharpness is found by power iteration on Hessian-vector products (Pearlmutter's trick, one
double backward pass each, never forming the Hessian): ``v <- H v / ||H v||``, ``lambda = v.H v``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import _checks
from .device import cpu_threads, resolve_device

__all__ = [
    "EdgeOfStabilityResult",
    "edge_of_stability",
    "exact_hessian_eigenvalues",
    "hessian_vector_product",
    "top_hessian_eigenvalue",
    "training_loss",
]

_LOSSES = ("mse", "cross_entropy")


def training_loss(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss: str = "mse"
) -> torch.Tensor:
    """The full-batch training loss. ``"mse"`` is the square loss on one-hot targets as in Cohen
    et al.: ``0.5 * mean_i ||f(x_i) - e_{y_i}||^2``; ``"cross_entropy"`` is the mean cross-entropy.
    """
    loss = _checks.choice("loss", loss, _LOSSES)
    _check_xy(model, X, y)
    try:
        out = model(X)
    except (RuntimeError, TypeError, ValueError, IndexError) as exc:
        raise ValueError(
            f"X: the model cannot take inputs of shape {tuple(X.shape)}: {exc}"
        ) from exc
    if not y.is_floating_point():
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= out.shape[-1]:
            raise ValueError(
                f"y must hold class labels in [0, {out.shape[-1] - 1}] for a model "
                f"with {out.shape[-1]} outputs, got {low if low < 0 else high}"
            )
    elif loss == "cross_entropy" or y.shape != out.shape:
        raise ValueError(
            f"y must be class labels, or for loss='mse' float targets of the output's "
            f"shape {tuple(out.shape)}, got dtype {y.dtype} and shape {tuple(y.shape)}"
        )
    if loss == "cross_entropy":
        return F.cross_entropy(out, y)
    target = F.one_hot(y, out.shape[-1]).to(out.dtype) if not y.is_floating_point() else y
    return 0.5 * ((out - target) ** 2).sum(-1).mean()


def _check_xy(model: Any, X: Any, y: Any) -> None:
    """Cheap checks (no forward pass: this runs inside training loops)."""
    _checks.module("model", model)
    for name, t in (("X", X), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor, got {t!r} ({type(t).__name__})")
        if t.ndim == 0 or t.shape[0] == 0:
            raise ValueError(f"{name} must have one row per example, got shape {tuple(t.shape)}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}"
        )
    if not X.is_floating_point() or not bool(torch.isfinite(X).all()):
        raise ValueError(
            f"X must hold finite floating-point features, got dtype {X.dtype}"
            + ("" if not X.is_floating_point() else " with NaN or inf")
        )
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError("y must contain only finite numbers, got NaN or inf")
    if not y.is_floating_point() and y.ndim != 1:
        raise ValueError(f"y must be one class label per example (1-D), got shape {tuple(y.shape)}")


def hessian_vector_product(
    grads: Sequence[torch.Tensor], params: Sequence[torch.Tensor], vector: Sequence[torch.Tensor]
) -> list[torch.Tensor]:
    """``H v`` from gradients built with ``create_graph=True``: ``d/dp (grad . v)``."""
    params = _checks.tensors("params", params)
    grads = _checks.tensors("grads", grads, like=params)
    if not all(g.requires_grad for g in grads):
        raise ValueError("grads must be built with create_graph=True (they carry no graph)")
    vector = _checks.tensors("vector", vector, like=params)
    return list(torch.autograd.grad(grads, params, grad_outputs=vector, retain_graph=True))


def _dot(a: Sequence[torch.Tensor], b: Sequence[torch.Tensor]) -> torch.Tensor:
    return sum((x * z).sum() for x, z in zip(a, b, strict=True))


def top_hessian_eigenvalue(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str = "mse",
    iters: int = 100,
    tol: float = 1e-6,
    seed: int = 0,
    start: Sequence[torch.Tensor] | None = None,
    return_vector: bool = False,
) -> float | tuple[float, list[torch.Tensor]]:
    """The Hessian eigenvalue of largest magnitude of the training loss at the model's current
    parameters (the sharpness; it is the top positive one whenever that dominates, as it does in
    training), by power iteration on Hessian-vector products. Stops when the estimate changes by
    less than ``tol`` relative, or after ``iters`` products. ``start`` warm-starts from a previous
    vector (``return_vector=True`` returns it), which is how sharpness is tracked during training.
    """
    iters = _checks.at_most("iters", _checks.integer("iters", iters, minimum=1), 10**6)
    tol = _checks.non_negative("tol", tol)
    return_vector = _checks.flag("return_vector", return_vector)
    _checks.module("model", model)
    params = [p for p in model.parameters() if p.requires_grad]
    if start is not None:
        start = _checks.tensors("start", start, like=params)
    grads = torch.autograd.grad(training_loss(model, X, y, loss), params, create_graph=True)
    estimate, v = _power_iteration(grads, params, iters=iters, tol=tol, seed=seed, start=start)
    return (estimate, v) if return_vector else estimate


def _power_iteration(
    grads: Sequence[torch.Tensor],
    params: Sequence[torch.Tensor],
    *,
    scale: Sequence[torch.Tensor] | None = None,
    iters: int = 100,
    tol: float = 1e-6,
    seed: int = 0,
    start: Sequence[torch.Tensor] | None = None,
) -> tuple[float, list[torch.Tensor]]:
    """Power iteration on ``S H S`` (``S = diag(scale)``, the identity when ``scale`` is None) from
    the gradients ``grads`` of a loss built with ``create_graph=True``: the eigenvalue of largest
    magnitude and its unit eigenvector. Stops when the estimate changes by less than ``tol``
    relative, or after ``iters`` Hessian-vector products; ``start`` warm-starts the vector."""
    if start is None:
        gen = torch.Generator().manual_seed(_checks.integer("seed", seed, minimum=0))
        v = [torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device) for p in params]
    else:
        v = [s.detach().clone() for s in start]
    estimate = float("nan")
    for _ in range(iters):
        norm = torch.sqrt(_dot(v, v))
        v = [a / norm for a in v]
        if scale is None:
            hv = hessian_vector_product(grads, params, v)
        else:
            hv = hessian_vector_product(
                grads, params, [s * a for s, a in zip(scale, v, strict=True)]
            )
            hv = [s * h for s, h in zip(scale, hv, strict=True)]
        new = float(_dot(hv, v))
        v = [h.detach() for h in hv]
        converged = abs(new - estimate) <= tol * abs(new)
        estimate = new
        if converged:
            break
    norm = torch.sqrt(_dot(v, v))
    v = [a / norm for a in v] if norm > 0 else v
    return estimate, v


def exact_hessian_eigenvalues(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor, *, loss: str = "mse"
) -> np.ndarray:
    """All eigenvalues (ascending) of the full Hessian, formed with
    ``torch.autograd.functional.hessian`` over the flattened parameters. Small models only:
    the Hessian has (number of parameters)^2 entries."""
    _checks.module("model", model)
    params = dict(model.named_parameters())
    n_params = sum(p.numel() for p in params.values())
    if n_params > 5000:
        raise ValueError(
            f"exact_hessian_eigenvalues is for small models (<= 5000 parameters), "
            f"this one has {n_params}"
        )
    with torch.no_grad():
        training_loss(model, X, y, loss)  # checks X, y and loss up front
    names = list(params)
    shapes = [params[k].shape for k in names]
    sizes = [params[k].numel() for k in names]
    flat = torch.cat([params[k].detach().flatten() for k in names])

    def f(theta: torch.Tensor) -> torch.Tensor:
        chunks = torch.split(theta, sizes)
        new = {k: c.view(s) for k, c, s in zip(names, chunks, shapes, strict=True)}
        wrapped = _Functional(model, new)
        return training_loss(wrapped, X, y, loss)

    H = torch.autograd.functional.hessian(f, flat, vectorize=True)
    H = 0.5 * (H + H.T)
    return torch.linalg.eigvalsh(H).cpu().double().numpy()


class _Functional(nn.Module):
    def __init__(self, model: nn.Module, params: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.model, self.params = model, params

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(self.model, self.params, (X,))


@dataclass
class EdgeOfStabilityResult:
    """Full-batch GD with learning rate ``lr``: ``loss`` at every step (``len = steps + 1``; NaN
    after a divergence) and ``sharpness`` at ``sharpness_steps``. ``threshold = 2 / lr`` is the
    stability line. A run that blows up stops at ``diverged_at``."""

    lr: float
    loss: np.ndarray
    sharpness_steps: np.ndarray
    sharpness: np.ndarray
    n_examples: int
    hidden: tuple[int, ...]
    activation: str
    loss_name: str
    device: str
    diverged_at: int | None = None

    @property
    def diverged(self) -> bool:
        """True if the run blew up (loss non-finite or above 1e4 x its start) and was stopped."""
        return self.diverged_at is not None

    @property
    def threshold(self) -> float:
        return 2.0 / self.lr

    def tail(self, fraction: float = 0.3) -> np.ndarray:
        """Sharpness over the last ``fraction`` of the run."""
        fraction = _checks.in_range("fraction", fraction, 0.0, 1.0, low_open=True)
        start = self.sharpness_steps[-1] * (1 - fraction)
        return self.sharpness[self.sharpness_steps >= start]

    def hover_ratio(self, fraction: float = 0.3) -> float:
        """Mean sharpness over the last ``fraction`` of the run divided by ``2 / lr`` (about 1 at
        the edge of stability)."""
        return float(self.tail(fraction).mean() / self.threshold)

    @property
    def first_crossing(self) -> int | None:
        """First step at which the sharpness reached 0.95 * 2/lr, or None."""
        hits = np.flatnonzero(self.sharpness >= 0.95 * self.threshold)
        return int(self.sharpness_steps[hits[0]]) if hits.size else None

    def __repr__(self) -> str:
        if self.diverged:
            return (
                f"EdgeOfStabilityResult(lr={self.lr:g}, 2/lr={self.threshold:.4g}, diverged "
                f"at step {self.diverged_at}; sharpness at start {self.sharpness[0]:.4g})"
            )
        return (
            f"EdgeOfStabilityResult(lr={self.lr:g}, 2/lr={self.threshold:.4g}, sharpness "
            f"{self.sharpness[0]:.4g} -> {self.sharpness[-1]:.4g}, tail/threshold "
            f"{self.hover_ratio():.3f}, loss {self.loss[0]:.3g} -> {self.loss[-1]:.3g})"
        )

    def plot(self, axes: Any = None) -> Any:
        """Training loss and sharpness against the step, with the ``2 / lr`` line."""
        import matplotlib.pyplot as plt

        if axes is None:
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
        else:
            fig = np.ravel(axes)[0].figure
        ax_loss, ax_sharp = np.ravel(axes)[:2]
        finite = np.isfinite(self.loss) & (self.loss > 0)
        ax_loss.plot(np.arange(len(self.loss))[finite], self.loss[finite], lw=1)
        title = f"full-batch GD, lr = {self.lr:g}"
        if self.diverged:
            ax_loss.axvline(self.diverged_at, color="r", ls=":", label="diverged")
            ax_loss.legend(loc="upper left")
            title += f" (diverged at step {self.diverged_at})"
        ax_loss.set(xlabel="step", ylabel="training loss", yscale="log", title=title)
        ok = np.isfinite(self.sharpness)
        ax_sharp.plot(self.sharpness_steps[ok], self.sharpness[ok], lw=1.5, label="sharpness")
        ax_sharp.axhline(self.threshold, color="k", ls="--", lw=1, label="2 / lr")
        top = max(self.threshold, float(np.max(self.sharpness[ok], initial=0.0)))
        ax_sharp.set(
            xlabel="step",
            ylabel="top Hessian eigenvalue",
            title="edge of stability",
            ylim=(0, 1.3 * top),
        )
        ax_sharp.legend(loc="lower right")
        return fig


def edge_of_stability(
    lr: float = 0.15,
    *,
    steps: int = 600,
    n: int = 100,
    hidden: int | Sequence[int] = (32, 32),
    activation: str = "tanh",
    loss: str = "mse",
    every: int = 10,
    iters: int = 5,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: str | torch.device | None = "cpu",
    threads: int | None = 1,
    progress: bool = True,
) -> EdgeOfStabilityResult:
    """Full-batch gradient descent on a tanh MLP fitted to the first ``n`` training digits with
    the square loss (Cohen et al.'s setting, scaled down), tracking the sharpness every ``every``
    steps by ``iters`` warm-started power iterations (100 at step 0).

    With the defaults (one to two seconds on one CPU core) the sharpness starts near 8, dips to
    7, rises steadily, overshoots ``2 / 0.15 = 13.3`` to about 16.6 near step 350, falls back
    and from step 400 on hovers between 12.6 and 14.4 while the loss keeps decreasing, though
    no longer monotonically. ``threads`` caps torch's CPU threads during the run. ``device``
    defaults to the CPU: a problem this small (in float64) gains nothing from a GPU.
    """
    from tqdm.auto import tqdm

    from .models import digits_tensors, mlp

    lr = _checks.positive("lr", lr)
    steps = _checks.at_most("steps", _checks.integer("steps", steps, minimum=1), 10**6)
    every = _checks.integer("every", every, minimum=1)
    iters = _checks.at_most("iters", _checks.integer("iters", iters, minimum=1), 10**4)
    loss = _checks.choice("loss", loss, _LOSSES)
    progress = _checks.flag("progress", progress)
    n = _checks.integer("n", n, minimum=1)
    if threads is not None:
        threads = _checks.integer("threads", threads, minimum=1)
    dev = resolve_device(device)
    X, y = digits_tensors(n=n, dtype=dtype, device=dev)
    model = mlp(64, hidden, 10, activation=activation, dtype=dtype, seed=seed).to(dev)
    widths = tuple(model[i].out_features for i in range(0, len(model) - 1, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    losses = np.full(steps + 1, np.nan)
    sharp_steps, sharp = [], []
    vector = None
    diverged_at = None
    with (
        cpu_threads(dev, threads),
        tqdm(total=steps, disable=not progress, unit="step", desc=f"GD lr={lr:g}") as bar,
    ):
        for step in range(steps + 1):
            optimizer.zero_grad(set_to_none=True)
            value = training_loss(model, X, y, loss)
            losses[step] = float(value.detach())
            if not np.isfinite(losses[step]) or losses[step] > 1e4 * losses[0]:
                losses[step] = np.nan  # blown up: stop; what is left stays NaN, never plotted
                diverged_at = step
                break
            if step % every == 0 or step == steps:
                top, vector = top_hessian_eigenvalue(
                    model,
                    X,
                    y,
                    loss=loss,
                    iters=100 if vector is None else iters,
                    tol=1e-4,
                    seed=seed,
                    start=vector,
                    return_vector=True,
                )
                sharp_steps.append(step)
                sharp.append(top)
            if step == steps:
                break
            value.backward()
            optimizer.step()
            bar.update(1)
    return EdgeOfStabilityResult(
        lr=lr,
        loss=losses,
        sharpness_steps=np.asarray(sharp_steps),
        sharpness=np.asarray(sharp, dtype=float),
        n_examples=len(y),
        hidden=widths,
        activation=activation,
        loss_name=loss,
        device=str(dev),
        diverged_at=diverged_at,
    )
