"""Stochastic (B = 1), minibatch and full-batch gradient descent side by side.

Against steps, full batch wins: each step uses the exact gradient. Against epochs (or examples
seen, the compute spent on gradients), small batches win while their noise is small compared with
the gradient: they make N / B updates per pass over the data instead of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..problems import Problem
from ._common import (
    MAX_STEPS,
    check_batch_sizes,
    check_epochs,
    check_flags,
    check_problem,
    default_problem,
    new_figure,
    progress_bar,
    single_blas_thread,
    train,
)

__all__ = ["RegimesResult", "compare_regimes"]


@dataclass(frozen=True)
class RegimesResult:
    """One run per batch size with learning rate ``lrs[i]``. ``steps[i]``, ``losses[i]``
    (full training loss there), ``epochs[i] = steps * B / N`` and ``examples[i] = steps * B``
    are 1-D arrays of each run's own checkpoints (lengths differ). ``diverged_at[i]``: the step
    where the run stopped because its loss exceeded 10x its start (None if it did not)."""

    problem: str
    n_examples: int
    batch_sizes: np.ndarray
    lrs: np.ndarray
    momentum: float
    steps: tuple[np.ndarray, ...]
    epochs: tuple[np.ndarray, ...]
    examples: tuple[np.ndarray, ...]
    losses: tuple[np.ndarray, ...]
    diverged_at: tuple[int | None, ...]
    max_steps_shown: int
    max_epochs_shown: float

    def label(self, i: int) -> str:
        b = int(self.batch_sizes[i])
        kind = "SGD" if b == 1 else "full batch" if b == self.n_examples else "minibatch"
        return f"{kind}, B = {b}, lr = {self.lrs[i]:g}"

    def plot(self) -> Any:
        """Training loss against steps, epochs and examples seen."""
        fig, axes = new_figure(ncols=3, width=4.0, height=3.4)
        for i in range(len(self.batch_sizes)):
            for ax, x in zip(axes, (self.steps[i], self.epochs[i], self.examples[i]), strict=True):
                ax.plot(x, self.losses[i], color=f"C{i}", lw=1.2, label=self.label(i))
        axes[0].set(xlim=(0, self.max_steps_shown), xlabel="steps (updates)")
        axes[1].set(xlim=(0, self.max_epochs_shown), xlabel="epochs")
        axes[2].set(xscale="log", xlabel="examples seen (log)")
        for ax, t in zip(axes, ("per step", "per epoch", "per example"), strict=True):
            ax.set(yscale="log", ylabel="training loss", title=f"Loss {t} ({self.problem})")
        axes[0].legend(fontsize=7)
        return fig


@single_blas_thread
def compare_regimes(
    problem: Problem | None = None,
    batch_sizes: Any = None,
    lr: Any = 0.5,
    *,
    momentum: float = 0.0,
    steps: int | None = None,
    epochs: float | None = None,
    n_points: int = 80,
    fast: bool = False,
    seed: int = 0,
    progress: bool = True,
) -> RegimesResult:
    """Run SGD with each batch size (default 1, 32 and N) for enough steps to cover both ``steps``
    updates (default 300; fast 60) and ``epochs`` passes (default 5; fast 1), recording the
    full training loss at ``n_points`` checkpoints spread over each of the two budgets.

    ``lr``: one rate for all (default 0.5, stable for all three on the digits) or one per batch
    size. Default problem: softmax regression on the digits.
    """
    fast, progress = check_flags(fast, progress)
    problem = check_problem(default_problem() if problem is None else problem)
    N = problem.n_examples
    if batch_sizes is None:
        batch_sizes = sorted({1, min(32, N), N})
    B = check_batch_sizes("batch_sizes", batch_sizes, N)
    if np.ndim(lr) == 0:
        lrs = np.full(B.size, _checks.positive("lr", lr))
    else:
        lrs = _checks.positive_array("lr", lr)
        if lrs.size != B.size:
            raise ValueError(f"lr must be one number or one per batch size ({B.size}), got "
                             f"{lrs.size}")
    momentum = _checks.in_range("momentum", momentum, 0.0, 1.0, high_open=True)
    steps = _checks.integer("steps", (60 if fast else 300) if steps is None else steps, minimum=1,
                            maximum=MAX_STEPS)
    epochs = check_epochs("epochs", (1.0 if fast else 5.0) if epochs is None else epochs)
    if epochs * N / B[0] > MAX_STEPS:
        raise ValueError(
            f"epochs must be at most {MAX_STEPS * B[0] / N:g} here (batch size {B[0]} would need "
            f"more than {MAX_STEPS} steps), got {epochs!r}"
        )
    n_points = _checks.integer("n_points", n_points, minimum=2, maximum=10_000)
    seed = _checks.integer("seed", seed, minimum=0)
    out = []
    lengths = [max(steps, round(epochs * N / b)) for b in B]
    with progress_bar(sum(lengths), "SGD vs minibatch vs full batch", progress) as bar:
        for b, rate, total in zip(B, lrs, lengths, strict=True):
            grid = np.concatenate([np.linspace(0, steps, n_points),
                                   np.linspace(0, round(epochs * N / b), n_points)])
            ev = np.unique(grid.round().astype(int).clip(0, total))
            runs = train(problem, int(b), np.array([rate]), total, ev, momentum=momentum,
                         seed=seed, bar=bar)
            ok = np.isfinite(runs.losses[0])
            s = runs.eval_steps[ok]
            out.append((s, runs.losses[0, ok], int(runs.diverged_at[0])))
    return RegimesResult(
        problem=problem.name, n_examples=N, batch_sizes=B, lrs=lrs, momentum=momentum,
        steps=tuple(o[0] for o in out), epochs=tuple(o[0] * b / N for o, b in zip(out, B, strict=True)),
        examples=tuple(o[0] * b for o, b in zip(out, B, strict=True)),
        losses=tuple(o[1] for o in out),
        diverged_at=tuple(None if o[2] < 0 else o[2] for o in out),
        max_steps_shown=steps, max_epochs_shown=epochs,
    )
