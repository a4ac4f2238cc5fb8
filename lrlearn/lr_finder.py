"""LR range test ("LR finder"): raise the learning rate every mini-batch and watch the loss.

Smith (2017, "Cyclical Learning Rates for Training Neural Networks", section 3.3) and fastai's
``lr_find``: train for ``num_iter`` mini-batches while the rate grows from ``start_lr`` to ``end_lr``
(exponentially: ``lr_k = start_lr * (end_lr / start_lr) ** (k / (num_iter - 1))``, or linearly),
record an exponentially smoothed loss ``s_k = smooth_f * loss_k + (1 - smooth_f) * s_{k-1}`` and
stop once ``s_k > diverge_th * min(s)``. Good rates lie where the loss falls fastest, well before it
blows up. The conventions (what is recorded, when it stops, the ``skip_start``/``skip_end`` window)
are those of the ``torch-lr-finder`` package, so results can be compared number for number.

``range_test(problem, ...)`` runs the test on a numpy problem (see :mod:`lrlearn.problems`);
``lrlearn.deep.range_test`` on a PyTorch model. Both return a :class:`RangeTestResult`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from . import _checks
from .optimizers import SGD, Optimizer, make_optimizer
from .plots import new_axes

__all__ = ["METHODS", "Problem", "RangeTestResult", "range_test"]

METHODS = ("steepest", "valley", "minimum/10")


class Problem(Protocol):
    """What the numpy range test needs from a problem (``lrlearn.problems`` implements it)."""

    n_examples: int

    def init_params(self, seed: int = 0) -> np.ndarray: ...

    def loss_and_grad(self, params: np.ndarray, idx: np.ndarray | None = None) -> tuple[float, np.ndarray]: ...


# ---------------------------------------------------------------------------------------------
# shared pieces: argument checks, the rate at iteration k, the smoothing/stopping rule

#: the most iterations one range test runs
MAX_ITER = 10**6


def check_args(
    start_lr: float, end_lr: Any, num_iter: Any, step_mode: Any, smooth_f: Any, diverge_th: Any,
    start_name: str = "start_lr",
) -> tuple[float, int, str, float, float]:
    """Validate the range-test arguments; returns (end_lr, num_iter, step_mode, smooth_f, diverge_th).

    ``start_name`` says where the start came from in messages (e.g. the optimizer's lr)."""
    start_lr = _checks.positive(start_name, start_lr)
    end_lr = _checks.positive("end_lr", end_lr)
    if end_lr <= start_lr:
        raise ValueError(f"end_lr must be > {start_name}={start_lr!r}, got end_lr={end_lr!r}")
    num_iter = _checks.integer("num_iter", num_iter, minimum=2, maximum=MAX_ITER)
    step_mode = _checks.choice("step_mode", step_mode, ("exp", "linear"))
    smooth_f = _checks.in_range("smooth_f", smooth_f, 0.0, 1.0, high_open=True)
    diverge_th = _checks.real("diverge_th", diverge_th)
    if diverge_th <= 1:
        raise ValueError(f"diverge_th must be > 1 (a multiple of the best loss), got {diverge_th!r}")
    return end_lr, num_iter, step_mode, smooth_f, diverge_th


def lr_at(k: int, base_lr: float, end_lr: float, num_iter: int, step_mode: str) -> float:
    """The rate of iteration ``k``, with the float operations of torch-lr-finder's schedulers."""
    r = k / (num_iter - 1)
    if step_mode == "exp":
        return base_lr * (end_lr / base_lr) ** r
    return base_lr + r * (end_lr - base_lr)


class Recorder:
    """Smoothed losses and the divergence stop, as torch-lr-finder's ``range_test`` loop."""

    def __init__(self, smooth_f: float, diverge_th: float) -> None:
        self.smooth_f, self.diverge_th = smooth_f, diverge_th
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.raw: list[float] = []
        self.best = math.inf
        self.diverged = False

    def add(self, lr: float, loss: float) -> bool:
        """Record one iteration; True when the test must stop."""
        if not math.isfinite(loss):  # NaN would never trip the threshold: stop here instead
            self.diverged = True
            return True
        self.raw.append(loss)
        if self.losses and self.smooth_f > 0:
            loss = self.smooth_f * loss + (1 - self.smooth_f) * self.losses[-1]
        self.best = loss if not self.losses else min(self.best, loss)
        self.lrs.append(lr)
        self.losses.append(loss)
        if loss > self.diverge_th * self.best:
            self.diverged = True
            return True
        return False


# ---------------------------------------------------------------------------------------------
# suggestions

def _window(lrs: np.ndarray, losses: np.ndarray, skip_start: int, skip_end: int,
            strict: bool = True):
    """The curve without its ends. ``strict=False`` (a plot without a suggestion) shrinks the
    skips to fit a short curve instead of refusing it."""
    skip_start = _checks.integer("skip_start", skip_start, minimum=0)
    skip_end = _checks.integer("skip_end", skip_end, minimum=0)
    need = skip_start + skip_end + 2
    if not strict and len(lrs) < need:
        spare = max(len(lrs) - 2, 0)
        skip_start = min(skip_start, spare)
        skip_end = min(skip_end, spare - skip_start)
    elif len(lrs) < need:
        raise ValueError(
            f"a suggestion needs at least skip_start + skip_end + 2 = {need} recorded iterations, "
            f"got {len(lrs)} (skip_start={skip_start}, skip_end={skip_end}); lower skip_start/skip_end or run more iterations (num_iter)"
        )
    stop = len(lrs) - skip_end
    return lrs[skip_start:stop], losses[skip_start:stop]


def _longest_valley(losses: np.ndarray) -> int:
    """fastai's ``valley``: the longest decreasing run (not necessarily contiguous) of the loss
    curve; returns the index halfway along it (start + 1/3 + 1/6 of its length)."""
    n = len(losses)
    lds = np.ones(n, dtype=np.int64)
    max_start = max_end = 0
    for i in range(1, n):
        cand = np.where(losses[:i] > losses[i], lds[:i] + 1, 1)
        running = np.maximum.accumulate(cand)  # lds[i] as fastai's inner loop grows it
        lds[i] = running[-1]
        if running[-1] > lds[max_end]:
            first = int(np.argmax(running > lds[max_end]))
            max_end, max_start = i, i - int(running[first])
    sections = (max_end - max_start) / 3
    return max_start + int(sections) + int(sections / 2)


@dataclass
class RangeTestResult:
    """What a range test recorded: ``lrs[k]`` was used for mini-batch ``k``, whose (smoothed) loss
    is ``losses[k]`` (``raw_losses``: before smoothing). ``diverged``: it stopped early."""

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    diverged: bool
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def stopped_at(self) -> int | None:
        """Index of the last recorded iteration when the test stopped early, else None."""
        return len(self.lrs) - 1 if self.diverged else None

    def suggest(self, method: str = "steepest", skip_start: int = 10, skip_end: int = 5) -> float:
        """A learning rate read off the curve, ignoring the first ``skip_start`` and last
        ``skip_end`` points (start-up noise; the blow-up).

        - ``"steepest"``: where the smoothed loss falls fastest per iteration (``argmin`` of
          ``np.gradient(losses)``, as torch-lr-finder). Fails on noisy curves (one sharp dip wins),
          and the point often sits close to the cliff: it is an upper-end guess.
        - ``"valley"`` (fastai's ``valley``, there applied to the window ``[num_iter // 10 : -5]``):
          halfway along the longest decreasing run of the loss (a subsequence, so small bumps
          are bridged). Robust to noise; but "longest" counts points, not depth: a long shallow
          drift at tiny rates can win over a short steep descent and give a timid rate, and with
          too few points (small ``num_iter``, narrow range) the run is too short to mean much.
        - ``"minimum/10"`` (fastai's older rule): the rate of the lowest loss, divided by 10. The
          minimum often lies at the edge of divergence, so the factor 10 is a safety margin; it
          fails when the loss is still falling at ``end_lr`` (the "minimum" is just the end).
        """
        method = _checks.choice("method", method, METHODS)
        lrs, losses = _window(self.lrs, self.losses, skip_start, skip_end)
        if method == "steepest":
            return float(lrs[int(np.gradient(losses).argmin())])
        if method == "valley":
            return float(lrs[_longest_valley(losses)])
        return float(lrs[int(np.argmin(losses))]) / 10

    def plot(
        self, ax: Any = None, method: str | None = "steepest", skip_start: int = 10,
        skip_end: int = 5, log_lr: bool | None = None,
    ) -> Any:
        """Loss against learning rate (log axis for an exponential sweep), the skipped ends in
        grey, the raw losses faint, and the suggestion of ``method`` marked. Returns the Axes."""
        if method is not None:
            method = _checks.choice("method", method, METHODS)
        if log_lr is not None:
            log_lr = _checks.flag("log_lr", log_lr)
        lrs, losses = _window(self.lrs, self.losses, skip_start, skip_end,
                              strict=method is not None)
        raw = self.raw_losses[np.isin(self.lrs, lrs)]  # the window (its skips may have shrunk)
        ax = new_axes(ax, (7, 4), pyplot=True)
        ax.plot(self.lrs, self.raw_losses, color="0.75", lw=0.8, label="batch loss")
        ax.plot(self.lrs, self.losses, color="0.55", lw=1.2)
        ax.plot(lrs, losses, color="C0", lw=2, label="smoothed loss")
        if method is not None:
            lr = self.suggest(method, skip_start, skip_end)
            k = int(np.argmin(np.abs(self.lrs - lr * (10 if method == "minimum/10" else 1))))
            ax.axvline(lr, color="C3", ls="--", lw=1)
            ax.plot([self.lrs[k]], [self.losses[k]], "o", color="C3", ms=8,
                    label=f"{method}: {lr:.2g}")
        if log_lr is None:
            log_lr = self.settings.get("step_mode", "exp") == "exp"
        if log_lr:
            ax.set_xscale("log")
        lo, hi = float(min(losses.min(), raw.min())), float(losses.max())  # not the blow-up
        span = (hi - lo) or abs(hi) or 1.0
        ax.set_ylim(lo - 0.1 * span, hi + 0.1 * span)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.legend(fontsize="small")
        return ax

    def __repr__(self) -> str:
        end = f"diverged at lr={self.lrs[-1]:.3g}" if self.diverged else "ran to the end"
        return f"RangeTestResult({len(self.lrs)} iterations, lr {self.lrs[0]:.3g}..{self.lrs[-1]:.3g}, {end})"


def make_result(rec: Recorder, settings: dict[str, Any]) -> RangeTestResult:
    if len(rec.lrs) < 2:
        raise ValueError(
            f"the range test stopped after {len(rec.lrs)} finite loss(es) at lr={settings['start_lr']!r}; "
            f"start_lr is already too large"
        )
    return RangeTestResult(np.array(rec.lrs), np.array(rec.losses), np.array(rec.raw),
                           rec.diverged, settings)


# ---------------------------------------------------------------------------------------------
# numpy problems

def _batches(n: int, batch_size: int, rng: np.random.Generator):
    """Mini-batch indices forever: a fresh permutation each epoch, incomplete last batch dropped."""
    while True:
        order = rng.permutation(n)
        for i in range(n // batch_size):
            yield order[i * batch_size:(i + 1) * batch_size]


def range_test(
    problem: Problem,
    optimizer: str | Optimizer | None = None,
    *,
    start_lr: float | None = None,
    end_lr: float = 10.0,
    num_iter: int = 100,
    step_mode: str = "exp",
    smooth_f: float = 0.05,
    diverge_th: float = 5.0,
    batch_size: int = 32,
    seed: int = 0,
    params: np.ndarray | None = None,
    progress: bool = True,
) -> RangeTestResult:
    """LR range test on a numpy problem with an lrlearn optimizer (default ``SGD``).

    Starts from ``params`` (default ``problem.init_params(seed)``) at ``start_lr`` (default: the
    optimizer's lr) and samples mini-batches of ``batch_size`` with ``seed``. Functional: the
    problem and ``params`` are left untouched, so there is nothing to restore afterwards.
    """
    progress = _checks.flag("progress", progress)
    opt = SGD() if optimizer is None else make_optimizer(optimizer)
    start_name = "start_lr" if start_lr is not None else "start_lr (the optimizer's lr)"
    start_lr = opt.lr if start_lr is None else start_lr
    end_lr, num_iter, step_mode, smooth_f, diverge_th = check_args(
        start_lr, end_lr, num_iter, step_mode, smooth_f, diverge_th, start_name)
    start_lr = float(start_lr)
    n = _checks.integer("problem.n_examples", getattr(problem, "n_examples", None), minimum=1)
    batch_size = _checks.integer("batch_size", batch_size, minimum=1, maximum=n)
    seed = _checks.integer("seed", seed, minimum=0)
    if not (callable(getattr(problem, "init_params", None))
            and callable(getattr(problem, "loss_and_grad", None))):
        raise TypeError(
            f"problem must have init_params() and loss_and_grad() (an lrlearn Problem), got "
            f"{problem!r}"
        )
    x = problem.init_params(seed)
    if params is not None:
        params = _checks.array("params", params, shape=x.shape)
        x = params.copy()
    state = opt.init(x)
    batches = _batches(n, batch_size, np.random.default_rng(seed))
    rec = Recorder(smooth_f, diverge_th)
    from tqdm.auto import tqdm

    with np.errstate(all="ignore"), tqdm(total=num_iter, disable=not progress, desc="LR range test") as bar:
        for k in range(num_iter):
            lr = lr_at(k, start_lr, end_lr, num_iter, step_mode)
            loss, grad = problem.loss_and_grad(x, next(batches))
            if rec.add(lr, float(loss)) or not np.all(np.isfinite(grad)):
                rec.diverged = True
                break
            x, state = opt.step(x, grad, state, lr=lr)
            bar.update()
    settings = dict(start_lr=start_lr, end_lr=end_lr, num_iter=num_iter, step_mode=step_mode,
                    smooth_f=smooth_f, diverge_th=diverge_th, batch_size=batch_size, seed=seed,
                    optimizer=opt.describe())
    return make_result(rec, settings)
