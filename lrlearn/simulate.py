"""Run optimizers on loss landscapes: one run (``simulate``) or many learning rates at once (``sweep``).

Divergence is a result, not an error. A run is *diverged* at the first step where its loss is not
finite or has grown above ``divergence_factor`` times its starting gap ``f(x0) - f*`` (with the gap
taken as 1 when the run starts at the minimum). The run stops there: nothing after it is recorded,
no overflow warning escapes, and no inf or NaN reaches a plot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _checks
from .landscapes import Landscape
from .optimizers import Optimizer, make_optimizer

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .stability import Verdict

__all__ = ["SweepResult", "Trajectory", "simulate", "sweep"]

Schedule = Callable[[Any], Any]
DEFAULT_DIVERGENCE_FACTOR = 1e6
#: the longest run (steps), and the most loss values one sweep may hold (runs x steps)
MAX_STEPS = 10**6
MAX_SWEEP_VALUES = 2 * 10**7


@dataclass(frozen=True)
class Trajectory:
    """One optimisation run. Arrays hold steps ``0 .. len(losses) - 1``; ``lrs[t]`` is the rate
    used for the update from step t to t + 1. A diverged run stops before its first bad step."""

    landscape: Landscape
    optimizer: Optimizer
    positions: np.ndarray  # (T + 1, dim)
    losses: np.ndarray  # (T + 1,)
    grad_norms: np.ndarray  # (T + 1,)
    lrs: np.ndarray  # (T,)
    steps: int  # steps asked for
    diverged: bool
    diverged_at: int | None  # first step whose loss blew up

    @property
    def steps_run(self) -> int:
        return len(self.losses) - 1

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def final_position(self) -> np.ndarray:
        return self.positions[-1]

    @property
    def status(self) -> str:
        """What happened, in words."""
        if self.diverged:
            return (
                f"diverged at step {self.diverged_at}: the loss exceeded {DEFAULT_DIVERGENCE_FACTOR:g}x"
                f" its starting value or overflowed (last finite loss {self.final_loss:.3g})"
            )
        return f"ran {self.steps} steps; final loss {self.final_loss:.3g}"

    @property
    def verdict(self) -> Verdict:
        """The stability classifier's reading of this run (see ``lrlearn.stability.classify``)."""
        from .stability import classify

        return classify(self)

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Loss against step, with divergence marked (see ``lrlearn.plots.plot_losses``)."""
        from .plots import plot_losses

        return plot_losses(self, ax=ax, **kwargs)

    def plot_path(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """The path over the landscape (1-D curve or 2-D contours)."""
        from .plots import plot_path

        return plot_path(self, ax=ax, **kwargs)


@dataclass(frozen=True)
class SweepResult:
    """Many runs that differ only in learning rate. After divergence a run's loss is held at its
    last recorded value (so every array is finite and rectangular) and ``diverged_at`` says where."""

    landscape: Landscape
    optimizer: Optimizer
    lrs: np.ndarray  # (n,)
    losses: np.ndarray  # (n, steps + 1)
    diverged: np.ndarray  # (n,) bool
    diverged_at: np.ndarray  # (n,) int, -1 where the run did not diverge
    steps: int
    final_losses: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "final_losses", self.losses[:, -1].copy())

    @property
    def best_index(self) -> int | None:
        """Index of the lowest final loss among runs that did not diverge (None if all did)."""
        ok = np.flatnonzero(~self.diverged)
        if ok.size == 0:
            return None
        return int(ok[np.argmin(self.final_losses[ok])])

    @property
    def best_lr(self) -> float | None:
        i = self.best_index
        return None if i is None else float(self.lrs[i])

    def plot(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Final loss against learning rate: the U-curve (see ``lrlearn.plots.plot_sweep``)."""
        from .plots import plot_sweep

        return plot_sweep(self, ax=ax, **kwargs)


def _start_points(landscape: Landscape, x0: Any) -> np.ndarray:
    if not isinstance(landscape, Landscape):
        raise TypeError(
            f"landscape must be an lrlearn Landscape, got {landscape!r} ({type(landscape).__name__})"
        )
    if x0 is None or isinstance(x0, str | bytes | dict):
        raise TypeError(f"x0 must be a point of {landscape.dim} numbers, got {x0!r}")
    try:
        x = np.asarray(x0, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"x0 must be a point of {landscape.dim} numbers, got {x0!r}") from exc
    if landscape.dim == 1 and x.ndim == 0:
        x = x[None]
    if x.shape != (landscape.dim,):
        raise ValueError(
            f"x0 must have shape ({landscape.dim},) for {landscape!r}, got {x0!r} (shape {x.shape})"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    f, g = landscape.value_and_grad(x)
    if not (np.isfinite(f) and np.all(np.isfinite(g))):
        raise ValueError(
            f"x0 must be a start where the loss and its gradient are finite, got x0={x0!r} with "
            f"loss {float(f):g}: start closer to the landscape's window {landscape.bounds}"
        )
    return x


def _schedule_values(schedule: Schedule, steps: int) -> np.ndarray:
    try:
        values = np.asarray(schedule(np.arange(steps)), dtype=float)
    except Exception:  # a schedule that only takes ints: evaluate step by step
        try:
            values = np.array([float(schedule(t)) for t in range(steps)])
        except Exception as exc:
            raise TypeError(
                f"schedule must be a function step -> learning rate, got {schedule!r}: calling it "
                f"failed with {type(exc).__name__}: {exc}"
            ) from exc
    if values.shape not in ((), (steps,)):
        raise ValueError(
            f"schedule must give one learning rate per step, got {schedule!r} returning shape "
            f"{values.shape} for {steps} steps"
        )
    values = np.broadcast_to(values, (steps,)).astype(float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        t = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"schedule must give finite learning rates >= 0, got {values[t]!r} at step {t}"
        )
    return values


def _learning_rates(lr: float | Schedule | None, schedule: Schedule | None, steps: int) -> np.ndarray:
    if schedule is not None and lr is not None:
        raise TypeError(
            f"give the learning rate either as lr or as schedule, not both: got lr={lr!r}, "
            f"schedule={schedule!r}"
        )
    if schedule is not None:
        _checks.function("schedule", schedule)
    source = schedule if schedule is not None else lr
    if source is None:
        raise TypeError("simulate needs a learning rate: lr=<number> or a schedule, got lr=None")
    if callable(source):
        return _schedule_values(source, steps)
    return np.full(steps, _checks.positive("lr", source))


def _run(
    landscape: Landscape,
    x0: np.ndarray,
    lrs: np.ndarray,
    steps: int,
    optimizer: Optimizer,
    *,
    record_positions: bool,
    divergence_factor: float,
) -> dict[str, np.ndarray]:
    """The engine. ``x0`` (n, dim); ``lrs`` (steps,) shared by all runs, or (n, dim): one constant
    rate per run (repeated along the parameter axis). Arrays are filled step-major (contiguous rows) and transposed at the end."""
    n = x0.shape[0]
    losses = np.empty((steps + 1, n))
    grad_norms = np.empty((steps + 1, n)) if record_positions else None
    positions = np.empty((steps + 1, n, landscape.dim)) if record_positions else None
    constant = lrs.ndim == 2
    x = x0.copy()
    state = optimizer.init(x)
    # arguments are checked once here: the library's own rules skip step()'s per-call checks
    native = type(optimizer).step is Optimizer.step
    update = optimizer._update if native else optimizer.step
    with np.errstate(all="ignore"):
        f, g = landscape.value_and_grad(x)
        for t in range(steps):
            losses[t] = f
            if record_positions:
                positions[t] = x
                grad_norms[t] = np.sqrt((g * g) @ np.ones(landscape.dim))
            x, state = update(x, g, state, lrs if constant else float(lrs[t]))
            f, g = landscape.value_and_grad(x)
        losses[steps] = f
        if record_positions:
            positions[steps] = x
            grad_norms[steps] = np.sqrt((g * g) @ np.ones(landscape.dim))
            grad_norms = grad_norms.T
        losses = np.ascontiguousarray(losses.T)
        gap = losses - landscape.min_value
        gap0 = np.where(gap[:, 0] > 0, gap[:, 0], 1.0)
        bad = ~np.isfinite(losses) | (gap > divergence_factor * gap0[:, None])
        if record_positions:
            bad |= ~np.isfinite(grad_norms) | ~np.isfinite(positions).all(-1).T
    diverged = bad.any(axis=1)
    diverged_at = np.where(diverged, bad.argmax(axis=1), -1)
    return {
        "losses": losses, "grad_norms": grad_norms, "positions": positions,
        "diverged": diverged, "diverged_at": diverged_at,
    }


def simulate(
    landscape: Landscape,
    x0: Any,
    lr: float | Schedule | None,
    steps: int,
    optimizer: str | Optimizer = "sgd",
    schedule: Schedule | None = None,
    *,
    divergence_factor: float = DEFAULT_DIVERGENCE_FACTOR,
    **optimizer_options: Any,
) -> Trajectory:
    """Run ``steps`` updates of ``optimizer`` on ``landscape`` from ``x0``.

    ``lr`` is a number, or a schedule ``step -> lr`` (also accepted as ``schedule=``); the update
    from step t to t + 1 uses ``schedule(t)``, as PyTorch does when ``scheduler.step()`` follows
    ``optimizer.step()``. ``optimizer`` is a name (``"sgd"``, ``"momentum"``, ``"nesterov"``,
    ``"adagrad"``, ``"rmsprop"``, ``"adam"``, ``"adamw"``) with torch-style options, or an instance.

    >>> from lrlearn.landscapes import Quadratic
    >>> f = Quadratic(curvatures=[2.0], center=[2.0])        # f(x) = (x - 2)^2
    >>> simulate(f, 0.0, lr=0.1, steps=100).final_loss       # 4 * 0.8^200
    1.66...e-19
    """
    steps = _checks.integer("steps", steps, minimum=0, maximum=MAX_STEPS)
    x = _start_points(landscape, x0)
    lrs = _learning_rates(lr, schedule, steps)
    opt = make_optimizer(optimizer, float(lrs[0]) if steps and lrs[0] > 0 else None,
                         **optimizer_options)
    factor = _checks.in_range("divergence_factor", divergence_factor, 1.0, np.inf, low_open=True,
                              high_open=True)
    out = _run(landscape, x[None], lrs, steps, opt, record_positions=True, divergence_factor=factor)
    diverged = bool(out["diverged"][0])
    at = int(out["diverged_at"][0]) if diverged else None
    keep = steps + 1 if at is None else at
    return Trajectory(
        landscape=landscape,
        optimizer=opt,
        positions=out["positions"][:keep, 0],
        losses=out["losses"][0, :keep],
        grad_norms=out["grad_norms"][0, :keep],
        lrs=lrs[: max(keep - 1, 0)],
        steps=steps,
        diverged=diverged,
        diverged_at=at,
    )


def sweep(
    landscape: Landscape,
    x0: Any,
    lrs: Any,
    steps: int,
    optimizer: str | Optimizer = "sgd",
    *,
    divergence_factor: float = DEFAULT_DIVERGENCE_FACTOR,
    **optimizer_options: Any,
) -> SweepResult:
    """Run one optimisation per learning rate in ``lrs``, all at once (vectorised over runs).

    Returns losses of shape ``(len(lrs), steps + 1)``, the final losses, a diverged mask and the
    best learning rate (lowest final loss among runs that did not diverge).
    """
    steps = _checks.integer("steps", steps, minimum=0, maximum=MAX_STEPS)
    x = _start_points(landscape, x0)
    rates = _checks.positive_array("lrs", lrs)
    if rates.size * (steps + 1) > MAX_SWEEP_VALUES:
        raise ValueError(
            f"steps x len(lrs) must be at most {MAX_SWEEP_VALUES:.0e} loss values, got steps={steps}"
            f" with {rates.size} learning rates"
        )
    opt = make_optimizer(optimizer, float(rates[0]), **optimizer_options)
    factor = _checks.in_range("divergence_factor", divergence_factor, 1.0, np.inf, low_open=True,
                              high_open=True)
    n = rates.size
    # one rate per run, repeated along the parameter axis: same-shape products are much faster in
    # numpy than broadcasting an (n, 1) column over a short last axis
    per_run = np.repeat(rates[:, None], landscape.dim, axis=1)
    out = _run(landscape, np.broadcast_to(x, (n, landscape.dim)), per_run, steps, opt,
               record_positions=False, divergence_factor=factor)
    losses = out["losses"]
    for i in np.flatnonzero(out["diverged"]):
        k = out["diverged_at"][i]
        losses[i, k:] = losses[i, k - 1] if k > 0 else losses[i, 0]
    return SweepResult(
        landscape=landscape, optimizer=opt, lrs=rates, losses=losses,
        diverged=out["diverged"], diverged_at=out["diverged_at"], steps=steps,
    )
