"""Answers that lrlearn computes: numeric questions and simulated loss curves.

A numeric question stores ``{"compute": name, "args": {...}}``; ``evaluate`` runs the named
computation: ``lrlearn.stability`` and ``lrlearn.simulate`` for thresholds, rates and runs,
``lrlearn.schedules`` for schedule values (the tests compare them with torch and closed forms),
and one-line formulas for batch-size arithmetic. A curve question stores a simulation spec;
``run_curve`` runs it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _checks, stability
from ..landscapes import DoubleWell, Landscape, Quadratic, Ravine, Rosenbrock
from ..simulate import Trajectory, simulate

__all__ = ["COMPUTATIONS", "check_curve", "check_spec", "evaluate", "run_curve", "verdict_for"]


def _quadratic(curvatures: list[float], center: list[float] | None = None) -> Quadratic:
    return Quadratic(curvatures=curvatures, center=center)


def _critical_lr(curvatures: list[float]) -> float:
    return stability.critical_lr(_quadratic(curvatures))


def _optimal_lr(curvatures: list[float]) -> float:
    return stability.optimal_lr(_quadratic(curvatures))


def _convergence_rate(lr: float, curvatures: list[float]) -> float:
    return stability.convergence_rate(lr, _quadratic(curvatures))


def _steps_to_tolerance(lr: float, curvatures: list[float], tol: float) -> float:
    return stability.steps_to_tolerance(lr, _quadratic(curvatures), tol)


def _condition_number(curvatures: list[float]) -> float:
    lam = _quadratic(curvatures).curvatures
    return float(lam.max() / lam.min())


def _position_after(curvatures: list[float], x0: list[float], lr: float, steps: int,
                    center: list[float] | None = None, optimizer: str = "sgd", coordinate: int = 0,
                    options: dict[str, Any] | None = None) -> float:
    run = simulate(_quadratic(curvatures, center), x0, lr, steps, optimizer, **(options or {}))
    if run.diverged:
        raise ValueError("the run diverged; ask about a run that does not")
    return float(run.final_position[coordinate])


def _loss_after(curvatures: list[float], x0: list[float], lr: float, steps: int,
                center: list[float] | None = None, optimizer: str = "sgd",
                options: dict[str, Any] | None = None) -> float:
    run = simulate(_quadratic(curvatures, center), x0, lr, steps, optimizer, **(options or {}))
    if run.diverged:
        raise ValueError("the run diverged; ask about a run that does not")
    return run.final_loss


def _first_step_size(optimizer: str, lr: float, gradient: float,
                     options: dict[str, Any] | None = None) -> float:
    """|x1 - x0| of the first update on f(x) = g x^2 / 2 at x0 = 1, whose gradient there is g."""
    land = Quadratic(curvatures=[abs(gradient)])
    run = simulate(land, [math.copysign(1.0, gradient)], lr, 1, optimizer, **(options or {}))
    return float(abs(run.positions[1, 0] - run.positions[0, 0]))


def _adamw_shrink(lr: float, weight_decay: float) -> float:
    """The factor AdamW multiplies a weight by in a step where its gradient is zero: 1 - lr * wd."""
    x0 = 1.0
    land = Quadratic(curvatures=[1.0], center=[x0])  # zero gradient at x0
    run = simulate(land, [x0], lr, 1, "adamw", weight_decay=weight_decay)
    return float(run.positions[1, 0] / x0)


def _decay_step(optimizer: str, lr: float, weight_decay: float, weight: float) -> float:
    """The weight after one step of ``optimizer`` with ``weight_decay`` when the loss's own
    gradient is zero: coupled L2 (sgd, adam) adds wd * w to the gradient, AdamW shrinks w."""
    land = Quadratic(curvatures=[1.0], center=[weight])  # zero loss gradient at the weight
    run = simulate(land, [weight], lr, 1, optimizer, weight_decay=weight_decay)
    return float(run.positions[1, 0])


def _layer_decay_lr(base_lr: float, decay: float, depth: int) -> float:
    """Layer-wise learning-rate decay: the rate ``depth`` layers below the top, base * decay^depth."""
    return base_lr * decay**depth


def _momentum_critical_lr(curvature: float, momentum: float, steps: int = 400) -> float:
    """The largest stable learning rate of heavy-ball SGD on f(x) = c x^2 / 2, found by bisection
    over ``simulate`` runs (closed form: 2 (1 + momentum) / c)."""
    land = Quadratic(curvatures=[curvature])
    lo, hi = 1e-9, 10.0 * (1.0 + momentum) / curvature

    def stable(lr: float) -> bool:
        run = simulate(land, [1.0], lr, steps, "sgd", momentum=momentum)
        return not run.diverged and abs(run.final_position[0]) < 1.0

    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    return 0.5 * (lo + hi)


def _diverged_at(curvatures: list[float], x0: list[float], lr: float, steps: int) -> float:
    run = simulate(_quadratic(curvatures), x0, lr, steps)
    if not run.diverged:
        raise ValueError("the run does not diverge")
    return float(run.diverged_at)


def _step_lr(base_lr: float, step_size: int, gamma: float, epoch: int) -> float:
    """StepLR (``lrlearn.schedules.step_lr``): base_lr * gamma ** (epoch // step_size)."""
    from ..schedules import step_lr

    return float(step_lr(base_lr, step_size=step_size, gamma=gamma)(epoch))


def _exponential_lr(base_lr: float, gamma: float, epoch: int) -> float:
    """ExponentialLR (``lrlearn.schedules.exponential_lr``): base_lr * gamma ** epoch."""
    from ..schedules import exponential_lr

    return float(exponential_lr(base_lr, gamma=gamma)(epoch))


def _cosine_lr(base_lr: float, t_max: int, epoch: int, eta_min: float = 0.0) -> float:
    """CosineAnnealingLR (``lrlearn.schedules.cosine_annealing_lr``):
    eta_min + (base - eta_min)(1 + cos(pi t / T)) / 2."""
    from ..schedules import cosine_annealing_lr

    return float(cosine_annealing_lr(base_lr, T_max=t_max, eta_min=eta_min)(epoch))


def _linear_warmup_lr(base_lr: float, start_factor: float, total_iters: int, epoch: int) -> float:
    """LinearLR up to 1 (``lrlearn.schedules.linear_lr``):
    base * (start + (1 - start) * min(epoch, total) / total)."""
    from ..schedules import linear_lr

    return float(linear_lr(base_lr, start_factor=start_factor, end_factor=1.0,
                           total_iters=total_iters)(epoch))


def _one_cycle_lr(max_lr: float, total_steps: int, step: int, pct_start: float = 0.3,
                  div_factor: float = 25.0, final_div_factor: float = 1e4) -> float:
    """OneCycleLR, two phases, cosine annealing (``lrlearn.schedules.one_cycle_lr``)."""
    from ..schedules import one_cycle_lr

    return float(one_cycle_lr(max_lr, total_steps=total_steps, pct_start=pct_start,
                              div_factor=div_factor, final_div_factor=final_div_factor)(step))


def _linear_scaling(base_lr: float, base_batch: int, new_batch: int) -> float:
    """Goyal et al. (2017): multiply the learning rate by the factor the batch grows by."""
    return base_lr * new_batch / base_batch


def _sqrt_scaling(base_lr: float, base_batch: int, new_batch: int) -> float:
    """Square-root scaling (keeps the update noise variance lr^2 / B fixed)."""
    return base_lr * math.sqrt(new_batch / base_batch)


def _steps_per_epoch(examples: int, batch_size: int, drop_last: bool = False) -> float:
    return float(examples // batch_size if drop_last else math.ceil(examples / batch_size))


def _effective_batch(micro_batch: int, accumulation_steps: int, devices: int = 1) -> float:
    return float(micro_batch * accumulation_steps * devices)


def _noise_scale(trace_cov: float, grad_norm_sq: float) -> float:
    """McCandlish et al. (2018), the simple noise scale B_simple = tr(Sigma) / |G|^2."""
    return trace_cov / grad_norm_sq


def _steps_for_examples(examples_per_epoch: int, batch_size: int, epochs: int) -> float:
    return float(epochs * math.ceil(examples_per_epoch / batch_size))


#: name -> (function, required args, optional args)
COMPUTATIONS: dict[str, tuple[Callable[..., float], set[str], set[str]]] = {
    "critical_lr": (_critical_lr, {"curvatures"}, set()),
    "optimal_lr": (_optimal_lr, {"curvatures"}, set()),
    "convergence_rate": (_convergence_rate, {"lr", "curvatures"}, set()),
    "steps_to_tolerance": (_steps_to_tolerance, {"lr", "curvatures", "tol"}, set()),
    "condition_number": (_condition_number, {"curvatures"}, set()),
    "position_after": (_position_after, {"curvatures", "x0", "lr", "steps"},
                       {"center", "optimizer", "coordinate", "options"}),
    "loss_after": (_loss_after, {"curvatures", "x0", "lr", "steps"},
                   {"center", "optimizer", "options"}),
    "first_step_size": (_first_step_size, {"optimizer", "lr", "gradient"}, {"options"}),
    "adamw_shrink": (_adamw_shrink, {"lr", "weight_decay"}, set()),
    "decay_step": (_decay_step, {"optimizer", "lr", "weight_decay", "weight"}, set()),
    "layer_decay_lr": (_layer_decay_lr, {"base_lr", "decay", "depth"}, set()),
    "momentum_critical_lr": (_momentum_critical_lr, {"curvature", "momentum"}, set()),
    "diverged_at": (_diverged_at, {"curvatures", "x0", "lr", "steps"}, set()),
    "step_lr": (_step_lr, {"base_lr", "step_size", "gamma", "epoch"}, set()),
    "exponential_lr": (_exponential_lr, {"base_lr", "gamma", "epoch"}, set()),
    "cosine_lr": (_cosine_lr, {"base_lr", "t_max", "epoch"}, {"eta_min"}),
    "linear_warmup_lr": (_linear_warmup_lr, {"base_lr", "start_factor", "total_iters", "epoch"},
                         set()),
    "one_cycle_lr": (_one_cycle_lr, {"max_lr", "total_steps", "step"},
                     {"pct_start", "div_factor", "final_div_factor"}),
    "linear_scaling": (_linear_scaling, {"base_lr", "base_batch", "new_batch"}, set()),
    "sqrt_scaling": (_sqrt_scaling, {"base_lr", "base_batch", "new_batch"}, set()),
    "steps_per_epoch": (_steps_per_epoch, {"examples", "batch_size"}, {"drop_last"}),
    "effective_batch": (_effective_batch, {"micro_batch", "accumulation_steps"}, {"devices"}),
    "noise_scale": (_noise_scale, {"trace_cov", "grad_norm_sq"}, set()),
    "steps_for_examples": (_steps_for_examples, {"examples_per_epoch", "batch_size", "epochs"},
                           set()),
}


def check_spec(spec: Any) -> None:
    """Raise TypeError/ValueError unless ``spec`` is ``{"compute": known name, "args": {...}}``
    with exactly the arguments that computation takes."""
    if not isinstance(spec, dict) or set(spec) != {"compute", "args"}:
        raise TypeError(f"a compute spec is {{'compute': name, 'args': {{...}}}}, got {spec!r}")
    name, args = spec["compute"], spec["args"]
    if name not in COMPUTATIONS:
        raise ValueError(f"unknown computation {name!r}; known: {sorted(COMPUTATIONS)}")
    if not isinstance(args, dict):
        raise TypeError(f"'args' must be an object, got {args!r}")
    _, required, optional = COMPUTATIONS[name]
    missing, extra = required - set(args), set(args) - required - optional
    if missing or extra:
        raise ValueError(f"{name} takes {sorted(required)} (optional {sorted(optional)}); "
                         f"missing {sorted(missing)}, unexpected {sorted(extra)}")
    _check_args(name, args)


#: arguments that are sizes, rates or counts of things: > 0
_POSITIVE = {"lr", "base_lr", "max_lr", "curvature", "curvatures", "batch_size", "micro_batch",
             "accumulation_steps", "devices", "examples", "examples_per_epoch", "base_batch",
             "new_batch", "step_size", "t_max", "total_iters", "total_steps", "trace_cov",
             "grad_norm_sq", "tol", "steps"}


def _check_args(name: str, args: dict[str, Any]) -> None:
    """Each argument against the computation's annotation (a string "8" is no batch size) and
    its range (counts >= 0; sizes, rates and counts of things > 0)."""
    import inspect

    params = inspect.signature(COMPUTATIONS[name][0]).parameters
    for key, value in args.items():
        check = _checks._annotation_check(params[key].annotation, globals())
        if check is not None:
            check(key, value)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int | float):
                continue
            if key in _POSITIVE and not v > 0:
                raise ValueError(f"{key} must be > 0 for {name}, got {value!r}")
            if params[key].annotation == "int" and v < 0:
                raise ValueError(f"{key} must be >= 0 for {name}, got {value!r}")


def evaluate(spec: dict[str, Any]) -> float:
    """The answer a numeric question's spec computes (a finite float)."""
    check_spec(spec)
    fn = COMPUTATIONS[spec["compute"]][0]
    value = float(fn(**spec["args"]))
    if not math.isfinite(value):
        raise ValueError(f"{spec['compute']} computed a non-finite answer {value!r}")
    return value


# --- loss curves -------------------------------------------------------------------------------

_LANDSCAPES: dict[str, Callable[..., Landscape]] = {
    "quadratic": lambda curvatures, center=None: Quadratic(curvatures=curvatures, center=center),
    "ravine": Ravine,
    "rosenbrock": Rosenbrock,
    "double_well": DoubleWell,
}
_CURVE_KEYS = {"landscape", "params", "x0", "lr", "steps", "optimizer", "options"}

#: curve label -> the verdict of ``lrlearn.stability`` that confirms it
_VERDICTS = {
    "diverging": stability.Verdict.DIVERGES,
    "oscillating": stability.Verdict.OSCILLATES,
    "too_low": stability.Verdict.TOO_SLOW,
    "good": stability.Verdict.CONVERGES,
}


def verdict_for(label: str) -> stability.Verdict:
    """The classifier verdict that a curve label stands for."""
    return _VERDICTS[label]


def check_curve(spec: Any) -> None:
    """Raise TypeError/ValueError unless ``spec`` is a well-formed curve spec."""
    if not isinstance(spec, dict):
        raise TypeError(f"a curve spec is an object, got {spec!r}")
    extra = set(spec) - _CURVE_KEYS
    missing = {"landscape", "x0", "lr", "steps"} - set(spec)
    if extra or missing:
        raise ValueError(f"curve keys are {sorted(_CURVE_KEYS)}; missing {sorted(missing)}, "
                         f"unexpected {sorted(extra)}")
    if spec["landscape"] not in _LANDSCAPES:
        raise ValueError(f"unknown landscape {spec['landscape']!r}; known: {sorted(_LANDSCAPES)}")
    if not isinstance(spec.get("params", {}), dict) or not isinstance(spec.get("options", {}), dict):
        raise TypeError("'params' and 'options' must be objects")
    steps = spec["steps"]
    if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= 5000:
        raise ValueError(f"'steps' must be an integer in [2, 5000], got {steps!r}")


def run_curve(spec: dict[str, Any]) -> Trajectory:
    """Simulate a curve spec: the loss curve a curve question shows."""
    check_curve(spec)
    land = _LANDSCAPES[spec["landscape"]](**spec.get("params", {}))
    return simulate(land, np.asarray(spec["x0"], dtype=float), spec["lr"], spec["steps"],
                    spec.get("optimizer", "sgd"), **spec.get("options", {}))

_checks.check_public(globals())
