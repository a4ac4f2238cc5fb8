"""Claims about the batch size, measured on the digits with ``lrlearn.batch``.

- "larger batches overfit / generalise worse": small vs full batch compared at equal training loss,
  equal epochs and equal steps (``lrlearn.batch.generalization``).
- "double the batch, double the learning rate": B = k B0 with lr = k lr0, without warmup
  (``lrlearn.batch.linear_scaling``): for which k the final loss matches k = 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _checks, stats
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

SETTING_KEYS = {"equal training loss": "training_loss", "equal epochs": "epochs",
                "equal steps": "steps"}


def _interval_numbers(numbers: dict[str, Number], prefix: str, ci: stats.Interval) -> None:
    numbers[f"{prefix}_mean"] = ci.mean
    numbers[f"{prefix}_low"] = ci.low
    numbers[f"{prefix}_high"] = ci.high


def _points(ci: stats.Interval) -> str:
    """An accuracy difference in percentage points, with its interval."""
    return ci.format("+.1f", scale=100, unit=" points")


def _worse_or_better(ci: stats.Interval) -> str:
    return {"above": "generalises worse", "below": "generalises better",
            "includes": "shows no measured difference (the interval includes 0)"}[ci.direction()]


def large_batch_generalization(fast: bool = True, progress: bool = False) -> Measurement:
    """Mini-batch (B = 16) vs full batch on a 32-unit MLP, compared three ways, over the seeds
    of ``_shared.SEEDS``, once with the larger rate for the larger batch (lr 0.2 vs 1.0, the usual
    joint change) and once at a fixed rate (1.0 for both), so that B alone varies.

    Per comparison and setting: the paired 95 % interval of the test-accuracy difference
    small minus large (same seed: same initial weights); per comparison: the paired interval of
    the sharpness difference large minus small at equal training loss.
    """
    results = _shared.generalization_results(fast, progress)
    first = results["joint"][0]
    small, large = (int(b) for b in first.batch_sizes)
    n_test = _shared.test_set_size()
    numbers: dict[str, Number] = {"small_batch": small, "large_batch": large, "test_size": n_test,
                                  "seeds": len(_shared.SEEDS),
                                  "both_reached_target": all(bool(g.reached.all()) for rs in
                                                             results.values() for g in rs)}
    rows = []
    gaps: dict[tuple[str, str], stats.Interval] = {}
    sharp: dict[str, stats.Interval] = {}
    for name, rs in results.items():
        ok = [g for g in rs if g.reached.all()]
        lrs = rs[0].lrs
        numbers[f"{name}_small_lr"], numbers[f"{name}_large_lr"] = float(lrs[0]), float(lrs[1])
        for i, setting in enumerate(rs[0].settings):
            key = f"{name}_{SETTING_KEYS[setting]}"
            acc = np.array([g.test_accuracy[i] for g in ok])
            worse = better = False
            if len(ok) >= 2:
                ci = stats.paired_ci(acc[:, 0], acc[:, 1])
                gaps[(name, setting)] = ci
                _interval_numbers(numbers, f"{key}_gap", ci)
                worse, better = ci.above(0), ci.below(0)
                steps = np.array([g.steps[i] for g in ok]).mean(axis=0)
                loss = np.array([g.train_loss[i] for g in ok]).mean(axis=0)
                sh = np.array([g.sharpness[i] for g in ok]).mean(axis=0)
                rows.append({
                    "comparison": "lr scaled with B" if name == "joint" else "fixed lr",
                    "lr (small / large)": f"{lrs[0]:g} / {lrs[1]:g}",
                    "compared at": setting,
                    "mean steps": f"{steps[0]:.0f} / {steps[1]:.0f}",
                    "mean train loss": f"{loss[0]:.3g} / {loss[1]:.3g}",
                    "mean test accuracy": f"{acc[:, 0].mean():.3f} / {acc[:, 1].mean():.3f}",
                    "small − large, 95% CI": f"{100 * ci.mean:+.1f} [{100 * ci.low:+.1f}, "
                                              f"{100 * ci.high:+.1f}] points",
                    "mean sharpness": f"{sh[0]:.3g} / {sh[1]:.3g}",
                })
            numbers[f"{key}_large_worse"] = bool(worse)
            numbers[f"{key}_large_better"] = bool(better)
        s = np.array([g.sharpness[0] for g in ok])
        sharper = False
        if len(ok) >= 2:
            sharp[name] = stats.paired_ci(s[:, 1], s[:, 0])
            _interval_numbers(numbers, f"{name}_sharpness_diff", sharp[name])
            sharper = sharp[name].above(0)
        numbers[f"{name}_large_sharper"] = bool(sharper)
        numbers[f"{name}_seeds_reached"] = len(ok)

    def clause(name: str) -> str:
        ci = gaps.get((name, "equal training loss"))
        lrs = results[name][0].lrs
        how = (f"lr {lrs[0]:g} against {lrs[1]:g}" if name == "joint" else
               f"both batches at lr {lrs[0]:g}")
        if ci is None:
            return f"with {how}, not enough seeds reached the target"
        return f"with {how}, {_points(ci)}: the full batch {_worse_or_better(ci)}"

    parts = [f"Trained to the same training loss, the test accuracy of B = {small} minus the "
             f"full batch's is, {clause('joint')}; {clause('fixed_lr')}."]
    ep = gaps.get(("joint", "equal epochs"))
    if ep is not None:
        parts.append(f"At equal epochs the difference is {_points(ep)}, but there the full batch "
                     f"has taken {first.steps[1, 1]:.0f} steps against {first.steps[1, 0]:.0f} "
                     f"(seed 0) and its training loss is higher too: it is under-trained, not "
                     f"over-fitted.")
    for name in ("fixed_lr", "joint"):
        if name in sharp:
            ci = sharp[name]
            word = {"above": "sharper", "below": "flatter",
                    "includes": "no measurably sharper or flatter"}[ci.direction()]
            parts.append(("At a fixed lr" if name == "fixed_lr" else "With the larger lr")
                         + f" the full batch ends {word} than B = {small} (sharpness, large "
                           f"minus small: {ci.format('+.2f')}).")
    return Measurement(numbers, " ".join(parts), tuple(rows),
                       setup=(f"{first.problem}, plain SGD, B = {small} vs B = {large}, trained "
                              f"to loss {first.target_loss:g}, seeds "
                              f"{', '.join(map(str, _shared.SEEDS))}; paired 95 % t-intervals"),
                       extra={"result": first, "results": results, "gaps": gaps,
                              "sharpness": sharp})


def _judge_generalization(n: Mapping[str, Number]) -> ClaimVerdict:
    at_loss = (n["joint_training_loss_large_worse"], n["fixed_lr_training_loss_large_worse"])
    if all(at_loss):
        return ClaimVerdict.HOLDS
    if any(at_loss) or n["joint_epochs_large_worse"]:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="large-batches-generalise-worse",
    statement="Large batches overfit or generalise worse; small batches generalise better.",
    source=Source.SEED,
    reference="'Batch size' guide: trade-off tables and advanced questions",
    experiment=large_batch_generalization,
    rule=("Over 5 seeds, the paired 95% confidence interval of the test-accuracy difference "
          "(small minus large batch) is computed at equal training loss, both with the larger "
          "rate for the larger batch and at a fixed rate. Holds if the interval lies above 0 in "
          "both; holds with caveats if it does in one of them, or only at an equal number of "
          "epochs (fewer updates: less trained, not overfitted); does not hold otherwise."),
    judge=_judge_generalization,
    group="batch size",
    needs=("lrlearn.batch",),
))

# ---------------------------------------------------------------------------------------------
# "double the batch, double the learning rate"


def _ks(values: list[int]) -> str:
    return ", ".join(f"k = {k}" for k in values) if values else "no k"


def _ratio_text(ci: stats.Interval | None, diverged: int) -> str:
    if ci is None:
        return f"diverged ({diverged} of {len(_shared.SEEDS)} seeds)"
    return f"{ci.mean:.2f} [{ci.low:.2f}, {ci.high:.2f}]"


def double_batch_double_lr(fast: bool = True, progress: bool = False) -> Measurement:
    """B = k B0 with lr = k lr0 for the same number of epochs, constant rate (no warmup), over the
    seeds of ``_shared.SEEDS``.

    At each k, the paired 95 % interval of final loss(k) / final loss(k = 1) over the seeds: the
    rule breaks at k when a seed diverges or the whole interval lies above 1 + ``tolerance``
    (``lrlearn.batch.linear_scaling``, ``_shared.scaling_by_k``).
    """
    results = _shared.linear_scaling_results(fast, progress)
    r = results[0]
    by_k = _shared.scaling_by_k(results)
    first_bad = _shared.first_break(by_k, warmup=False)
    ok = [row.k for row in by_k if row.status == "holds"]
    undecided = [row.k for row in by_k if row.status == "undecided"]
    numbers: dict[str, Number] = {
        "base_batch": int(r.base_batch), "base_lr": float(r.base_lr),
        "seeds": len(results),
        "factors_tried": len(r.factors), "largest_k_tried": int(r.factors[-1]),
        "holds_at_every_k": first_bad < 0,
        "holds_at_first_doubling": len(by_k) < 2 or by_k[1].status != "breaks",
        "ks_shown_to_hold": len(ok),
        "ks_undecided": len(undecided),
        "break_k": first_bad,
        "tolerance": float(r.tolerance),
    }
    for row in by_k:
        if row.ratio is not None:
            numbers[f"k{row.k}_ratio_mean"] = row.ratio.mean
            numbers[f"k{row.k}_ratio_low"] = row.ratio.low
            numbers[f"k{row.k}_ratio_high"] = row.ratio.high
    rows = tuple({"k": row.k, "batch size": row.k * int(r.base_batch),
                  "lr": float(row.k * r.base_lr),
                  "final loss / k = 1's, 95% CI": _ratio_text(row.ratio, row.diverged),
                  "rule": row.status}
                 for row in by_k)
    if first_bad < 0:
        finding = (f"Scaling B and lr together by k never takes the final loss measurably more "
                   f"than {r.tolerance:.0%} above k = 1's, for every k tried (up to "
                   f"{r.factors[-1]}), over {len(results)} seeds.")
    else:
        bad = next(row for row in by_k if row.k == first_bad)
        finding = (
            f"From B0 = {r.base_batch}, lr0 = {r.base_lr:g}, over {len(results)} seeds: the rule "
            + (f"is shown to hold (the whole 95% interval of the final loss within "
               f"{r.tolerance:.0%} of k = 1's) at {_ks([k for k in ok if k > 1])}"
               + (f", is undecided at {_ks(undecided)}" if undecided else "") + ", and "
               if len(ok) > 1 else "")
            + f"first breaks at k = {first_bad} (B = {first_bad * r.base_batch}, lr = "
              f"{first_bad * r.base_lr:g}), "
            + (f"where {bad.diverged} of {len(results)} seeds diverge." if bad.ratio is None else
               f"where the final loss is {bad.ratio.format('.2f')} times k = 1's.")
        )
    return Measurement(numbers, finding, rows,
                       setup=(f"{r.problem}, SGD momentum {r.momentum:g}, {r.epochs:g} epochs, "
                              f"constant rate, seeds {', '.join(map(str, _shared.SEEDS))}; the "
                              f"rule breaks at k when the paired 95% interval of the final-loss "
                              f"ratio to k = 1 lies above {1 + r.tolerance:g} or a seed diverges"),
                       extra={"result": r, "results": results, "by_k": by_k})


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
    rule=(f"Over 5 seeds, at each k the rule breaks if a seed diverges or the paired 95% "
          f"confidence interval of final loss(k) / final loss(k = 1) lies above "
          f"{1 + _shared.LINEAR_TOLERANCE:g}. Holds if it breaks at no k tried; holds with "
          f"caveats if it survives the first step up but breaks beyond some k; does not hold if "
          f"the first step up already breaks."),
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

_checks.check_public(globals())
