"""Cyclical policies with momentum cycling: ``one_cycle_lr`` (``OneCycleLR``) and ``cyclic_lr``
(``CyclicLR``). Each returns a :class:`Schedule` whose ``.momentum`` is the momentum (or Adam's
beta1) schedule that PyTorch applies alongside, or ``None`` with ``cycle_momentum=False``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import _checks
from .base import Schedule

__all__ = ["cyclic_lr", "one_cycle_lr"]


def _anneal(strategy: str, start: float, end: float, pct: np.ndarray) -> np.ndarray:
    if strategy == "cos":  # same operations as torch's OneCycleLR._annealing_cos
        return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
    return (end - start) * pct + start


def one_cycle_lr(
    max_lr: float,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """``OneCycleLR`` (Smith & Topin, "Super-Convergence", 2018; fastai's two-phase default).

    Starts at ``initial = max_lr / div_factor``, rises to ``max_lr`` over the first
    ``pct_start * total_steps - 1`` steps, then anneals to ``min = initial / final_div_factor`` at
    step ``total_steps - 1`` (``three_phase``: up, back down to ``initial``, then to ``min``).
    Within a phase from ``a`` to ``b`` at fraction ``p``: cos: ``b + (a - b)(1 + cos(pi p)) / 2``;
    linear: ``a + (b - a) p``. Momentum moves the opposite way between ``max_momentum`` and
    ``base_momentum`` (``.momentum``).

    Like PyTorch, step ``total_steps`` (one past the end, extrapolated) is still valid and later
    steps raise ``ValueError``.
    """
    max_lr = _checks.positive("max_lr", max_lr)
    if epochs is not None:
        epochs = _checks.integer("epochs", epochs, minimum=1)
    if steps_per_epoch is not None:
        steps_per_epoch = _checks.integer("steps_per_epoch", steps_per_epoch, minimum=1)
    if total_steps is not None:
        total_steps = _checks.integer("total_steps", total_steps, minimum=1)
    elif epochs is not None and steps_per_epoch is not None:
        epochs = _checks.integer("epochs", epochs, minimum=1)
        steps_per_epoch = _checks.integer("steps_per_epoch", steps_per_epoch, minimum=1)
        total_steps = epochs * steps_per_epoch
    else:
        raise ValueError(
            "one_cycle_lr needs total_steps, or both epochs and steps_per_epoch; got "
            f"total_steps={total_steps}, epochs={epochs}, steps_per_epoch={steps_per_epoch}"
        )
    pct_start = _checks.in_range("pct_start", pct_start, 0.0, 1.0)
    anneal_strategy = _checks.choice("anneal_strategy", anneal_strategy, ("cos", "linear"))
    cycle_momentum = _checks.flag("cycle_momentum", cycle_momentum)
    three_phase = _checks.flag("three_phase", three_phase)
    base_momentum = _checks.in_range("base_momentum", base_momentum, 0.0, 1.0)
    max_momentum = _checks.in_range("max_momentum", max_momentum, 0.0, 1.0)
    div_factor = _checks.positive("div_factor", div_factor)
    final_div_factor = _checks.positive("final_div_factor", final_div_factor)
    initial = max_lr / div_factor
    lr_at = {"initial": initial, "max": max_lr, "min": initial / final_div_factor}
    mom_at = {"max": max_momentum, "base": base_momentum}
    up = float(pct_start * total_steps) - 1
    if three_phase:
        phases = [
            (up, "initial", "max", "max", "base"),
            (float(2 * pct_start * total_steps) - 2, "max", "initial", "base", "max"),
            (total_steps - 1, "initial", "min", "max", "max"),
        ]
    else:
        phases = [(up, "initial", "max", "max", "base"), (total_steps - 1, "max", "min", "base", "max")]
    if phases[-1][0] == phases[-2][0]:  # checked here, not first at step total_steps
        raise ValueError(
            f"pct_start must leave the last phase at least one step, got pct_start={pct_start} "
            f"with total_steps={total_steps} (PyTorch divides by zero at step {total_steps})"
        )
    params = {"max_lr": max_lr, "total_steps": total_steps, "pct_start": pct_start,
              "anneal_strategy": anneal_strategy, "div_factor": div_factor,
              "final_div_factor": final_div_factor, "three_phase": three_phase}

    def locate(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Phase index and fraction through it, as torch's OneCycleLR.get_lr finds them."""
        which = np.full(t.shape, len(phases) - 1)
        for i in reversed(range(len(phases) - 1)):
            which = np.where(t <= phases[i][0], i, which)
        ends = np.array([p[0] for p in phases], dtype=np.float64)
        starts = np.concatenate([[0.0], ends[:-1]])
        span = ends[which] - starts[which]
        if np.any(span == 0):
            step = int(t[span == 0].min())
            raise ValueError(
                f"one_cycle_lr with pct_start={pct_start} and total_steps={total_steps} has an "
                f"empty phase at step {step} (PyTorch divides by zero there); change pct_start"
            )
        return which, (t - starts[which]) / span

    def curve(values: dict[str, float], ends: tuple[int, int]) -> Callable[[np.ndarray], np.ndarray]:
        def fn(t: np.ndarray) -> np.ndarray:
            which, pct = locate(t)
            out = np.empty(t.shape)
            for i, phase in enumerate(phases):
                m = which == i
                if m.any():
                    a, b = values[phase[ends[0]]], values[phase[ends[1]]]
                    out[m] = _anneal(anneal_strategy, a, b, pct[m])
            return out
        return fn

    momentum = None
    if cycle_momentum:
        momentum = Schedule(
            curve(mom_at, (3, 4)), "one_cycle_momentum", max_momentum,
            {**params, "base_momentum": base_momentum, "max_momentum": max_momentum},
            last_step=total_steps, what="momentum",
        )
    sched = Schedule(curve(lr_at, (1, 2)), "one_cycle_lr", initial, params,
                     last_step=total_steps, momentum=momentum)
    sched(0)  # fail now, not at the first step, when phase 0 is empty
    return sched


def cyclic_lr(
    base_lr: float,
    max_lr: float,
    step_size_up: int = 2000,
    step_size_down: int | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[float], float] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """``CyclicLR`` (Smith, "Cyclical Learning Rates for Training Neural Networks", 2017).

    ``cycle = floor(1 + t / (up + down))``, ``x = 1 + t / (up + down) - cycle`` and the height
    ``h = x / r`` while rising (``x <= r = up / (up + down)``), ``(x - 1) / (r - 1)`` while falling;
    ``lr(t) = base_lr + (max_lr - base_lr) * h * scale``, with scale ``1`` (triangular),
    ``1 / 2^(cycle - 1)`` (triangular2), ``gamma^t`` (exp_range) or ``scale_fn(cycle or t)``.
    Momentum: ``max_momentum - (max_momentum - base_momentum) * h * scale`` (``.momentum``).
    """
    base_lr = _checks.positive("base_lr", base_lr)
    max_lr = _checks.positive("max_lr", max_lr)
    up = float(_checks.integer("step_size_up", step_size_up, minimum=1))
    down = up if step_size_down is None else float(
        _checks.integer("step_size_down", step_size_down, minimum=0))
    gamma = _checks.positive("gamma", gamma)
    cycle_momentum = _checks.flag("cycle_momentum", cycle_momentum)
    base_momentum = _checks.in_range("base_momentum", base_momentum, 0.0, 1.0)
    max_momentum = _checks.in_range("max_momentum", max_momentum, 0.0, 1.0)
    scale_mode = _checks.choice("scale_mode", scale_mode, ("cycle", "iterations"))
    if scale_fn is None:
        mode = _checks.choice("mode", mode, ("triangular", "triangular2", "exp_range"))
        scale_mode = "iterations" if mode == "exp_range" else "cycle"
    else:
        if not callable(scale_fn):
            raise TypeError(f"scale_fn must be a function of one number, got {scale_fn!r}")
        scale_mode = _checks.choice("scale_mode", scale_mode, ("cycle", "iterations"))
    total = up + down
    ratio = up / total

    def scale(cycle: np.ndarray, t: np.ndarray) -> np.ndarray:
        if scale_fn is not None:
            x = cycle if scale_mode == "cycle" else t
            return np.array([float(scale_fn(int(v))) for v in x.ravel()]).reshape(x.shape)
        if mode == "triangular":
            return np.ones(t.shape)
        if mode == "triangular2":
            return 1 / (2.0 ** (cycle - 1))
        return gamma ** t.astype(np.float64)

    def shape(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cycle = np.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        rising = x <= ratio
        h = np.where(rising, x / ratio, (x - 1) / np.where(rising, 1.0, ratio - 1))
        return h, scale(cycle, t)

    def lr(t: np.ndarray) -> np.ndarray:
        h, s = shape(t)
        return base_lr + (max_lr - base_lr) * h * s

    def mom(t: np.ndarray) -> np.ndarray:
        h, s = shape(t)
        return max_momentum - (max_momentum - base_momentum) * h * s

    params = {"base_lr": base_lr, "max_lr": max_lr, "step_size_up": int(up),
              "step_size_down": int(down), "mode": mode if scale_fn is None else "custom",
              "gamma": gamma}
    momentum = None
    if cycle_momentum:
        momentum = Schedule(mom, "cyclic_momentum", max_momentum,
                            {**params, "base_momentum": base_momentum, "max_momentum": max_momentum},
                            what="momentum")
    return Schedule(lr, "cyclic_lr", base_lr, params, momentum=momentum)
