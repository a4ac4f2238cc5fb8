"""The adaptive edge of stability (Cohen et al. 2022) and gradient descent's self-stabilisation
(Damian et al. 2023).

Adam is preconditioned momentum: ``theta <- theta - lr * P^-1 m`` with the diagonal
``P_t = (1 - beta1^t) * (sqrt(v_t / (1 - beta2^t)) + eps)`` (the bias corrections folded in). On a
quadratic with Hessian H, momentum ``m <- beta1 m + (1 - beta1) g`` is stable only while the
top eigenvalue of ``P^-1 H`` stays below

    (2 + 2 beta1) / ((1 - beta1) lr)          (= 38 / lr for beta1 = 0.9),

and Cohen et al. ("Adaptive gradient methods at the edge of stability", arXiv:2207.14484) find
full-batch Adam's *preconditioned sharpness* rising to that line and hovering there. ``P^-1 H`` is
similar to the symmetric ``P^-1/2 H P^-1/2``, whose top eigenvalue power iteration finds from
Hessian-vector products.

Damian, Nichani and Lee ("Self-stabilization: the implicit bias of gradient descent at the edge
of stability", ICLR 2023, arXiv:2209.15594) explain plain GD's hovering: along the top eigenvector
``u`` the gradient component ``x = u . grad`` is multiplied by about ``1 - lr * S`` per step, so it
grows while the sharpness ``S`` is above ``2 / lr``; the growing oscillation moves the weights to
where ``S`` falls below ``2 / lr``, ``x`` then shrinks, and sharpening starts again: a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _checks
from .device import cpu_threads, resolve_device
from .sharpness import _dot, _power_iteration, top_hessian_eigenvalue, training_loss

__all__ = [
    "AdaptiveEdgeResult",
    "SelfStabilisationResult",
    "adam_preconditioner",
    "adam_threshold",
    "adaptive_edge_of_stability",
    "preconditioned_sharpness",
    "self_stabilisation",
]


def adam_threshold(lr: float, beta1: float = 0.9) -> float:
    """The stability line of preconditioned momentum: ``(2 + 2 beta1) / ((1 - beta1) lr)``."""
    lr = _checks.positive("lr", lr)
    beta1 = _checks.in_range("beta1", beta1, 0.0, 1.0, high_open=True)
    return (2 + 2 * beta1) / ((1 - beta1) * lr)


def adam_preconditioner(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    """The diagonal ``P = (1 - beta1^t) (sqrt(v / (1 - beta2^t)) + eps)`` of a ``torch.optim.Adam``
    (or AdamW) after at least one step, one tensor per parameter, in parameter order; the update
    is then ``-lr * m / P``."""
    out = []
    for group in optimizer.param_groups:
        beta1, beta2 = group["betas"]
        for p in group["params"]:
            state = optimizer.state.get(p, {})
            if "exp_avg_sq" not in state:
                raise ValueError("optimizer: take at least one Adam step before asking for P")
            t = float(state["step"])
            v_hat = state["exp_avg_sq"] / (1 - beta2**t)
            out.append(((1 - beta1**t) * (v_hat.sqrt() + group["eps"])).detach())
    return out


def preconditioned_sharpness(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    precond: Sequence[torch.Tensor],
    *,
    loss: str | Any = "mse",
    iters: int = 100,
    tol: float = 1e-6,
    seed: int = 0,
    start: Sequence[torch.Tensor] | None = None,
    return_vector: bool = False,
) -> float | tuple[float, list[torch.Tensor]]:
    """The top eigenvalue of ``P^-1 H`` (``P`` diagonal and positive, one tensor per parameter)
    by power iteration on ``P^-1/2 H P^-1/2`` with Hessian-vector products. ``start`` and
    ``return_vector`` warm-start as in :func:`~lrlearn.deep.sharpness.top_hessian_eigenvalue`.
    ``loss`` is ``"mse"``/``"cross_entropy"`` (see ``training_loss``) or a function
    ``(model(X), y) -> scalar loss``."""
    iters = _checks.integer("iters", iters, minimum=1)
    tol = _checks.non_negative("tol", tol)
    params = [p for p in model.parameters() if p.requires_grad]
    if len(precond) != len(params) or any(
        d.shape != p.shape for d, p in zip(precond, params, strict=False)
    ):
        raise ValueError("precond must hold one tensor per parameter, of the parameter's shape")
    if any(bool((d <= 0).any()) for d in precond):
        raise ValueError("precond must be positive everywhere")
    scale = [d.rsqrt() for d in precond]
    value = loss(model(X), y) if callable(loss) else training_loss(model, X, y, loss)
    grads = torch.autograd.grad(value, params, create_graph=True)
    estimate, v = _power_iteration(
        grads, params, scale=scale, iters=iters, tol=tol, seed=seed, start=start
    )
    return (estimate, v) if return_vector else estimate


def _digits_mlp(n: int, hidden: Sequence[int], seed: int, dtype: torch.dtype, dev: Any) -> Any:
    from .models import digits_tensors, mlp

    X, y = digits_tensors(n=n, dtype=dtype, device=dev)
    model = mlp(64, hidden, 10, activation="tanh", dtype=dtype, seed=seed).to(dev)
    return X, y, model


def _blown_up(value: float, first: float) -> bool:
    return not np.isfinite(value) or value > 1e4 * first


@dataclass
class AdaptiveEdgeResult:
    """Full-batch Adam: ``loss`` per step (NaN after a divergence), the preconditioned sharpness
    ``lambda_max(P^-1 H)`` and the raw sharpness ``lambda_max(H)`` at ``sharpness_steps``, and the
    stability line ``threshold = (2 + 2 beta1) / ((1 - beta1) lr)``."""

    lr: float
    beta1: float
    beta2: float
    loss: np.ndarray
    sharpness_steps: np.ndarray
    preconditioned: np.ndarray
    raw: np.ndarray
    diverged_at: int | None = None

    @property
    def threshold(self) -> float:
        return adam_threshold(self.lr, self.beta1)

    def hover_ratio(self, fraction: float = 0.5) -> float:
        """Mean preconditioned sharpness over the last ``fraction`` of the run / the threshold."""
        fraction = _checks.in_range("fraction", fraction, 0.0, 1.0, low_open=True)
        start = self.sharpness_steps[-1] * (1 - fraction)
        tail = self.preconditioned[self.sharpness_steps >= start]
        return float(np.mean(tail) / self.threshold)

    def __repr__(self) -> str:
        return (
            f"AdaptiveEdgeResult(lr={self.lr:g}, beta1={self.beta1:g}, threshold "
            f"{self.threshold:.4g}, preconditioned sharpness {self.preconditioned[0]:.4g} -> "
            f"{self.preconditioned[-1]:.4g}, tail/threshold {self.hover_ratio():.3f})"
        )

    def plot(self, axes: Any = None) -> Any:
        """Loss, and both sharpnesses against the step with the threshold line."""
        if axes is None:
            import matplotlib.pyplot as plt

            _fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
        ax_loss, ax_s = np.ravel(axes)[:2]
        finite = np.isfinite(self.loss) & (self.loss > 0)
        ax_loss.plot(np.arange(len(self.loss))[finite], self.loss[finite], lw=1)
        ax_loss.set(
            xlabel="step",
            ylabel="training loss",
            yscale="log",
            title=f"full-batch Adam, lr = {self.lr:g}",
        )
        ax_s.plot(
            self.sharpness_steps, self.preconditioned, lw=1.5, label="preconditioned sharpness"
        )
        ax_s.axhline(
            self.threshold,
            color="k",
            ls="--",
            lw=1,
            label=f"(2 + 2β₁)/((1 - β₁)η) = {self.threshold:.3g}",
        )
        ax_s.set(xlabel="step", ylabel="λ_max(P⁻¹H)", title="adaptive edge of stability")
        ax_s.legend(loc="lower right", fontsize=8)
        return ax_s.figure


def adaptive_edge_of_stability(
    lr: float = 0.002,
    *,
    steps: int = 1000,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    n: int = 100,
    hidden: Sequence[int] = (32, 32),
    every: int = 10,
    iters: int = 5,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: str | torch.device | None = "cpu",
    threads: int | None = 1,
) -> AdaptiveEdgeResult:
    """Full-batch ``torch.optim.Adam`` on a tanh MLP fitted to the first ``n`` digits with the
    square loss, tracking ``lambda_max(P^-1 H)`` every ``every`` steps (``iters`` warm-started
    power iterations; 100 the first time) and the raw sharpness beside it."""
    lr = _checks.positive("lr", lr)
    steps = _checks.integer("steps", steps, minimum=1)
    every = _checks.integer("every", every, minimum=1)
    beta1 = _checks.in_range("betas[0]", betas[0], 0.0, 1.0, high_open=True)
    beta2 = _checks.in_range("betas[1]", betas[1], 0.0, 1.0, high_open=True)
    dev = resolve_device(device)
    X, y, model = _digits_mlp(n, hidden, seed, dtype, dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, beta2), eps=eps)
    losses = np.full(steps + 1, np.nan)
    at, pre, raw = [], [], []
    v_pre = v_raw = None
    diverged_at = None
    with cpu_threads(dev, threads):
        for step in range(steps + 1):
            opt.zero_grad(set_to_none=True)
            value = training_loss(model, X, y, "mse")
            losses[step] = float(value.detach())
            if _blown_up(losses[step], losses[0]):
                losses[step], diverged_at = np.nan, step
                break
            if step > 0 and (step % every == 0 or step == steps):
                s, v_pre = preconditioned_sharpness(
                    model,
                    X,
                    y,
                    adam_preconditioner(opt),
                    iters=100 if v_pre is None else iters,
                    tol=1e-4,
                    seed=seed,
                    start=v_pre,
                    return_vector=True,
                )
                r, v_raw = top_hessian_eigenvalue(
                    model,
                    X,
                    y,
                    iters=100 if v_raw is None else iters,
                    tol=1e-4,
                    seed=seed,
                    start=v_raw,
                    return_vector=True,
                )
                at.append(step)
                pre.append(s)
                raw.append(r)
            if step == steps:
                break
            value.backward()
            opt.step()
    return AdaptiveEdgeResult(
        lr,
        beta1,
        beta2,
        losses,
        np.asarray(at),
        np.asarray(pre, float),
        np.asarray(raw, float),
        diverged_at,
    )


@dataclass
class SelfStabilisationResult:
    """Full-batch GD, measured every step: ``loss``, ``sharpness`` ``S_t``, and ``component``
    ``x_t = u_t . grad_t`` (``u_t`` the top Hessian eigenvector, sign aligned with ``u_{t-1}``).
    ``growth[t] = |x_{t+1}| / |x_t|``; on a quadratic it is ``|1 - lr S_t|``."""

    lr: float
    loss: np.ndarray
    sharpness: np.ndarray
    component: np.ndarray

    @property
    def threshold(self) -> float:
        return 2.0 / self.lr

    @property
    def growth(self) -> np.ndarray:
        x = np.abs(self.component)
        return x[1:] / np.maximum(x[:-1], 1e-300)

    def phase(self, start: int) -> dict[str, float]:
        """From step ``start`` on: mean ``S / (2/lr)``, the number of times ``S`` crosses ``2/lr``,
        and the fraction of steps where ``|x|`` grows exactly when ``S > 2/lr`` (the
        self-stabilisation signature)."""
        s = self.sharpness[start:-1]
        above = s > self.threshold
        grows = self.growth[start:] > 1
        crossings = int(np.sum(above[1:] != above[:-1]))
        return {
            "mean_over_threshold": float(np.mean(s) / self.threshold),
            "crossings": crossings,
            "agreement": float(np.mean(above == grows)),
        }

    def plot(self, axes: Any = None) -> Any:
        """Sharpness with the 2/lr line, and |x_t| on a log scale, against the step."""
        if axes is None:
            import matplotlib.pyplot as plt

            _fig, axes = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
        ax_s, ax_x = np.ravel(axes)[:2]
        steps = np.arange(len(self.sharpness))
        ax_s.plot(steps, self.sharpness, lw=1.2, label="sharpness S")
        ax_s.axhline(self.threshold, color="k", ls="--", lw=1, label="2 / lr")
        ax_s.set(xlabel="step", ylabel="top Hessian eigenvalue", title="GD at the edge")
        ax_s.legend(loc="lower right", fontsize=8)
        ax_x.plot(steps, np.abs(self.component), lw=1, color="C1")
        ax_x.set(
            xlabel="step",
            ylabel="|u · grad|",
            yscale="log",
            title="gradient along the top eigenvector",
        )
        return ax_s.figure


def self_stabilisation(
    lr: float = 0.2,
    *,
    steps: int = 300,
    n: int = 100,
    hidden: Sequence[int] = (32, 32),
    iters: int = 3,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: str | torch.device | None = "cpu",
    threads: int | None = 1,
) -> SelfStabilisationResult:
    """Full-batch GD (``torch.optim.SGD``) on the same tanh MLP and digits as
    :func:`~lrlearn.deep.sharpness.edge_of_stability`, with the sharpness, its eigenvector and
    the gradient's component along it at every step."""
    lr = _checks.positive("lr", lr)
    steps = _checks.integer("steps", steps, minimum=2)
    dev = resolve_device(device)
    X, y, model = _digits_mlp(n, hidden, seed, dtype, dev)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    params = [p for p in model.parameters()]
    losses, sharp, comp = [], [], []
    u = None
    with cpu_threads(dev, threads):
        for _ in range(steps):
            s, new = top_hessian_eigenvalue(
                model,
                X,
                y,
                iters=100 if u is None else iters,
                tol=1e-5,
                seed=seed,
                start=u,
                return_vector=True,
            )
            if u is not None and float(_dot(new, u)) < 0:
                new = [-a for a in new]
            u = new
            opt.zero_grad(set_to_none=True)
            value = training_loss(model, X, y, "mse")
            value.backward()
            losses.append(float(value.detach()))
            sharp.append(s)
            comp.append(float(_dot([p.grad for p in params], u)))
            if _blown_up(losses[-1], losses[0]):
                break
            opt.step()
    return SelfStabilisationResult(lr, np.asarray(losses), np.asarray(sharp), np.asarray(comp))


_checks.check_public(globals())
