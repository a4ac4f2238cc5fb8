"""lrlearn.schedules: every factory (aliases say their own parameter names), evaluated over a
run, plus plotting, the torch bridge and ReduceLROnPlateau."""

from __future__ import annotations

import numpy as np

import lrlearn.schedules as S
from boundary.kinds import FLOAT, FUNC, INT, OBJ, Entry, Lazy, bad, mix

NAN = float("nan")
RATE = mix(FLOAT, bad=(0.0, -1.0), extreme=(1e300, 1e-300))
RATE0 = mix(FLOAT, bad=(-1.0,), extreme=(0.0, 1e300))  # a floor may be 0
STEPS = mix(INT, bad=(0, -1), extreme=(10**12,))
FACTOR = mix(FLOAT, bad=(-1.0, 0.0), extreme=(1e300, 1e-300))
MOM = mix(FLOAT, bad=(-0.1, 1.5))


def _run(schedule):
    lrs = schedule(np.arange(min(60, (schedule.last_step or 59) + 1)))
    assert np.all(np.isfinite(lrs)) and np.all(lrs >= 0)
    if schedule.momentum is not None:
        schedule.momentum(np.arange(10))


def E(name, args, kinds, **kw):
    return Entry(f"lrlearn.schedules.{name}", args=args, kinds=kinds, then=_run, **kw)


ENTRIES = [
    E("base.constant", {"base_lr": 0.1}, {"base_lr": RATE}),
    E(
        "base.sequential_lr",
        {"schedules": Lazy(lambda: [S.constant(0.1), S.step_lr(0.1, 5)]), "milestones": [10]},
        {
            "schedules": bad(None, [], [3], "x", [S.constant(0.1)]),
            "milestones": bad(None, [], [0], [-1], [1.5], "x", [NAN], [5, 3]),
        },
    ),
    Entry(
        "lrlearn.schedules.base.Schedule",
        args={"fn": lambda t: 0.1 + 0 * t, "name": "mine", "base_lr": 0.1},
        then=_run,
        kinds={"fn": FUNC, "base_lr": RATE0},
    ),
    E(
        "decay.constant_lr",
        {"base_lr": 0.1},
        {"base_lr": RATE, "factor": mix(FLOAT, bad=(0.0, -1.0, 1.5)), "total_iters": STEPS},
    ),
    E(
        "decay.linear_lr",
        {"base_lr": 0.1},
        {
            "base_lr": RATE,
            "start_factor": mix(FLOAT, bad=(0.0, -1.0, 1.5)),
            "end_factor": mix(FLOAT, bad=(-1.0, 1.5)),
            "total_iters": STEPS,
        },
    ),
    E(
        "decay.step_lr",
        {"base_lr": 0.1, "step_size": 5},
        {"base_lr": RATE, "step_size": STEPS, "gamma": FACTOR},
    ),
    E(
        "decay.multi_step_lr",
        {"base_lr": 0.1, "milestones": [5, 10]},
        {"base_lr": RATE, "milestones": bad(None, "x", [1.5], [NAN], [-1], [[1]]), "gamma": FACTOR},
    ),
    E("decay.exponential_lr", {"base_lr": 0.1, "gamma": 0.9}, {"base_lr": RATE, "gamma": FACTOR}),
    E(
        "decay.cosine_annealing_lr",
        {"base_lr": 0.1, "T_max": 20},
        {"base_lr": RATE, "T_max": STEPS, "eta_min": RATE0},
    ),
    E(
        "decay.cosine_annealing_warm_restarts",
        {"base_lr": 0.1, "T_0": 10},
        {"base_lr": RATE, "T_0": STEPS, "T_mult": STEPS, "eta_min": RATE0},
    ),
    E(
        "decay.polynomial_lr",
        {"base_lr": 0.1, "total_iters": 20},
        {"base_lr": RATE, "total_iters": STEPS, "power": RATE0},
    ),
    E(
        "aliases.cosine",
        {"base_lr": 0.1, "total_steps": 20},
        {"base_lr": RATE, "total_steps": STEPS, "final_lr": RATE0},
    ),
    E(
        "aliases.warmup",
        {"base_lr": 0.1, "warmup_steps": 10},
        {"base_lr": RATE, "warmup_steps": STEPS, "start_factor": mix(FLOAT, bad=(0.0, -1.0, 1.5))},
    ),
    E(
        "aliases.warmup_cosine",
        {"base_lr": 0.1, "warmup_steps": 10, "total_steps": 40},
        {
            "base_lr": RATE,
            "warmup_steps": STEPS,
            "total_steps": mix(STEPS, bad=(10, 5)),
            "final_lr": RATE0,
            "start_factor": mix(FLOAT, bad=(0.0, -1.0, 1.5)),
        },
    ),
    E(
        "cyclic.one_cycle_lr",
        {"max_lr": 0.1, "total_steps": 50},
        {
            "max_lr": RATE,
            "total_steps": STEPS,
            "pct_start": mix(FLOAT, bad=(-0.1, 1.5, 1.0), extreme=(0.0,)),
            "anneal_strategy": bad(None, "x", 3, "COS "),
            "base_momentum": MOM,
            "max_momentum": MOM,
            "div_factor": FACTOR,
            "final_div_factor": FACTOR,
        },
        examples=30,
    ),
    E(
        "cyclic.cyclic_lr",
        {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10},
        {
            "base_lr": RATE,
            "max_lr": RATE,
            "step_size_up": STEPS,
            "gamma": FACTOR,
            "mode": bad(None, "x", 3),
            "scale_fn": bad(3, "x"),
            "base_momentum": MOM,
            "max_momentum": MOM,
        },
        examples=30,
    ),
    Entry(
        "lrlearn.schedules.plateau.ReduceLROnPlateau",
        args={"base_lr": 0.1},
        then=lambda p: p.run([1.0, 0.9, 0.9, 0.9]),
        kinds={
            "base_lr": RATE,
            "mode": bad(None, "x", 3),
            "factor": mix(FLOAT, bad=(0.0, 1.0, -1.0)),
            "patience": mix(INT, bad=(-1,)),
            "threshold": mix(FLOAT, bad=(-1.0,)),
            "threshold_mode": bad(None, "x"),
            "cooldown": mix(INT, bad=(-1,)),
            "min_lr": RATE0,
            "eps": mix(FLOAT, bad=(-1.0,)),
        },
    ),
    Entry(
        "lrlearn.schedules.plot.plot_schedules",
        args={
            "schedules": Lazy(lambda: {"a": S.constant(0.1), "b": S.step_lr(0.1, 5)}),
            "steps": 30,
        },
        kinds={
            "schedules": bad(None, 3, {}, {"a": 3}, "x", []),
            "steps": mix(INT, bad=(0, -1, [], [1.5], "x"), extreme=(10**12,)),
            "ax": OBJ.optional(),
        },
    ),
    Entry(
        "lrlearn.schedules.plot.plot_schedules",
        id="plot_schedules(huge)",
        args={"schedules": Lazy(lambda: S.exponential_lr(1e300, 0.5)), "steps": 30, "log": True},
    ),
    Entry(
        "lrlearn.schedules.torch_bridge.to_torch",
        args={
            "schedule": Lazy(lambda: S.one_cycle_lr(0.1, 20)),
            "optimizer": Lazy(
                lambda: __import__("torch").optim.SGD(
                    [__import__("torch").zeros(2, requires_grad=True)], lr=0.1, momentum=0.9
                )
            ),
        },
        kinds={"schedule": OBJ, "optimizer": OBJ},
    ),
]
