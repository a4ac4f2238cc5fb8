"""Claims about the learning rate checked on the core landscapes (numpy only).

- "rates above 1 almost always fail": gradient descent on a quadratic converges iff lr < 2 / L,
  so whether lr > 1 fails depends on the curvature L, not on the number 1.
- "too small a learning rate gets stuck in local minima": on a double well, which minimum a run
  reaches depends on where it starts and, near the stability limit, on the step size.
- "adaptive optimizers remove the need to tune the learning rate": Adam's final loss across
  learning rates on several landscapes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from tqdm.auto import tqdm

from .. import _checks
from ..landscapes import DoubleWell, Landscape, Quadratic, Ravine, Rosenbrock, Saddle
from ..optimizers import SGD
from ..simulate import sweep
from ..stability import critical_lr
from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = ["adaptive_tuning", "double_well_basins", "rates_above_one"]

# ---------------------------------------------------------------------------------------------
# "learning rates above 1 almost always fail"

ABOVE_ONE_CURVATURES = (0.25, 0.5, 1.0, 2.0, 10.0, 100.0)
#: full-batch learning rates tried on softmax regression of the digits
DIGITS_LRS = 2.0 ** np.arange(-3, 7)


def digits_softmax_sweep(steps: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Full-batch gradient descent on softmax regression of the digits (``lrlearn.problems``),
    all ``DIGITS_LRS`` at once from the same start. Returns the rates, the final training losses
    (inf where a run overflowed) and the sharpness (top Hessian eigenvalue) at the start."""
    from ..batch import sharpness
    from ..data import digits
    from ..problems import SoftmaxRegression

    problem = SoftmaxRegression(digits())
    w0 = problem.init_params(0)
    w = np.broadcast_to(w0, (DIGITS_LRS.size, w0.size)).copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = w - DIGITS_LRS[:, None] * problem.loss_and_grad(w)[1]
        final = np.asarray(problem.loss(w), dtype=float)
    final = np.where(np.isfinite(final), final, np.inf)
    return DIGITS_LRS.copy(), final, sharpness(problem, w0, tol=1e-4)


def rates_above_one(fast: bool = True, progress: bool = False) -> Measurement:
    """Sweep lr = 2^-7 .. 2^3 on f(x) = (L/2) x^2 for several curvatures L (and a ravine).

    Theory (``lrlearn.stability``): gradient descent converges iff lr < 2 / L. On these
    one-dimensional quadratics it is fastest at lr = 1 / L, where it lands on the minimum in one step
    (so lr = 2 is best when L = 0.5); with several curvatures the fastest fixed rate is
    2 / (L + mu).
    """
    steps = 30 if fast else 100
    lrs = 2.0 ** np.arange(-7, 4)
    problems: list[tuple[str, Landscape]] = [
        (f"(L/2) x^2, L = {c:g}", Quadratic(curvatures=[c], center=[0.0]))
        for c in ABOVE_ONE_CURVATURES
    ]
    problems.append(("ravine, L = 25", Ravine(condition=25.0)))
    rows = []
    best_above_one = 0
    ok_above_one = 0
    small_best = small_gap = np.nan
    fails_beyond_limit: list[bool] = []
    winners_flat: list[bool] = []
    for name, f in tqdm(problems, desc="problems", disable=not progress, leave=False):
        x0 = np.ones(f.dim)
        r = sweep(f, x0, lrs, steps)
        gap = (r.final_losses - f.min_value) / (r.losses[:, 0] - f.min_value)
        above = lrs > 1
        converged = (~r.diverged) & (gap < 1e-6)
        best = r.best_lr
        best_above_one += bool(best is not None and best > 1)
        if best is not None and best > 1:
            winners_flat.append(f.lipschitz < 1)
        fails_beyond_limit.append(bool(np.all(lrs[~converged & above] >= critical_lr(f))))
        ok_above_one += bool(np.any(converged & above))
        if isinstance(f, Quadratic) and f.dim == 1 and f.lipschitz == 0.5:
            small_best, small_gap = best, float(gap[r.best_index])
        rows.append({
            "problem": name, "2/L": critical_lr(f), "best lr in grid": best,
            "largest lr that converged": float(lrs[converged].max()) if converged.any()
            else "none",
            "rates > 1 that converged": f"{int(np.sum(converged & above))} of {int(above.sum())}",
        })
    d_lrs, d_final, d_sharp = digits_softmax_sweep(50 if fast else 200)
    d_best = float(d_lrs[np.argmin(d_final)])
    d_at_1 = float(d_final[d_lrs == 1.0][0])
    best_above_one += d_best > 1
    ok_above_one += bool(np.any(np.isfinite(d_final[d_lrs > 1]) & (d_final[d_lrs > 1] < d_at_1)))
    rows.append({
        "problem": "softmax regression, digits (full batch)", "2/L": 2.0 / d_sharp,
        "best lr in grid": d_best, "largest lr that converged": "n/a (no exact minimum)",
        "rates > 1 that converged": (f"{int(np.sum(d_final[d_lrs > 1] < d_at_1))} of "
                                     f"{int(np.sum(d_lrs > 1))} beat lr = 1"),
    })
    numbers: dict[str, Number] = {
        "problems": len(problems) + 1,
        "problems_best_above_1": best_above_one,
        "problems_converging_above_1": ok_above_one,
        "best_lr_at_L_0.5": float(small_best),
        "gap_at_best_L_0.5": float(small_gap),
        "failures_above_2_over_L": bool(all(fails_beyond_limit)),
        "winners_have_L_below_1": bool(all(winners_flat)),
        "steps": steps,
        "digits_best_lr": d_best,
        "digits_loss_at_best_over_lr_1": float(d_final.min() / d_at_1),
        "digits_start_sharpness": float(d_sharp),
    }
    finding = (
        f"On f = x^2 / 4 (curvature 0.5) the best rate in the grid is {small_best:g}, reaching the "
        f"minimum to a relative gap of {small_gap:.1g}. On softmax regression of the real digits, "
        f"full-batch gradient descent does best at lr = {d_best:g}, ending at "
        f"{numbers['digits_loss_at_best_over_lr_1']:.2f} x the loss lr = 1 reaches. Rates above "
        f"1 do well on {ok_above_one} of {numbers['problems']} problems and are the best choice "
        f"on {best_above_one}"
        + (", every quadratic among them with curvature below 1" if winners_flat
           and all(winners_flat) else "")
        + (". On the quadratics, every rate above 1 that failed was at or above 2 / L, the "
           "stability limit." if all(fails_beyond_limit) else
           ". On the quadratics, some rate above 1 failed below 2 / L.")
    )
    return Measurement(numbers, finding, tuple(rows),
                       setup=(f"quadratics and the ravine: lr = 2^-7 .. 2^3, {steps} steps of "
                              f"gradient descent from x = 1; digits: lr = 2^-3 .. 2^6, "
                              f"{50 if fast else 200} full-batch steps from zero weights"))


def _judge_above_one(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["problems_best_above_1"] > 0:
        return ClaimVerdict.FAILS
    if n["problems_converging_above_1"] > 0:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.HOLDS


register(Claim(
    key="rates-above-one-fail",
    statement="A learning rate above 1 will almost always make training fail.",
    source=Source.SEED,
    reference="'Why we use smaller learning rates', sample answer",
    experiment=rates_above_one,
    rule=("Does not hold if on some test problem a rate above 1 is the best of the grid; holds "
          "with caveats if rates above 1 converge somewhere but never win; holds if every rate "
          "above 1 fails everywhere."),
    judge=_judge_above_one,
))

# ---------------------------------------------------------------------------------------------
# "too small a learning rate gets stuck in local minima"


def double_well_basins(fast: bool = True, progress: bool = False) -> Measurement:
    """Gradient descent on ``DoubleWell(tilt=0.3)`` from a grid of starts and step sizes.

    Step sizes are fractions of the stability limit 2 / f''(x) at the sharper minimum. A run is
    *settled* when |f'(x)| < 1e-8; its minimum is the global one if it ends left of the barrier.
    ``rescued``: runs that start in the local minimum's basin and end in the global one;
    ``trapped``: runs that start in the global basin and end in the local minimum.
    """
    f = DoubleWell(tilt=0.3)
    curv = f.hessian(f.minima)[:, 0, 0]
    limit = 2.0 / float(curv.max())
    n_starts = 41 if fast else 201
    fractions = (np.array([0.005, 0.02, 0.05, 0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]) if fast
                 else np.linspace(0.02, 0.98, 49))
    steps = 4000
    starts = np.linspace(-1.7, 1.7, n_starts)
    lrs = fractions * limit
    x = np.broadcast_to(starts[None, :, None], (lrs.size, n_starts, 1)).copy()
    rate = np.broadcast_to(lrs[:, None], (lrs.size, n_starts))
    opt = SGD(lr=float(lrs[0]))
    state = opt.init(x)
    for _ in tqdm(range(steps), desc="double well", disable=not progress, leave=False):
        x, state = opt.step(x, f.grad(x), state, rate)
    end = x[..., 0]
    settled = np.abs(f.grad(x)[..., 0]) < 1e-8
    end_local = settled & (end > f.barrier)
    start_local = np.broadcast_to(starts > f.barrier, end.shape)
    small = fractions <= 0.5
    same = ~(end_local ^ start_local) & settled
    rescued = int(np.sum(start_local & settled & ~end_local))
    trapped = int(np.sum(~start_local & end_local))
    differ = ~same[small].all(axis=0) if small.any() else np.zeros(n_starts, bool)
    numbers: dict[str, Number] = {
        "stability_limit": limit,
        "small_runs": int(small.sum() * n_starts),
        "small_same_basin_fraction": float(same[small].mean()),
        "large_runs": int((~small).sum() * n_starts),
        "large_unsettled": int(np.sum(~settled[~small])),
        "rescued": rescued,
        "trapped": trapped,
        "starts_where_small_rates_disagree": int(differ.sum()),
        "smallest_lr_that_changes_a_basin": float(lrs[np.flatnonzero(~same.all(axis=1))[0]])
        if (~same.all(axis=1)).any() else 0.0,
    }
    all_same = numbers["small_same_basin_fraction"] == 1.0
    finding = (
        f"With steps up to half the stability limit ({limit:.3g}), "
        f"{numbers['small_same_basin_fraction']:.0%} of {numbers['small_runs']} runs end in the "
        f"minimum of the basin they start in"
        + (": small rates are not stuck, they go downhill like any other. " if all_same else ". ")
        + (f"Only from lr = {numbers['smallest_lr_that_changes_a_basin']:.3g} do big first steps "
           f"hop the barrier: {rescued} runs rescued from the local minimum, {trapped} thrown "
           f"into it." if rescued + trapped else "No step size changed a run's basin.")
    )
    rows = []
    for i, lr in enumerate(lrs):
        rows.append({"lr": float(lr), "lr / limit": float(fractions[i]),
                     "end in local minimum": int(end_local[i].sum()),
                     "start in local basin": int(start_local[i].sum()),
                     "rescued": int(np.sum(start_local[i] & settled[i] & ~end_local[i])),
                     "trapped": int(np.sum(~start_local[i] & end_local[i])),
                     "unsettled": int(np.sum(~settled[i]))})
    return Measurement(numbers, finding, tuple(rows),
                       setup=(f"DoubleWell(tilt=0.3), {n_starts} starts in [-1.7, 1.7], "
                              f"{lrs.size} step sizes, {steps} steps"),
                       extra={"starts": starts, "lrs": lrs, "end_local": end_local,
                              "settled": settled})


def _judge_basins(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["rescued"] > 0 and n["trapped"] == 0:
        return ClaimVerdict.HOLDS
    if n["rescued"] > n["trapped"]:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="small-rates-stuck",
    statement="Too small a learning rate makes training get stuck in local minima.",
    source=Source.SEED,
    reference="both guides: a rate that is too low may get stuck in local minima",
    experiment=double_well_basins,
    rule=("On the double well, larger stable steps must change outcomes in the claim's favour. "
          "Holds if they rescue runs from the local minimum and send none into it; holds with "
          "caveats if they rescue more than they trap; does not hold otherwise."),
    judge=_judge_basins,
))

# ---------------------------------------------------------------------------------------------
# "adaptive optimizers remove the need to tune the learning rate"

ADAM_DEFAULT_LR = 1e-3


def _adam_problems() -> list[tuple[str, Landscape, np.ndarray]]:
    one = np.ones(2)
    return [
        ("quadratic, curvature 1", Quadratic(curvatures=[1.0, 1.0]), one),
        ("quadratic, curvature 100", Quadratic(curvatures=[100.0, 100.0]), one),
        ("quadratic, start 100 away", Quadratic(curvatures=[1.0, 1.0]), 100 * one),
        ("ravine (condition 25)", Ravine(), Ravine().default_start),
        ("Rosenbrock", Rosenbrock(), Rosenbrock().default_start),
        ("saddle", Saddle(), Saddle().default_start),
    ]


def adaptive_tuning(fast: bool = True, progress: bool = False) -> Measurement:
    """Adam (and plain gradient descent for contrast) swept over lr = 1e-4 .. 10 on six landscapes.

    A run *succeeds* when its final gap f - f* falls below ``tol`` = 1e-6 of the starting gap
    within the step budget. Adam's update is invariant to rescaling the loss (up to eps), which
    the two quadratics of curvature 1 and 100 show; the step length is still set by lr.
    """
    steps = 300 if fast else 500
    per_decade = 2 if fast else 4
    lrs = np.logspace(-4, 1, 5 * per_decade + 1)
    tol = 1e-6
    rows = []
    ok: dict[str, list[np.ndarray]] = {}
    gaps: dict[str, list[np.ndarray]] = {}
    for opt in ("adam", "sgd"):
        ok[opt] = []
        gaps[opt] = []
        for name, f, x0 in tqdm(_adam_problems(), desc=opt, disable=not progress, leave=False):
            r = sweep(f, x0, lrs, steps, optimizer=opt)
            gap = (r.final_losses - f.min_value) / (r.losses[:, 0] - f.min_value)
            good = (~r.diverged) & (gap < tol)
            ok[opt].append(good)
            gaps[opt].append(np.where(r.diverged, np.inf, gap))
            default = int(np.argmin(np.abs(lrs - ADAM_DEFAULT_LR)))
            rows.append({
                "optimizer": opt, "landscape": name, "best lr": r.best_lr,
                "lrs that succeed": (f"{lrs[good].min():.2g} to {lrs[good].max():.2g}"
                                     if good.any() else "none"),
                "decades that succeed": float(np.log10(lrs[good].max() / lrs[good].min()))
                if good.any() else 0.0,
                "gap at lr 1e-3": float(gap[default]) if not r.diverged[default] else np.inf,
            })
    adam = np.array(ok["adam"])
    sgd = np.array(ok["sgd"])
    default = int(np.argmin(np.abs(lrs - ADAM_DEFAULT_LR)))
    shared = adam.all(axis=0)
    numbers: dict[str, Number] = {
        "landscapes": adam.shape[0],
        "adam_default_successes": int(adam[:, default].sum()),
        "adam_shared_lrs": int(shared.sum()),
        "adam_best_single_lr_successes": int(adam.sum(axis=0).max()),
        "sgd_best_single_lr_successes": int(sgd.sum(axis=0).max()),
        "adam_successful_cells": int(adam.sum()),
        "sgd_successful_cells": int(sgd.sum()),
        "adam_scale_invariant": bool(np.array_equal(adam[0], adam[1])),
        "tolerance": tol,
        "steps": steps,
    }
    best = int(np.argmax(adam.sum(axis=0)))
    finding = (
        f"Adam's default lr = 1e-3 succeeds on {numbers['adam_default_successes']} of "
        f"{adam.shape[0]} landscapes in {steps} steps; the best single rate ({lrs[best]:.2g}) on "
        f"{numbers['adam_best_single_lr_successes']}"
        + (", and no rate on all. " if not shared.any() else ". ")
        + ("It does remove the dependence on the loss's scale (curvature 1 and 100 give the "
           "same runs). " if numbers["adam_scale_invariant"] else "")
        + f"Over the grid Adam succeeds in "
        f"{numbers['adam_successful_cells']} (landscape, lr) cells against plain gradient "
        f"descent's {numbers['sgd_successful_cells']}; its step length is still set by lr."
    )
    return Measurement(numbers, finding, tuple(rows),
                       setup=(f"lr = 1e-4 .. 10 ({lrs.size} rates), {steps} steps, success = gap "
                              f"below {tol:g} of the start"),
                       extra={"lrs": lrs, "landscapes": [p[0] for p in _adam_problems()],
                              "gaps": {k: np.array(v) for k, v in gaps.items()}, "tol": tol})


def _judge_adaptive(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["adam_default_successes"] == n["landscapes"]:
        return ClaimVerdict.HOLDS
    if n["adam_shared_lrs"] > 0:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="adaptive-no-tuning",
    statement="Adaptive optimizers such as Adam remove the need to tune the learning rate by hand.",
    source=Source.SEED,
    reference="'Why we use smaller learning rates', adaptive optimizers",
    experiment=adaptive_tuning,
    rule=("Holds if Adam's default rate (1e-3) succeeds on every landscape; holds with caveats if "
          "it does not but one shared rate of the grid succeeds everywhere (tune once); does not "
          "hold if no single rate succeeds on every landscape."),
    judge=_judge_adaptive,
))

_checks.check_public(globals())
