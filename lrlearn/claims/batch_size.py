"""Claims about the batch size, measured on the digits with ``lrlearn.batch``.

- "larger batches overfit / generalise worse": small vs full batch compared at equal training loss,
  equal epochs and equal steps (``lrlearn.batch.generalization``).
- "double the batch, double the learning rate": B = k B0 with lr = k lr0, without warmup
  (``lrlearn.batch.linear_scaling``): for which k the final loss matches k = 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import _shared
from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = [
    "double_batch_double_lr",
    "large_batch_generalization",
    "larger_batch_larger_lr",
    "powers_of_two_speed",
]

# ---------------------------------------------------------------------------------------------
# "larger batches overfit / generalise worse"


def _two_se(p1: float, p2: float, n: int) -> float:
    """Two standard errors of a difference of two accuracies measured on n examples each."""
    return 2.0 * math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)


def large_batch_generalization(fast: bool = True, progress: bool = False) -> Measurement:
    """Mini-batch (B = 16) vs full batch on a 32-unit MLP, compared three ways.

    The differences in test accuracy are set against two binomial standard errors of the test
    set: a smaller difference is not a measured effect.
    """
    from ..batch import generalization

    g = generalization(small_batch=16, small_lr=0.2, large_lr=1.0, momentum=0.0, fast=fast,
                       progress=progress)
    n_test = _shared.test_set_size()
    small, large = (int(b) for b in g.batch_sizes)
    numbers: dict[str, Number] = {"small_batch": small, "large_batch": large, "test_size": n_test,
                                  "both_reached_target": bool(g.reached.all())}
    rows = []
    for i, setting in enumerate(g.settings):
        key = setting.replace("equal ", "").replace(" ", "_")
        acc_s, acc_l = (float(a) for a in g.test_accuracy[i])
        gap = acc_s - acc_l
        margin = _two_se(acc_s, acc_l, n_test)
        numbers[f"{key}_test_acc_small"] = acc_s
        numbers[f"{key}_test_acc_large"] = acc_l
        numbers[f"{key}_large_worse_by"] = gap
        numbers[f"{key}_two_se"] = margin
        numbers[f"{key}_large_significantly_worse"] = bool(gap > margin)
        rows.append({
            "compared at": setting,
            f"steps (B={small} / B={large})": f"{g.steps[i, 0]:.0f} / {g.steps[i, 1]:.0f}",
            "train loss": f"{g.train_loss[i, 0]:.3g} / {g.train_loss[i, 1]:.3g}",
            "test accuracy": f"{acc_s:.3f} / {acc_l:.3f}",
            "large worse by": gap, "2 s.e.": margin,
            "sharpness": f"{g.sharpness[i, 0]:.3g} / {g.sharpness[i, 1]:.3g}",
        })
    loss_gap = numbers["training_loss_large_worse_by"]
    epochs_gap = numbers["epochs_large_worse_by"]
    finding = (
        f"At equal training loss the full batch's test accuracy is "
        f"{abs(loss_gap):.3f} {'lower' if loss_gap > 0 else 'higher'} than B = {small}'s "
        f"(two standard errors: {numbers['training_loss_two_se']:.3f}), so "
        + ("the large batch does generalise worse. " if numbers[
            "training_loss_large_significantly_worse"] else "no generalisation gap is measured. ")
        + f"At equal epochs it is {abs(epochs_gap):.3f} "
        f"{'lower' if epochs_gap > 0 else 'higher'}, but there it has taken "
        f"{g.steps[1, 1]:.0f} steps against {g.steps[1, 0]:.0f} and its training loss is "
        f"{g.train_loss[1, 1]:.3f} against {g.train_loss[1, 0]:.3f}: it is under-trained, not "
        f"over-fitted."
    )
    return Measurement(numbers, finding, tuple(rows),
                       setup=(f"{g.problem}, plain SGD, B = {small} (lr {g.lrs[0]:g}) vs B = "
                              f"{large} (lr {g.lrs[1]:g}), trained to loss {g.target_loss:g}"),
                       extra={"result": g})


def _judge_generalization(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["training_loss_large_significantly_worse"]:
        return ClaimVerdict.HOLDS
    if n["epochs_large_significantly_worse"]:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="large-batches-generalise-worse",
    statement="Large batches overfit or generalise worse; small batches generalise better.",
    source=Source.SEED,
    reference="'Batch size' guide: trade-off tables and advanced questions",
    experiment=large_batch_generalization,
    rule=("Holds if, trained to the same training loss, the large batch's test accuracy is lower "
          "by more than two binomial standard errors; holds with caveats if it is lower only at "
          "an equal number of epochs (fewer updates: less trained, not overfitted); does not "
          "hold otherwise."),
    judge=_judge_generalization,
    group="batch size",
    needs=("lrlearn.batch",),
))

# ---------------------------------------------------------------------------------------------
# "double the batch, double the learning rate"


def double_batch_double_lr(fast: bool = True, progress: bool = False) -> Measurement:
    """B = k B0 with lr = k lr0 for the same number of epochs, constant rate (no warmup).

    The rule holds at k when the final training loss is at most ``tolerance`` (relative) above
    the k = 1 run's (``lrlearn.batch.linear_scaling``).
    """
    r = _shared.linear_scaling_result(fast, progress)
    holds = np.asarray(r.holds, bool)
    k_max_ok = int(r.factors[holds].max()) if holds.any() else 0
    first_bad = r.break_factor
    numbers: dict[str, Number] = {
        "base_batch": int(r.base_batch), "base_lr": float(r.base_lr),
        "factors_tried": len(r.factors), "largest_k_tried": int(r.factors[-1]),
        "holds_at_every_k": bool(holds.all()),
        "holds_at_first_doubling": bool(holds[1]) if len(holds) > 1 else True,
        "largest_k_that_holds": k_max_ok,
        "break_k": -1 if first_bad is None else int(first_bad),
        "tolerance": float(r.tolerance),
    }
    rows = tuple({"k": int(k), "batch size": int(b), "lr": float(lr),
                  "final loss": float(f), "rule holds": bool(h)}
                 for k, b, lr, f, h in zip(r.factors, r.batch_sizes, r.lrs, r.final_loss, holds,
                                           strict=True))
    if first_bad is None:
        finding = (f"Scaling B and lr together by k keeps the final loss no more than "
                   f"{r.tolerance:.0%} above k = 1's for every k tried (up to {r.factors[-1]}).")
    else:
        i = int(np.flatnonzero(r.factors == first_bad)[0])
        final = r.final_loss[i]
        finding = (
            f"From B0 = {r.base_batch}, lr0 = {r.base_lr:g}: the rule holds up to k = {k_max_ok} "
            f"(B = {k_max_ok * r.base_batch}, lr = {k_max_ok * r.base_lr:g}) and first fails at "
            f"k = {first_bad} (B = {first_bad * r.base_batch}, lr = {first_bad * r.base_lr:g}), "
            + ("where the run diverges." if not np.isfinite(final) else
               f"where the final loss is {final:.3g} against {r.final_loss[0]:.3g} at k = 1.")
        )
    return Measurement(numbers, finding, rows,
                       setup=(f"{r.problem}, SGD momentum {r.momentum:g}, {r.epochs:g} epochs, "
                              f"constant rate; the rule holds at k when the final loss is at most "
                              f"{r.tolerance:.0%} above k = 1's"),
                       extra={"result": r})


def _judge_double(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["holds_at_every_k"]:
        return ClaimVerdict.HOLDS
    if n["holds_at_first_doubling"]:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="double-batch-double-lr",
    statement="Double the batch size, double the learning rate (the linear scaling rule).",
    source=Source.SEED,
    reference="'Batch size' guide: best practices",
    experiment=double_batch_double_lr,
    rule=(f"At each k the rule holds if the final loss is at most "
          f"{_shared.LINEAR_TOLERANCE:.0%} above k = 1's. Holds if it does at every k tried;"
          " holds with caveats if it does at the first step up but fails beyond "
          "some k; does not hold if the first step up already fails."),
    judge=_judge_double,
    group="batch size",
    needs=("lrlearn.batch",),
))

# ---------------------------------------------------------------------------------------------
# "powers of two are faster on GPUs"

#: 2^k must beat both neighbours' throughput by this factor (median over k) to count as faster
POWER_OF_TWO_CLEAR = 1.15
#: below this factor the measured advantage is within timing noise: on a shared CPU the median
#: over k of repeated fast runs was seen to range from about 0.7 to 1.06 with no real effect
POWER_OF_TWO_NOISE = 1.08


def powers_of_two_speed(fast: bool = True, progress: bool = False) -> Measurement:
    """Throughput of a training step (MLP 64-512-512-10) at 2^k - 1, 2^k, 2^k + 1 and 1.5 * 2^k
    with ``lrlearn.deep.throughput.powers_of_two`` on the best device present (CUDA, MPS, CPU).

    ``advantage_k`` = throughput(2^k) / max(throughput(2^k - 1), throughput(2^k + 1)): above 1
    when the power of two beats both batch sizes one example away. Timings vary from run to run;
    the median over k is what the rule reads.
    """
    from ..deep.device import resolve_device
    from ..deep.throughput import powers_of_two

    device = resolve_device(None)
    on_gpu = device.type == "cuda"
    ks = (4, 5, 6, 7, 8) if fast else (4, 5, 6, 7, 8, 9)
    r = powers_of_two(ks, steps=5 if fast else 10, repeats=3 if fast else 5, memory=False,
                      threads=None if on_gpu else 1, device=device, progress=progress)
    minus = r.relative_time_per_example("2^k-1")  # = throughput(2^k) / throughput(2^k - 1)
    plus = r.relative_time_per_example("2^k+1")
    half = r.relative_time_per_example("1.5*2^k")
    advantage = np.minimum(minus, plus)
    median = float(np.median(advantage))
    numbers: dict[str, Number] = {
        "measured_on_gpu": on_gpu,
        "ks": len(r.powers),
        "median_advantage": median,
        "ks_where_2k_clearly_beats_both": int(np.sum(advantage > POWER_OF_TWO_CLEAR)),
        "median_throughput_2k_over_1.5x2k": float(np.median(half)),
    }
    rows = tuple({"k": int(np.log2(p)), "2^k": int(p),
                  "examples/s at 2^k - 1, 2^k, 2^k + 1, 1.5 x 2^k": ", ".join(
                      f"{r.samples_per_s[lab][i]:,.0f}" for lab in ("2^k-1", "2^k", "2^k+1",
                                                                   "1.5*2^k")),
                  "2^k advantage over both neighbours": float(advantage[i])}
                 for i, p in enumerate(r.powers))
    where = r.throughput.device
    finding = (
        f"On {where}, a power of two's throughput over the better of its two neighbours (one "
        f"example fewer, one more) has median {median:.3f} across k = "
        f"{int(np.log2(r.powers[0]))}..{int(np.log2(r.powers[-1]))}; 1.5 x 2^k runs at "
        f"{1 / float(np.median(half)):.2f} x the throughput of 2^k."
        + ("" if on_gpu else " No GPU was available, so the claim's GPU part was not measured "
                             "here: the verdict is about this CPU only.")
    )
    return Measurement(numbers, finding, rows,
                       setup=(f"training steps of an MLP 64-512-512-10 with SGD on random inputs, "
                              f"device {where}, median of interleaved rounds"),
                       extra={"result": r})


def _judge_powers(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["median_advantage"] >= POWER_OF_TWO_CLEAR:
        return ClaimVerdict.HOLDS
    if n["median_advantage"] >= POWER_OF_TWO_NOISE:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="powers-of-two-faster",
    statement="Batch sizes that are powers of two (32, 64, 128, ...) run faster on GPUs.",
    source=Source.SEED,
    reference="'Batch size' guide: best practices and summary table",
    experiment=powers_of_two_speed,
    rule=(f"Per k, the advantage is 2^k's throughput over the better of 2^k - 1 and 2^k + 1. "
          f"Holds if the median advantage is at least {POWER_OF_TWO_CLEAR:g}; holds with caveats "
          f"if it is between {POWER_OF_TWO_NOISE:g} and {POWER_OF_TWO_CLEAR:g}; does not hold "
          f"below {POWER_OF_TWO_NOISE:g} (timing noise). The verdict is about the device "
          f"measured; without a GPU, the GPU part of the claim is not tested."),
    judge=_judge_powers,
    group="batch size",
    needs=("lrlearn.deep",),
))

# ---------------------------------------------------------------------------------------------
# "larger batches allow a larger learning rate"


def larger_batch_larger_lr(fast: bool = True, progress: bool = False) -> Measurement:
    """The learning rate tuned for the fewest steps to a target, against the batch size (the
    steps-to-target experiment of the Shallue et al. page, read for its tuned rates).

    ``growth_overall``: tuned effective rate lr / (1 - momentum) at the largest batch over the
    smallest; ``slope_below`` / ``slope_above``: its log-log slope below and above B_crit.
    """
    from .scaling_papers import loglog_slope

    r = _shared.steps_result(fast, progress)
    ok = r.reached
    B, eff = r.batch_sizes[ok].astype(float), r.best_effective_lr[ok]
    below = B <= r.critical_batch
    numbers: dict[str, Number] = {
        "batch_sizes": int(ok.sum()),
        "growth_overall": float(eff[-1] / eff[0]),
        "batch_growth": float(B[-1] / B[0]),
        "slope_below": loglog_slope(B[below], eff[below]),
        "slope_above": loglog_slope(B[~below], eff[~below]),
        "critical_batch": float(r.critical_batch),
    }
    rows = tuple({"B": int(b), "tuned lr": float(lr), "momentum": float(m),
                  "effective lr": float(e)}
                 for b, lr, m, e in zip(r.batch_sizes[ok], r.best_lr[ok], r.best_momentum[ok],
                                        eff, strict=True))
    finding = (
        f"From B = {B[0]:.0f} to B = {B[-1]:.0f} (x {numbers['batch_growth']:.0f}) the best "
        f"effective learning rate grows x {numbers['growth_overall']:.3g}: about as "
        f"B^{numbers['slope_below']:.2f} below the critical batch size ({r.critical_batch:.3g}) "
        f"and as B^{numbers['slope_above']:.2f} above it."
    )
    return Measurement(numbers, finding, rows,
                       setup=(f"{r.problem}, steps to training loss {r.target:g}, lr and "
                              f"momentum tuned per batch size"),
                       extra={"result": r})


def _judge_larger_lr(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["growth_overall"] <= 1.0:
        return ClaimVerdict.FAILS
    if n["slope_above"] < 0.5 * n["slope_below"]:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.HOLDS


register(Claim(
    key="larger-batch-larger-lr",
    statement="Larger batches allow a higher learning rate; smaller batches need a lower one.",
    source=Source.SEED,
    reference="both guides: batch size and learning rate interaction",
    experiment=larger_batch_larger_lr,
    rule=("Does not hold if the tuned effective learning rate at the largest batch is not above "
          "the one at the smallest; holds with caveats if it grows but its log-log slope above "
          "B_crit is less than half the slope below (it saturates); holds otherwise."),
    judge=_judge_larger_lr,
    group="batch size",
    needs=("lrlearn.batch",),
))
