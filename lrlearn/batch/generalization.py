"""Small vs large batches: test accuracy and sharpness at equal training loss, epochs and steps.

Keskar et al. ("On large-batch training for deep learning: generalization gap and sharp minima",
ICLR 2017, arXiv:1609.04836) report that large batches reach sharper minima that generalise worse;
Hoffer et al. (2017, arXiv:1705.08741) and Shallue et al. (2019) find much of the gap closes when
the large batch is trained for enough steps with a tuned learning rate. This experiment measures
it on the digits and reports what it finds.

Sharpness is the largest eigenvalue of the Hessian of the training loss, found by power iteration
on Hessian-vector products (``sharpness``; 20 iterations in the fast setting, up to 100 in full).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..problems import Problem
from ._common import (
    check_batch_size,
    check_epochs,
    check_flags,
    check_params,
    check_problem,
    default_problem,
    geometric_checkpoints,
    new_figure,
    one_blas_thread,
    progress_bar,
    single_blas_thread,
    train,
)

__all__ = ["GeneralizationResult", "generalization", "sharpness"]

SETTINGS = ("equal training loss", "equal epochs", "equal steps")


def _power(problem: Problem, params: np.ndarray, shift: float, iters: int, tol: float,
           rng: np.random.Generator) -> float:
    v = rng.standard_normal(problem.n_params)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):
        w = problem.hvp(params, v) - shift * v
        new = float(v @ w)
        norm = float(np.linalg.norm(w))
        if norm == 0.0:
            return shift
        v = w / norm
        if abs(new - lam) <= tol * max(abs(new), 1e-12):
            lam = new
            break
        lam = new
    return lam + shift


def sharpness(problem: Problem, params: np.ndarray, iters: int = 100, tol: float = 1e-6,
              seed: int = 0) -> float:
    """The largest eigenvalue of the training-loss Hessian at ``params``, by power iteration on
    Hessian-vector products (``problem.hvp``); if the dominant eigenvalue is negative, a second
    power iteration on H - lambda I finds the top one. Stops when the Rayleigh quotient changes by
    less than ``tol`` (relative) or after ``iters`` iterations."""
    check_problem(problem)
    iters = _checks.integer("iters", iters, minimum=1, maximum=100_000)
    tol = _checks.positive("tol", tol)
    params = check_params(problem, params)
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    with one_blas_thread():
        lam = _power(problem, params, 0.0, iters, tol, rng)
        if lam < 0:
            lam = _power(problem, params, lam, iters, tol, rng)
    return float(lam)


@dataclass(frozen=True)
class GeneralizationResult:
    """Two batch sizes compared three ways. Arrays of shape (3, 2): rows are ``settings``
    ("equal training loss": each run where its training loss first reached ``target_loss``;
    "equal epochs": both after the epochs the small batch needed; "equal steps": both after the
    steps the large batch needed), columns the small and the large batch. ``steps``, ``epochs``,
    ``train_loss``, ``test_loss``, ``train_accuracy``, ``test_accuracy``, ``sharpness`` (top
    Hessian eigenvalue). NaN where the needed run never reached the target (``reached`` False).
    ``test_accuracy_stderr``: the binomial standard error sqrt(a (1 - a) / n_test) of each test
    accuracy: differences smaller than about twice it are within test-set sampling noise.
    ``curve_epochs`` / ``curve_loss`` / ``curve_test_accuracy``: per batch size, the recorded
    training curve (lists of arrays).
    """

    problem: str
    batch_sizes: np.ndarray
    lrs: np.ndarray
    momentum: float
    target_loss: float
    settings: tuple[str, ...]
    reached: np.ndarray
    steps: np.ndarray
    epochs: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    sharpness: np.ndarray
    test_accuracy_stderr: np.ndarray
    curve_epochs: list
    curve_loss: list
    curve_test_accuracy: list

    @property
    def stability_limit(self) -> np.ndarray:
        """2 (1 + momentum) / lr per batch size: full-batch (heavy-ball) gradient descent cannot
        settle where the sharpness exceeds it (Cohen et al., "Gradient descent on neural networks
        typically occurs at the edge of stability", ICLR 2021, arXiv:2103.00065), so a larger
        learning rate caps the sharpness the run can end at."""
        return 2.0 * (1.0 + self.momentum) / self.lrs

    def table(self) -> list[dict[str, Any]]:
        """One dict per (setting, batch size), for printing or a DataFrame."""
        rows = []
        for i, s in enumerate(self.settings):
            for j, b in enumerate(self.batch_sizes):
                rows.append({
                    "setting": s, "batch_size": int(b), "lr": float(self.lrs[j]),
                    "steps": self.steps[i, j], "epochs": self.epochs[i, j],
                    "train_loss": self.train_loss[i, j], "test_loss": self.test_loss[i, j],
                    "train_accuracy": self.train_accuracy[i, j],
                    "test_accuracy": self.test_accuracy[i, j],
                    "test_accuracy_stderr": self.test_accuracy_stderr[i, j],
                    "sharpness": self.sharpness[i, j],
                })
        return rows

    def plot(self) -> Any:
        """Training curves (loss, test accuracy) and bars of test accuracy and sharpness."""
        fig, axes = new_figure(ncols=3, width=4.0, height=3.5)
        ax = axes[0]
        for j, b in enumerate(self.batch_sizes):
            ax.plot(self.curve_epochs[j], self.curve_loss[j], color=f"C{j}", label=f"B = {b}")
        ax.axhline(self.target_loss, color="gray", ls=":", lw=1, label="target loss")
        ax.set(xscale="log", yscale="log", xlabel="epochs", ylabel="training loss",
               title=f"Training ({self.problem})")
        ax.legend(fontsize=7)
        x = np.arange(len(self.settings))
        for ax, vals, lab in ((axes[1], self.test_accuracy, "test accuracy"),
                              (axes[2], self.sharpness, "sharpness (top Hessian eigenvalue)")):
            for j, b in enumerate(self.batch_sizes):
                v = np.nan_to_num(vals[:, j], nan=0.0)
                err = (np.nan_to_num(2 * self.test_accuracy_stderr[:, j]) if vals is
                       self.test_accuracy else None)
                ax.bar(x + (j - 0.5) * 0.38, v, width=0.36, color=f"C{j}", label=f"B = {b}",
                       yerr=err, capsize=3)
            if vals is self.sharpness:
                for j in range(len(self.batch_sizes)):
                    ax.axhline(self.stability_limit[j], color=f"C{j}", ls="--", lw=0.8,
                               label=f"2(1+m)/lr, B = {self.batch_sizes[j]}")
            ax.set_xticks(x, [s.replace(" ", "\n", 1) for s in self.settings], fontsize=8)
            ax.set(ylabel=lab, title=lab)
            ax.legend(fontsize=7)
        ok = np.isfinite(self.test_accuracy)
        if ok.any():
            lo = (self.test_accuracy - 2 * self.test_accuracy_stderr)[ok].min()
            hi = (self.test_accuracy + 2 * self.test_accuracy_stderr)[ok].max()
            axes[1].set_ylim(max(0.0, lo - 0.03), min(1.0, hi + 0.01))
        return fig


def _evaluate(problem: Problem, params: np.ndarray, seed: int, iters: int) -> dict[str, float]:
    return {
        "train_loss": problem.loss(params), "test_loss": problem.loss(params, split="test"),
        "train_accuracy": problem.accuracy(params), "test_accuracy": problem.accuracy(params, "test"),
        "sharpness": sharpness(problem, params, iters=iters, tol=1e-4, seed=seed),
    }


@single_blas_thread
def generalization(
    problem: Problem | None = None,
    small_batch: int = 16,
    large_batch: int | None = None,
    *,
    small_lr: float = 0.2,
    large_lr: float = 1.0,
    momentum: float = 0.0,
    target_loss: float | None = None,
    max_epochs: float | None = None,
    fast: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> GeneralizationResult:
    """Train a small and a large batch (default: all N examples) from the same start until the
    training loss reaches ``target_loss`` (default 0.05; fast 0.2) or ``max_epochs`` pass
    (default 2000; fast 400), then compare at equal loss, equal epochs and equal steps.

    Default problem: a 32-unit tanh MLP on the digits (no L2), plain SGD.
    """
    fast, progress = check_flags(fast, progress)
    problem = check_problem(default_problem("mlp") if problem is None else problem)
    if not problem.is_classifier:
        raise TypeError(f"generalization needs a classifier (test accuracy), got {problem.name}")
    N = problem.n_examples
    small_batch = check_batch_size("small_batch", small_batch, N)
    large_batch = check_batch_size("large_batch", N if large_batch is None else large_batch, N)
    if large_batch <= small_batch:
        raise ValueError(f"large_batch must exceed small_batch={small_batch}, got {large_batch}")
    lrs = np.array([_checks.positive("small_lr", small_lr), _checks.positive("large_lr", large_lr)])
    momentum = _checks.in_range("momentum", momentum, 0.0, 1.0, high_open=True)
    target = _checks.positive("target_loss", (0.2 if fast else 0.05) if target_loss is None
                              else target_loss)
    max_epochs = check_epochs("max_epochs", (400.0 if fast else 2000.0) if max_epochs is None
                              else max_epochs)
    seed = _checks.integer("seed", seed, minimum=0)
    sizes = (small_batch, large_batch)

    snapshots: dict[tuple[int, int], np.ndarray] = {}  # (batch index, step) -> params

    def run(j: int, steps: int, extra_step: int | None):
        checks = geometric_checkpoints(steps, 1.02)
        if extra_step is not None and extra_step <= steps:
            checks = np.union1d(checks, [extra_step])
        acc: list = []

        def on_eval(t, p, _losses):
            acc.append(problem.accuracy(p[0], "test"))
            if t == extra_step:
                snapshots[(j, t)] = p[0].copy()
            return {}

        runs = train(problem, sizes[j], lrs[j:j + 1], steps, checks, momentum=momentum,
                     target=target, seed=seed, on_eval=on_eval)
        return runs, np.array(acc)

    reached = np.zeros(2, dtype=bool)
    at_target: list[int | None] = [None, None]
    curves: list = [None, None]
    with progress_bar(2, "generalization (large, small batch)", progress) as bar:
        for j in (1, 0):  # the large batch first: the small run then also records its step count
            max_steps = max(1, round(max_epochs * N / sizes[j]))
            runs, acc = run(j, max_steps, at_target[1] if j == 0 else None)
            k = acc.size
            curves[j] = (runs.eval_steps[:k] * sizes[j] / N, runs.losses[0, :k], acc)
            if runs.reached_at[0] >= 0:
                reached[j], at_target[j] = True, int(runs.reached_at[0])
                snapshots[(j, at_target[j])] = runs.params[0]  # a run stops at its target
            bar.update(1)

    nan = np.full((3, 2), np.nan)
    out = {key: nan.copy() for key in ("steps", "epochs", "train_loss", "test_loss",
                                        "train_accuracy", "test_accuracy", "sharpness")}
    # the steps each (setting, batch) is evaluated at, when it is defined
    plan: dict[tuple[int, int], int] = {}
    if reached[0]:
        plan[(0, 0)] = plan[(1, 0)] = at_target[0]
        plan[(1, 1)] = max(1, round(at_target[0] * sizes[0] / sizes[1]))
    if reached[1]:
        plan[(0, 1)] = plan[(2, 1)] = at_target[1]
        plan[(2, 0)] = at_target[1]
    cache: dict[tuple[int, int], dict[str, float]] = {}
    with progress_bar(len(plan), "evaluating (sharpness)", progress) as bar:
        for (i, j), s in plan.items():
            if (j, s) not in cache:
                params = snapshots.get((j, s))
                if params is None:  # the same seed replays the same run: train again up to s
                    params = train(problem, sizes[j], lrs[j:j + 1], s, np.array([0, s]),
                                   momentum=momentum, seed=seed).params[0]
                cache[(j, s)] = {**_evaluate(problem, params, seed, 20 if fast else 100),
                                 "steps": s, "epochs": s * sizes[j] / N}
            for key, val in cache[(j, s)].items():
                out[key][i, j] = val
            bar.update(1)
    n_test = len(problem.data.y_test)
    acc = out["test_accuracy"]
    stderr = np.sqrt(acc * (1 - acc) / n_test)
    return GeneralizationResult(
        problem=problem.name, batch_sizes=np.array(sizes), lrs=lrs, momentum=momentum,
        target_loss=target, settings=SETTINGS, reached=reached, **out,
        test_accuracy_stderr=stderr,
        curve_epochs=[c[0] for c in curves], curve_loss=[c[1] for c in curves],
        curve_test_accuracy=[c[2] for c in curves],
    )
