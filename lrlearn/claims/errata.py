"""Claims about the seeds' own numbers: the worked example and the three-learning-rate code.

Both are checked with ``lrlearn.simulate`` on the quadratic the seed describes, against the closed
form: on f(w) = (k/2)(w - w*)^2 gradient descent multiplies the error by (1 - lr k) per step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .. import _checks
from ..landscapes import Quadratic
from ..simulate import simulate
from ..stability import Verdict, classify, convergence_rate
from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = ["seed_loop", "seed_three_rates", "worked_example"]

# ---------------------------------------------------------------------------------------------
# The worked example: w = 0.5, gradient -2, optimum 0.4


def _first_steps(f: Quadratic, w0: float, lr: float, steps: int) -> tuple[np.ndarray, bool, int]:
    run = simulate(f, w0, lr, steps)
    return run.positions[:, 0], run.diverged, -1 if run.diverged_at is None else run.diverged_at


def worked_example(fast: bool = True, progress: bool = False) -> Measurement:
    """Check the seed's example and build the two consistent versions of it.

    The seed: w = 0.5, gradient -2, optimum w* = 0.4; lr = 0.05 gives 0.6 "closer to optimum",
    lr = 1 gives 2.5 "way overshot". For a convex loss the gradient points away from the
    minimum, g (w - w*) >= 0, so a gradient of -2 at 0.5 puts the minimum *above* 0.5.

    Version A keeps w and g: f = (w - 1.5)^2 (gradient 2 (0.5 - 1.5) = -2), so w* = 1.5.
    Version B keeps w and w*, and flips the sign of g: f = 10 (w - 0.4)^2, gradient +2 at 0.5.
    """
    w0, g, w_star = 0.5, -2.0, 0.4
    stated = {0.05: 0.6, 1.0: 2.5}
    steps = 10 if fast else 40
    new = {lr: w0 - lr * g for lr in stated}
    arithmetic_ok = all(math.isclose(new[lr], v, rel_tol=1e-12) for lr, v in stated.items())
    sign_consistent = g * (w0 - w_star) > 0
    before, after = abs(w0 - w_star), abs(new[0.05] - w_star)

    # A: keep w0 and the gradient. f = (w - a)^2 has gradient 2 (w - a) = g at w0.
    a_center = w0 - g / 2.0
    fa = Quadratic(curvatures=[2.0], center=[a_center])
    a_small, _, _ = _first_steps(fa, w0, 0.05, steps)
    a_large, a_div, _ = _first_steps(fa, w0, 1.0, steps)
    # B: keep w0 and w*, gradient +|g|: f = (k/2)(w - w*)^2 with k (w0 - w*) = |g|.
    k = abs(g) / (w0 - w_star)
    fb = Quadratic(curvatures=[k], center=[w_star])
    b_small, _, _ = _first_steps(fb, w0, 0.05, steps)
    b_large, b_div, b_at = _first_steps(fb, w0, 1.0, steps)

    numbers: dict[str, Number] = {
        "arithmetic_ok": arithmetic_ok,
        "gradient_points_away_from_optimum": sign_consistent,
        "distance_before": before,
        "distance_after_small_step": after,
        "a_optimum": a_center,
        "a_small_step": float(a_small[1]),
        "a_large_step": float(a_large[1]),
        "a_large_rate": convergence_rate(1.0, fa),
        "a_large_second_step": float(a_large[2]),
        "a_large_diverged": a_div,
        "b_curvature": k,
        "b_small_step": float(b_small[1]),
        "b_large_step": float(b_large[1]),
        "b_large_rate": convergence_rate(1.0, fb),
        "b_large_diverged": b_div,
        "b_large_diverged_at": b_at,
    }
    finding = (
        ("The arithmetic is right" if arithmetic_ok else "The arithmetic is wrong")
        + f" (0.5 - 0.05 x (-2) = {new[0.05]:.3g}), "
        + ("and the gradient's sign fits the optimum. " if sign_consistent else
           "but a gradient of -2 means the loss falls as w grows, so the minimum lies above "
           "0.5, not at 0.4. ")
        + f"The 'closer' step moves from {before:.2g} to {after:.2g} away from the stated optimum. "
        + f"Consistent version A, f = (w - {a_center:g})^2: lr 0.05 gives {a_small[1]:.3g}, lr 1 "
        f"gives {a_large[1]:.3g} and then {a_large[2]:.3g} (error x "
        f"{numbers['a_large_rate']:.3g} per step"
        + ("; it never settles). " if numbers["a_large_rate"] >= 1 and not a_div else "). ")
        + f"Version B, f = {k / 2:g} (w - 0.4)^2: lr 0.05 gives {b_small[1]:.3g}, lr 1 gives "
        f"{b_large[1]:.3g} (error x {numbers['b_large_rate']:.3g} per step"
        + (f"; diverged at step {b_at})." if b_div else ").")
    )
    rows = (
        {"version": "seed (as written)", "loss": "unstated", "w*": w_star, "gradient at 0.5": g,
         "after lr 0.05": new[0.05], "after lr 1": new[1.0]},
        {"version": "A: keep the gradient", "loss": f"(w - {a_center:g})^2", "w*": a_center,
         "gradient at 0.5": float(fa.grad(w0)[0]), "after lr 0.05": float(a_small[1]),
         "after lr 1": float(a_large[1])},
        {"version": "B: keep the optimum", "loss": f"{k / 2:g} (w - {w_star:g})^2", "w*": w_star,
         "gradient at 0.5": float(fb.grad(w0)[0]), "after lr 0.05": float(b_small[1]),
         "after lr 1": float(b_large[1])},
    )
    return Measurement(numbers, finding, rows,
                       setup=f"one step by hand, then {steps} steps of lrlearn.simulate per version")


def _judge_worked_example(n: Mapping[str, Number]) -> ClaimVerdict:
    closer = n["distance_after_small_step"] < n["distance_before"]
    if n["arithmetic_ok"] and n["gradient_points_away_from_optimum"] and closer:
        return ClaimVerdict.HOLDS
    if n["arithmetic_ok"] and closer:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="worked-example",
    statement=("With w = 0.5, gradient -2 and optimum 0.4, a step with lr = 0.05 gives w = 0.6, "
               "closer to the optimum; lr = 1 gives 2.5, far past it."),
    source=Source.SEED,
    reference="'Why we use smaller learning rates', example with numbers",
    experiment=worked_example,
    rule=("Holds if the arithmetic is right, the gradient points away from the optimum "
          "(g (w - w*) > 0, true of every convex loss) and the small step lands closer to w*; "
          "holds with caveats if only the sign is off; does not hold if the step called 'closer' "
          "moves away from the stated optimum."),
    judge=_judge_worked_example,
))

# ---------------------------------------------------------------------------------------------
# The seed's code: f(x) = (x - 2)^2 from x = 0, 100 steps, lr 0.1 / 1.5 / 0.01

SEED_RATES: dict[float, str] = {0.1: "good", 1.5: "too large - oscillates",
                                0.01: "too small - slow convergence"}
#: what each label promises, in the stability classifier's terms
_LABEL_MEANS: dict[float, frozenset[Verdict]] = {
    0.1: frozenset({Verdict.CONVERGES, Verdict.OSCILLATES}),
    1.5: frozenset({Verdict.OSCILLATES}),
    0.01: frozenset({Verdict.TOO_SLOW}),
}


def seed_loop(learning_rate: float, steps: int = 100) -> list[float]:
    """The seed's ``train_model_with_lr``: plain Python floats, loss recorded after each update."""
    x = 0.0
    losses = []
    for _ in range(steps):
        gradient = 2 * (x - 2)
        x = x - learning_rate * gradient
        losses.append((x - 2) ** 2)
    return losses


def seed_three_rates(fast: bool = True, progress: bool = False) -> Measurement:
    """Re-run the seed's three-learning-rate example with ``lrlearn.simulate`` and its own loop.

    ``simulate`` records the loss before the first update too, so its ``losses[1:]`` line up with
    the seed's list. The closed form is loss_t = 4 (1 - 2 lr)^(2 t).
    """
    steps = 100  # the seed's setting; it takes well under a second either way
    f = Quadratic(curvatures=[2.0], center=[2.0])
    numbers: dict[str, Number] = {}
    rows = []
    matched = 0
    runs = {}
    for lr, label in SEED_RATES.items():
        seed = seed_loop(lr, steps)
        run = runs[lr] = simulate(f, 0.0, lr, steps)
        ours = run.losses[1:]
        agree = float(np.max(np.abs(ours - seed[: len(ours)]) / np.maximum(np.abs(seed[: len(ours)]),
                                                                           1e-300)))
        verdict = classify(run)
        ok = verdict in _LABEL_MEANS[lr]
        matched += ok
        key = f"lr_{lr:g}"
        numbers[f"{key}_printed_loss"] = float(seed[-1])
        numbers[f"{key}_max_rel_diff"] = agree
        numbers[f"{key}_diverged"] = run.diverged
        numbers[f"{key}_final_loss_ours"] = run.final_loss
        rows.append({"lr": lr, "seed's comment": label, "the code prints": f"{seed[-1]:.6f}",
                     "lrlearn.simulate": run.status, "classifier": verdict.value,
                     "comment right": ok})
    numbers["labels_matched"] = matched
    numbers["labels_total"] = len(SEED_RATES)
    # the weaker reading: 0.1 converges, 0.01 is behind it, 1.5 does not converge
    numbers["direction_right"] = bool(
        numbers["lr_0.1_final_loss_ours"] < numbers["lr_0.01_final_loss_ours"]
        and numbers["lr_1.5_diverged"]
        and classify(runs[0.1]) in _LABEL_MEANS[0.1]
    )
    at = runs[1.5].diverged_at
    digits = len(f"{numbers['lr_1.5_printed_loss']:.0f}")
    finding = (
        f"The code prints {numbers['lr_0.1_printed_loss']:.6f} for lr 0.1 (the true value, "
        f"{numbers['lr_0.1_printed_loss']:.3g}, is hidden by six decimals), "
        f"{numbers['lr_0.01_printed_loss']:.6f} for lr 0.01 and a "
        f"{digits}-digit number ({numbers['lr_1.5_printed_loss']:.3g}) for lr 1.5. "
        f"lrlearn.simulate gives "
        f"the same numbers (largest relative difference "
        f"{max(numbers[f'lr_{r:g}_max_rel_diff'] for r in SEED_RATES):.1g}) and stops lr 1.5 at "
        f"step {at}: it does not merely oscillate, it diverges (error x "
        f"{convergence_rate(1.5, f):g} per step, sign alternating). {matched} of "
        f"{len(SEED_RATES)} comments match what happens."
    )
    return Measurement(numbers, finding, tuple(rows),
                       setup="f(x) = (x - 2)^2 from x = 0, 100 steps, as in the seed")


def _judge_three_rates(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["labels_matched"] == n["labels_total"]:
        return ClaimVerdict.HOLDS
    if n["direction_right"]:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="seed-three-rates",
    statement=("On f(x) = (x - 2)^2 from 0, 100 steps: lr 0.1 is good, lr 1.5 is too large and "
               "oscillates, lr 0.01 is too small and converges slowly."),
    source=Source.SEED,
    reference="'Why we use smaller learning rates', code example",
    experiment=seed_three_rates,
    rule=("Each comment is compared with lrlearn.stability.classify of the same run. Holds if all "
          "three match; holds with caveats if each rate is on the side its comment says (0.1 "
          "converges, 0.01 ends behind it, 1.5 fails to converge) but a comment names the wrong "
          "behaviour; does not hold otherwise."),
    judge=_judge_three_rates,
))

_checks.check_public(globals())
