"""The gradient noise scale (McCandlish et al., "An empirical model of large-batch training",
2018, arXiv:1812.06162).

B_simple = tr(Sigma) / |G|^2, with G the full-batch gradient and Sigma the per-example gradient
covariance, is the batch size at which the minibatch noise E|g_B - G|^2 = tr(Sigma) / B equals the
signal |G|^2. The paper predicts that the critical batch size B_crit = E_min / S_min, read off the
steps/examples trade-off (S / S_min - 1)(E / E_min - 1) = 1, is close to B_simple (their B_noise
with the Hessian replaced by the identity), and that it grows as training progresses and the loss
falls. Here both are measured on the same problem: B_simple exactly (all per-example gradients,
no estimator needed on a data set this small) along a training run, B_crit by ``steps_to_target``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..problems import Problem
from ._common import (
    check_batch_size,
    check_flags,
    check_params,
    check_problem,
    default_problem,
    new_figure,
    progress_bar,
    single_blas_thread,
    train,
)
from .steps import StepsToTargetResult, steps_to_target

__all__ = ["NoiseScaleResult", "b_noise_at", "gradient_noise_scale", "noise_scale_at"]


def b_noise_at(problem: Problem, params: np.ndarray) -> float:
    """McCandlish et al.'s B_noise = tr(H Sigma) / (G^T H G), with the exact Hessian H; NaN for
    problems without a closed-form Hessian (the MLP), where it would cost one gradient pair per
    parameter."""
    check_problem(problem)
    params = check_params(problem, params)
    if type(problem).hessian is Problem.hessian:
        return float("nan")
    G_i = problem.per_example_grads(params)
    G = G_i.mean(axis=0)
    D = G_i - G
    H = problem.hessian(params)
    num = float(np.sum(H * (D.T @ D)) / len(D))
    den = float(G @ H @ G)
    return num / den if den > 0 else float("inf")


def noise_scale_at(problem: Problem, params: np.ndarray) -> tuple[float, float]:
    """(tr(Sigma), |G|^2) at ``params`` from all per-example gradients; B_simple is their ratio."""
    check_problem(problem)
    params = check_params(problem, params)
    G_i = problem.per_example_grads(params)
    G = G_i.mean(axis=0)
    D = G_i - G
    return float(np.einsum("ij,ij->", D, D) / len(D)), float(G @ G)


@dataclass(frozen=True)
class NoiseScaleResult:
    """B_simple along one training run, and the critical batch size it should predict.

    ``steps``, ``losses``, ``trace`` (tr Sigma), ``grad_norm2`` (|G|^2), ``b_simple``
    (= trace / grad_norm2): at checkpoints of a run with ``batch_size``, ``lr``, ``momentum``.
    ``b_simple_at_target``: B_simple interpolated (log-linearly, in the loss) where the run's
    training loss first reaches ``target`` (NaN if it never does). ``b_noise_at_target``: the
    Hessian-weighted B_noise = tr(H Sigma) / (G^T H G) at the first checkpoint at or below the
    target (exact Hessian; NaN for problems without one, or if the target is not reached). ``critical_batch``, ``s_min``,
    ``e_min``: the fit to ``steps_result``. ``ratio`` = critical_batch / b_simple_at_target
    (McCandlish et al. find it of order 1).
    """

    problem: str
    batch_size: int
    lr: float
    momentum: float
    target: float
    steps: np.ndarray
    losses: np.ndarray
    trace: np.ndarray
    grad_norm2: np.ndarray
    b_simple: np.ndarray
    b_simple_at_target: float
    b_noise_at_target: float
    critical_batch: float
    s_min: float
    e_min: float
    ratio: float
    steps_result: StepsToTargetResult

    def plot(self) -> Any:
        """Left: B_simple and the training loss during the run. Right: the measured steps /
        examples trade-off against (S / S_min - 1)(E / E_min - 1) = 1."""
        fig, (ax, ax_t) = new_figure(ncols=2, width=4.8, height=3.8)
        ax.plot(self.steps, self.b_simple, "o-", ms=3, color="C0", label=r"$B_{simple}$")
        if np.isfinite(self.critical_batch):
            ax.axhline(self.critical_batch, color="C1", ls="--",
                       label=rf"$B_{{crit}}$ = {self.critical_batch:.0f} (fit)")
        ax.set(yscale="log", xlabel="step", ylabel=r"$B_{simple} = tr\,\Sigma / |G|^2$",
               title=f"Noise scale during training (B = {self.batch_size})")
        ax2 = ax.twinx()
        ax2.plot(self.steps, self.losses, color="C2", lw=1)
        ax2.axhline(self.target, color="C2", lw=0.8, ls=":")
        ax2.set_ylabel("training loss", color="C2")
        ax.legend(fontsize=7, loc="upper left")
        r = self.steps_result
        ok = r.reached
        ax_t.plot(r.examples[ok], r.steps[ok], "o", color="C0", label="measured (one per B)")
        for b, e, s in zip(r.batch_sizes[ok], r.examples[ok], r.steps[ok], strict=True):
            ax_t.annotate(str(b), (e, s), textcoords="offset points", xytext=(3, 3), fontsize=6)
        if np.isfinite(self.critical_batch):
            Bs = np.geomspace(r.batch_sizes[0] / 4, r.batch_sizes[-1] * 4, 200)
            ax_t.plot(self.e_min * (1 + Bs / self.critical_batch),
                      self.s_min * (1 + self.critical_batch / Bs), "--", color="C1",
                      label=r"$(S/S_{min}-1)(E/E_{min}-1)=1$")
        ax_t.set(xscale="log", yscale="log", xlabel="examples processed E",
                 ylabel="steps S", title="Steps / examples trade-off")
        ax_t.legend(fontsize=7)
        return fig


def _at_target(losses: np.ndarray, values: np.ndarray, target: float) -> float:
    hit = np.flatnonzero(losses <= target)
    if hit.size == 0:
        return float("nan")
    j = hit[0]
    if j == 0:
        return float(values[0])
    l0, l1 = losses[j - 1], losses[j]
    w = (l0 - target) / (l0 - l1) if l0 != l1 else 1.0
    return float(np.exp((1 - w) * np.log(values[j - 1]) + w * np.log(values[j])))


@single_blas_thread
def gradient_noise_scale(
    problem: Problem | None = None,
    steps_result: StepsToTargetResult | None = None,
    batch_size: int | None = None,
    *,
    n_points: int | None = None,
    fast: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> NoiseScaleResult:
    """Track B_simple while training, and compare it with B_crit from steps-to-target.

    ``steps_result`` (default: ``steps_to_target(problem, fast=fast)``) gives the target, the
    fitted B_crit and the tuned lr and momentum; the tracked run uses the measured batch size
    closest to B_crit (or ``batch_size``, with the tuned settings of the nearest measured one) for
    twice the steps that batch size needed, and records B_simple at ``n_points`` checkpoints.
    """
    fast, progress = check_flags(fast, progress)
    problem = check_problem(default_problem() if problem is None else problem)
    seed = _checks.integer("seed", seed, minimum=0)
    if steps_result is None:
        steps_result = steps_to_target(problem, fast=fast, seed=seed, progress=progress)
    elif not isinstance(steps_result, StepsToTargetResult):
        raise TypeError(f"steps_result must be a StepsToTargetResult, got {steps_result!r} "
                        f"({type(steps_result).__name__})")
    r = steps_result
    if r.metric != "loss":
        raise ValueError(f"steps_result must target a training loss (metric='loss'), got "
                         f"metric={r.metric!r}")
    if r.problem != problem.name:
        raise ValueError(f"steps_result was measured on {r.problem!r}, not on {problem.name!r}")
    if not r.reached.any():
        raise ValueError(
            f"steps_result: no batch size reached the target {r.target:g}; nothing to compare "
            f"(raise max_steps or loosen the target)"
        )
    n_points = _checks.integer("n_points", (15 if fast else 40) if n_points is None else n_points,
                               minimum=2, maximum=1000)
    measured = r.batch_sizes[r.reached]
    if batch_size is None:
        ref = r.critical_batch if np.isfinite(r.critical_batch) else np.median(measured)
        batch_size = int(measured[np.argmin(np.abs(np.log(measured / ref)))])
    batch_size = check_batch_size("batch_size", batch_size, problem.n_examples)
    i = np.flatnonzero(r.reached)[np.argmin(np.abs(np.log(measured / batch_size)))]
    lr, momentum = float(r.best_lr[i]), float(r.best_momentum[i])
    total = max(int(2 * r.steps[i]), n_points)
    checks = np.unique(np.linspace(0, total, n_points).round().astype(int))
    stats = {"trace": [], "grad_norm2": []}
    b_noise = [float("nan")]

    def record(t, params, losses):
        tr, g2 = noise_scale_at(problem, params[0])
        stats["trace"].append(tr)
        stats["grad_norm2"].append(g2)
        if np.isnan(b_noise[0]) and losses[0] <= r.target:
            b_noise[0] = b_noise_at(problem, params[0])
            if np.isnan(b_noise[0]):
                b_noise[0] = -1.0  # computed once: no exact Hessian
        return {}

    with progress_bar(total, f"noise scale (B={batch_size})", progress) as bar:
        runs = train(problem, batch_size, np.array([lr]), total, checks, momentum=momentum,
                     seed=seed, on_eval=record, bar=bar)
    k = len(stats["trace"])
    steps, losses = runs.eval_steps[:k], runs.losses[0, :k]
    trace, g2 = np.array(stats["trace"]), np.array(stats["grad_norm2"])
    with np.errstate(divide="ignore", invalid="ignore"):
        b_simple = np.where(g2 > 0, trace / g2, np.inf)
    at_target = _at_target(losses, b_simple, r.target)
    b_noise_target = b_noise[0] if b_noise[0] >= 0 else float("nan")  # -1: no exact Hessian
    return NoiseScaleResult(
        problem=problem.name, batch_size=batch_size, lr=lr, momentum=momentum, target=r.target,
        steps=steps, losses=losses, trace=trace, grad_norm2=g2, b_simple=b_simple,
        b_simple_at_target=at_target, b_noise_at_target=b_noise_target,
        critical_batch=r.critical_batch, s_min=r.s_min,
        e_min=r.e_min, ratio=r.critical_batch / at_target, steps_result=r,
    )
