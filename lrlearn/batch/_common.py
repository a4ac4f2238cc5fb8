"""Shared pieces of the batch-size experiments: argument checks, minibatch sampling, and a
minibatch-SGD loop that advances several learning rates at once on the same minibatches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..optimizers import SGD
from ..problems import Problem

DIVERGENCE_FACTOR = 10.0  # a run whose training loss exceeds 10x its starting loss has diverged


def check_problem(problem: Any) -> Problem:
    if not isinstance(problem, Problem):
        raise TypeError(
            f"problem must be a lrlearn.problems.Problem (e.g. SoftmaxRegression(digits())), "
            f"got {problem!r} ({type(problem).__name__})"
        )
    return problem


#: the longest run (steps) and the most epochs an experiment trains for
MAX_STEPS = 10**6
MAX_EPOCHS = 10**4


def check_flags(fast: Any, progress: Any) -> tuple[bool, bool]:
    """The two flags every experiment takes, as real bools."""
    return _checks.flag("fast", fast), _checks.flag("progress", progress)


def check_epochs(name: str, value: Any) -> float:
    """A training length in epochs: > 0 and at most ``MAX_EPOCHS``."""
    return _checks.in_range(name, value, 0.0, MAX_EPOCHS, low_open=True)


def check_params(problem: Problem, params: Any) -> np.ndarray:
    """One finite point in parameter space of ``problem`` (shape ``(n_params,)``)."""
    return _checks.array("params", params, shape=(problem.n_params,))


def check_batch_size(name: str, value: Any, n_examples: int) -> int:
    """An integer batch size in [1, n_examples]."""
    return _checks.integer(name, value, minimum=1, maximum=n_examples)


def check_batch_sizes(name: str, values: Any, n_examples: int) -> np.ndarray:
    """A non-empty increasing sequence of distinct batch sizes in [1, n_examples]."""
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}")
    if len(values) == 0:
        raise ValueError(f"{name} must hold at least one batch size, got {values!r}")
    sizes = [check_batch_size(f"{name}[{i}]", v, n_examples) for i, v in enumerate(values)]
    if any(b >= a for a, b in zip(sizes[1:], sizes[:-1], strict=False)):
        raise ValueError(f"{name} must be strictly increasing, got {sizes}")
    return np.array(sizes, dtype=np.int64)


def powers_of_two(n: int, start: int = 1) -> list[int]:
    """start, 2 start, 4 start, ... up to n, with n itself last."""
    sizes = []
    b = start
    while b < n:
        sizes.append(b)
        b *= 2
    return [*sizes, n]


def one_blas_thread():
    """A context in which BLAS uses one thread: the products here are small (a few thousand
    examples by tens of units), and several BLAS threads on a busy machine were measured to make
    an experiment an order of magnitude slower (generalization, fast: 14 s against 1.1 s)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def single_blas_thread(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Run the experiment ``fn`` with one BLAS thread (see ``one_blas_thread``)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper


def progress_bar(total: int, desc: str, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not progress, leave=False)


class BatchStream:
    """Minibatches of exactly ``batch_size`` indices taken in order from a stream of seeded random
    permutations of the training set: sampling without replacement within each epoch, every example
    seen equally often. A batch that spans the whole set is returned as ``None`` (all examples)."""

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator) -> None:
        self.n, self.batch_size, self.rng = n, batch_size, rng
        self._perm = rng.permutation(n)
        self._pos = 0

    def next(self) -> np.ndarray | None:
        if self.batch_size == self.n:
            return None
        parts, need = [], self.batch_size
        while need:
            if self._pos == self.n:
                self._perm, self._pos = self.rng.permutation(self.n), 0
            take = min(need, self.n - self._pos)
            parts.append(self._perm[self._pos : self._pos + take])
            self._pos += take
            need -= take
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def geometric_checkpoints(max_steps: int, ratio: float) -> np.ndarray:
    """Steps 0, 1, 2, ... then growing by ``ratio``: where a loop checks its loss."""
    pts = {0, max_steps}
    s = 1.0
    while s < max_steps:
        pts.add(round(s))
        s = max(s * ratio, s + 1)
    return np.array(sorted(p for p in pts if p <= max_steps))


@dataclass
class Runs:
    """Raw output of ``train``: ``losses[r, j]`` is run r's training loss at ``eval_steps[j]``
    (NaN once the run stopped), ``reached_at[r]`` the first checked step at which the target was
    met (-1 if never), ``diverged_at[r]`` the first checked step with loss above
    DIVERGENCE_FACTOR x its start or not finite (-1 if never), ``params`` the final parameters."""

    eval_steps: np.ndarray
    losses: np.ndarray
    reached_at: np.ndarray
    diverged_at: np.ndarray
    params: np.ndarray
    extra: dict[str, np.ndarray]


def train(
    problem: Problem,
    batch_size: int,
    lr: np.ndarray | Callable[[int], np.ndarray],
    steps: int,
    eval_steps: np.ndarray,
    *,
    momentum: float = 0.0,
    params0: np.ndarray | None = None,
    target: float | None = None,
    metric: str = "loss",
    seed: int = 0,
    on_eval: Callable[[int, np.ndarray, np.ndarray], dict[str, Any]] | None = None,
    stop_at_first: bool = False,
    bar: Any = None,
) -> Runs:
    """Minibatch SGD (``lrlearn.optimizers.SGD``, torch semantics) for R runs at once.

    ``lr`` holds one learning rate per run, shape (R,), or is a schedule step -> (R,) rates. All
    runs see the same minibatches. At each step in ``eval_steps`` the full training loss (and, with
    ``target``, the metric: ``"loss"`` <= target or test ``"accuracy"`` >= target) is checked; a
    run stops when it reaches the target or diverges; with ``stop_at_first`` all stop as soon as
    one reaches it. ``on_eval(step, params, losses)`` (active runs only) may record more.
    """
    n = problem.n_examples
    schedule = lr if callable(lr) else None
    lr0 = np.atleast_1d(np.asarray(schedule(0) if schedule else lr, dtype=float))
    R = lr0.size
    x0 = problem.init_params(seed) if params0 is None else np.asarray(params0, dtype=float)
    params = np.broadcast_to(x0, (R, x0.size)).copy()
    final = params.copy()
    opt = SGD(lr=1.0, momentum=momentum)
    state = opt.init(params)
    stream = BatchStream(n, batch_size, np.random.default_rng(seed + 1))
    eval_steps = np.asarray(eval_steps)
    losses = np.full((R, eval_steps.size), np.nan)
    reached_at = np.full(R, -1)
    diverged_at = np.full(R, -1)
    extra: dict[str, list] = {}
    active = np.arange(R)
    loss0 = None
    j = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), one_blas_thread():
        for t in range(steps + 1):
            if j < eval_steps.size and t == eval_steps[j]:
                cur = problem._loss(params, problem._X, problem._y)
                if loss0 is None:  # a run that starts at loss 0 is judged against 1 instead
                    loss0 = np.where(cur > 0, cur, 1.0)
                losses[active, j] = cur
                bad = ~np.isfinite(cur) | (cur > DIVERGENCE_FACTOR * loss0[active])
                diverged_at[active[bad]] = t
                done = bad
                if target is not None:
                    if metric == "loss":
                        hit = cur <= target
                    else:
                        hit = problem.accuracy(params, "test") >= target
                    hit &= ~bad
                    reached_at[active[hit]] = t
                    done = done | hit
                    if stop_at_first and hit.any():
                        done[:] = True
                if on_eval is not None:
                    for key, val in on_eval(t, params, cur).items():
                        extra.setdefault(key, []).append(val)
                j += 1
                if done.any():
                    final[active[done]] = params[done]
                    keep = ~done
                    active, params = active[keep], params[keep]
                    if state["momentum_buffer"] is not None:
                        state["momentum_buffer"] = state["momentum_buffer"][keep]
                    if active.size == 0:
                        break
            if t == steps:
                break
            idx = stream.next()
            X, y = (problem._X, problem._y) if idx is None else (problem._X[idx], problem._y[idx])
            grad = problem._loss_and_grad(params, X, y)[1]
            rate = (np.asarray(schedule(t), dtype=float) * np.ones(R))[active] if schedule else lr0[active]
            params, state = opt.step(params, grad, state, lr=rate)
            if bar is not None:
                bar.update(1)
    final[active] = params
    return Runs(eval_steps, losses, reached_at, diverged_at, final,
                {k: np.asarray(v) for k, v in extra.items()})


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.4):
    """A constrained-layout Figure (not attached to pyplot) and its axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes.ravel()


def default_problem(kind: str = "softmax"):
    """The problems the experiments use by default: softmax regression or a 32-unit MLP on the
    digits (seeded split)."""
    from ..data import digits
    from ..problems import MLP, SoftmaxRegression

    return SoftmaxRegression(digits()) if kind == "softmax" else MLP(digits(), hidden=32)
