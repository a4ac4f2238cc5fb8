"""Three batch-size papers reproduced at laptop scale with ``lrlearn.batch`` (softmax regression on
the scikit-learn digits, numpy, CPU).

- Shallue et al. 2019 (JMLR; arXiv:1811.03600): steps to a target against the batch size, learning rate
  and momentum tuned per batch size: perfect scaling, then diminishing returns, then a plateau;
  the best learning rate grows with B and then stops growing.
- McCandlish et al. 2018 (arXiv:1812.06162): the simple noise scale B_simple = tr(Sigma) / |G|^2
  grows as the loss falls and predicts the critical batch size B_crit = E_min / S_min of the fit
  S = S_min (1 + B_crit / B).
- Goyal et al. 2017 (arXiv:1706.02677): the linear scaling rule with gradual warmup; without
  warmup it breaks at a smaller batch.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _checks
from . import _shared
from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = [
    "goyal_warmup",
    "loglog_slope",
    "mccandlish_noise_scale",
    "rank_correlation",
    "shallue_steps",
]

REGIONS = ("perfect scaling", "diminishing returns", "plateau")


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rank correlation (Pearson correlation of the ranks; ties broken by order)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape or a.ndim != 1 or a.size < 3:
        raise ValueError(f"a and b must be 1-D of equal length >= 3, got {a.shape} and {b.shape}")
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log y against log x (NaN with fewer than two points)."""
    if len(x) < 2:
        return float("nan")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


# ---------------------------------------------------------------------------------------------
# Shallue et al.


def shallue_steps(fast: bool = True, progress: bool = False) -> Measurement:
    """Steps to training loss 0.25 against B with tuned lr and momentum (``steps_to_target``).

    ``regions_in_order``: the regions read off the fit, in order of B, are perfect scaling, then
    diminishing returns, then plateau. ``lr_slope_below`` / ``lr_slope_above``: log-log slope of
    the tuned effective learning rate lr / (1 - momentum) against B, below and above B_crit.
    """
    r = _shared.steps_result(fast, progress)
    regions = r.regions()
    seen = [reg for i, reg in enumerate(regions) if reg in REGIONS and
            (i == 0 or regions[i - 1] != reg)]
    ok = r.reached
    B, eff = r.batch_sizes[ok].astype(float), r.best_effective_lr[ok]
    below = B <= r.critical_batch
    slope_below = loglog_slope(B[below], eff[below])
    slope_above = loglog_slope(B[~below], eff[~below])
    first = float(r.steps[0] / r.steps[1] / (r.batch_sizes[1] / r.batch_sizes[0]))
    numbers: dict[str, Number] = {
        "batch_sizes": int(r.batch_sizes.size),
        "all_reached": bool(ok.all()),
        "regions_in_order": seen == list(REGIONS),
        "critical_batch": float(r.critical_batch),
        "s_min": float(r.s_min),
        "steps_at_B1": float(r.steps[0]),
        "steps_at_N": float(r.steps[-1]),
        "first_step_scaling_efficiency": first,
        "lr_slope_below": slope_below,
        "lr_slope_above": slope_above,
        "lr_saturates": bool(slope_above < 0.5 * slope_below),
    }
    rows = tuple({"B": int(b), "steps to target": float(s), "region": reg,
                  "tuned lr": float(lr), "momentum": float(m), "effective lr": float(e)}
                 for b, s, reg, lr, m, e in zip(r.batch_sizes, r.steps, regions, r.best_lr,
                                                r.best_momentum, r.best_effective_lr, strict=True))
    finding = (
        f"Steps to the target fall from {r.steps[0]:.0f} at B = 1 to {r.steps[-1]:.0f} at the full "
        f"batch; the fit S = S_min (1 + B_crit / B) gives S_min = {r.s_min:.3g} and B_crit = "
        f"{r.critical_batch:.3g}, and the regions by B read: {', '.join(dict.fromkeys(regions))}. "
        f"The tuned effective learning rate grows as B^{slope_below:.2f} below B_crit and as "
        f"B^{slope_above:.2f} above it"
        + (": it grows, then saturates." if numbers["lr_saturates"] else
           ": it keeps growing about as fast.")
    )
    return Measurement(numbers, finding, rows,
                       setup=(f"{r.problem}, target training loss {r.target:g}, lr grid of "
                              f"{r.lrs.size} from {r.lrs[0]:g} to {r.lrs[-1]:g}, momentum in "
                              f"{r.momenta.tolist()}, at most {r.max_steps} steps"),
                       extra={"result": r})


def _judge_shallue(n: Mapping[str, Number]) -> ClaimVerdict:
    both = bool(n["regions_in_order"]) + bool(n["lr_saturates"])
    return (ClaimVerdict.HOLDS, ClaimVerdict.CAVEATS, ClaimVerdict.FAILS)[2 - both]


register(Claim(
    key="shallue-2018-steps-vs-batch",
    statement=("With the learning rate tuned per batch size, steps to a target fall in proportion "
               "to B (perfect scaling), then more slowly (diminishing returns), then not at all "
               "(plateau); the best learning rate grows with B and then saturates."),
    source=Source.PAPER,
    reference="Shallue, Lee, Antognini, Sohl-Dickstein, Frostig, Dahl 2018 (JMLR 2019), "
              "arXiv:1811.03600",
    experiment=shallue_steps,
    rule=("Two checks: the regions read off the fitted curve appear in the order perfect scaling, "
          "diminishing returns, plateau; and the tuned effective learning rate's log-log slope "
          "against B above B_crit is less than half its slope below. Holds if both pass, holds "
          "with caveats if one does, does not hold if neither."),
    judge=_judge_shallue,
    group="paper",
    needs=("lrlearn.batch",),
    published=(
        ("paper's workloads", "MNIST, Fashion MNIST, CIFAR-10, ImageNet, Open Images, LM1B, "
                              "Common Crawl; from small MLPs and CNNs to ResNet-50 and "
                              "Transformer"),
        ("paper's finding", "the same three regimes on every workload, with the batch size "
                            "where scaling stops varying widely between workloads; momentum "
                            "extends perfect scaling; the optimal learning rate does not follow "
                            "a simple linear or square-root rule"),
    ),
))

# ---------------------------------------------------------------------------------------------
# McCandlish et al.


def mccandlish_noise_scale(fast: bool = True, progress: bool = False) -> Measurement:
    """B_simple tracked along a training run at a batch size near B_crit (``gradient_noise_scale``)
    and compared with B_crit fitted to the steps-to-target curve.

    ``rank_corr_loss_bsimple``: Spearman correlation between the training loss and B_simple over
    the run's checkpoints (negative: B_simple grows as the loss falls). ``growth``: mean B_simple
    over the last quarter of the run over the mean over the first quarter.
    """
    from ..batch import gradient_noise_scale

    r = gradient_noise_scale(steps_result=_shared.steps_result(fast, progress), fast=fast,
                             progress=progress)
    q = max(1, len(r.b_simple) // 4)
    corr = rank_correlation(r.losses, r.b_simple)
    growth = float(np.mean(r.b_simple[-q:]) / np.mean(r.b_simple[:q]))
    numbers: dict[str, Number] = {
        "checkpoints": len(r.b_simple),
        "rank_corr_loss_bsimple": corr,
        "growth": growth,
        "b_simple_at_target": float(r.b_simple_at_target),
        "critical_batch": float(r.critical_batch),
        "ratio_bcrit_over_bsimple": float(r.ratio),
        "tracked_batch": int(r.batch_size),
    }
    b_noise = float(getattr(r, "b_noise_at_target", float("nan")))
    if np.isfinite(b_noise):
        numbers["b_noise_at_target"] = b_noise
        numbers["ratio_bcrit_over_bnoise"] = float(r.critical_batch / b_noise)
    rows = tuple({"step": int(s), "training loss": float(loss), "tr(Sigma)": float(t),
                  "|G|^2": float(g2), "B_simple": float(b)}
                 for s, loss, t, g2, b in zip(r.steps, r.losses, r.trace, r.grad_norm2, r.b_simple,
                                              strict=True))
    finding = (
        f"Along a run at B = {r.batch_size}, B_simple and the loss have rank correlation "
        f"{corr:.2f}, and B_simple over the last quarter of the run is {growth:.2g} times its value "
        f"over the first quarter. Where the loss reaches the target ({r.target:g}), B_simple is "
        f"{r.b_simple_at_target:.3g}; the critical batch size fitted to steps-to-target is "
        f"{r.critical_batch:.3g}, a ratio B_crit / B_simple of {r.ratio:.2f}."
        + (f" The Hessian-weighted B_noise there is {b_noise:.3g} (B_crit / B_noise = "
           f"{r.critical_batch / b_noise:.2f})." if np.isfinite(b_noise) else "")
    )
    return Measurement(numbers, finding, rows,
                       setup=(f"{r.problem}, B_simple from all per-example gradients at each "
                              f"checkpoint, lr {r.lr:.3g}, momentum {r.momentum:g}"),
                       extra={"result": r})


def _judge_mccandlish(n: Mapping[str, Number]) -> ClaimVerdict:
    grows = n["rank_corr_loss_bsimple"] < -0.5
    predicts = 0.1 <= n["ratio_bcrit_over_bsimple"] <= 10.0
    return (ClaimVerdict.FAILS, ClaimVerdict.CAVEATS, ClaimVerdict.HOLDS)[grows + predicts]


register(Claim(
    key="mccandlish-2018-noise-scale",
    statement=("The gradient noise scale B_simple = tr(Sigma) / |G|^2 grows as the loss falls, and "
               "it predicts the critical batch size B_crit = E_min / S_min."),
    source=Source.PAPER,
    reference="McCandlish, Kaplan, Amodei and the OpenAI Dota team 2018, arXiv:1812.06162",
    experiment=mccandlish_noise_scale,
    rule=("Two checks: B_simple grows as the loss falls (Spearman correlation between loss and "
          "B_simple below -0.5), and B_crit / B_simple lies within a factor of 10 of 1. Holds if "
          "both pass, holds with caveats if one does, does not hold if neither."),
    judge=_judge_mccandlish,
    group="paper",
    needs=("lrlearn.batch",),
    published=(
        ("paper's tasks", "MNIST, SVHN, CIFAR-10, ImageNet, Billion Word, Atari and Dota 2"),
        ("paper's finding", "B_crit and the noise scale agree across tasks spanning several "
                            "orders of magnitude; the noise scale rises over training, often by "
                            "about an order of magnitude, as the loss falls"),
    ),
))

# ---------------------------------------------------------------------------------------------
# Goyal et al.


def goyal_warmup(fast: bool = True, progress: bool = False) -> Measurement:
    """B = k B0, lr = k lr0 for the same epochs, with a constant rate and with a linear warmup from
    lr0 over the first fifth of training (``lrlearn.batch.linear_scaling``), over the seeds of
    ``_shared.SEEDS``; the break point of each is read from paired intervals
    (``_shared.scaling_by_k``), and the effect of warmup at each k is the paired interval of
    final loss with warmup over without."""
    from .batch_size import _ks, _ratio_text

    results = _shared.linear_scaling_results(fast, progress)
    r = results[0]
    by_k = _shared.scaling_by_k(results)
    largest = r.factors[-1]
    b_no = _shared.first_break(by_k, warmup=False)
    b_w = _shared.first_break(by_k, warmup=True)
    helps = [row.k for row in by_k[1:] if row.warmup_effect is not None and
             row.warmup_effect.below(1)]
    hurts = [row.k for row in by_k[1:] if row.warmup_effect is not None and
             row.warmup_effect.above(1)]
    rescues = [row.k for row in by_k if row.diverged and not row.diverged_warmup]
    numbers: dict[str, Number] = {
        "seeds": len(results),
        "largest_k_tried": int(largest),
        "break_k_no_warmup": b_no,
        "break_k_warmup": b_w,
        "holds_at_first_doubling": len(by_k) < 2 or by_k[1].status != "breaks",
        "warmup_extends": bool(b_no > 0 and (b_w < 0 or b_w > b_no)),
        "ks_where_warmup_lowers_loss": len(helps),
        "ks_where_warmup_raises_loss": len(hurts),
        "ks_where_warmup_prevents_divergence": len(rescues),
    }
    rows = tuple({"k": row.k, "batch size": row.k * int(r.base_batch),
                  "lr": float(row.k * r.base_lr),
                  "final loss / k = 1's, constant lr": _ratio_text(row.ratio, row.diverged),
                  "final loss / k = 1's, warmup": _ratio_text(row.ratio_warmup,
                                                               row.diverged_warmup),
                  "warmup / constant": ("diverged" if row.warmup_effect is None else
                                        f"{row.warmup_effect.mean:.2f} "
                                        f"[{row.warmup_effect.low:.2f}, "
                                        f"{row.warmup_effect.high:.2f}]"),
                  "rule (constant / warmup)": f"{row.status} / {row.status_warmup}"}
                 for row in by_k)

    def where(k: int) -> str:
        return (f"k = {k} (B = {k * r.base_batch}, lr = {k * r.base_lr:g})" if k > 0
                else f"no k up to {largest}")

    finding = (
        f"Over {len(results)} seeds, without warmup the rule first breaks at {where(b_no)}; with a "
        f"linear warmup over the first {r.warmup_epochs:g} epochs it first breaks at {where(b_w)}"
        + (": warmup moves the break to larger batches. " if numbers["warmup_extends"] else
           ": warmup does not move the break. ")
        + f"Paired by seed, warmup lowers the final loss (whole 95% interval below 1) at "
          f"{_ks(helps)}, raises it at {_ks(hurts)}"
        + (f", and prevents the divergence of the constant rate at {_ks(rescues)}." if rescues
           else ".")
    )
    return Measurement(numbers, finding, rows,
                       setup=(f"{r.problem}, B0 = {r.base_batch}, lr0 = {r.base_lr:g}, SGD "
                              f"momentum {r.momentum:g}, {r.epochs:g} epochs, seeds "
                              f"{', '.join(map(str, _shared.SEEDS))}; the rule breaks at k when "
                              f"a seed diverges or the paired 95% interval of the final-loss "
                              f"ratio to k = 1 lies above {1 + r.tolerance:g}"),
                       extra={"result": r, "results": results, "by_k": by_k})


def _judge_goyal(n: Mapping[str, Number]) -> ClaimVerdict:
    if not n["holds_at_first_doubling"]:
        return ClaimVerdict.FAILS
    return ClaimVerdict.HOLDS if n["warmup_extends"] else ClaimVerdict.CAVEATS


register(Claim(
    key="goyal-2017-warmup",
    statement=("Scaling the learning rate linearly with the batch size keeps training on track, "
               "and a gradual warmup extends it to larger batches than a constant rate allows."),
    source=Source.PAPER,
    reference="Goyal, Dollár, Girshick, Noordhuis, Wesolowski, Kyrola, Tulloch, Jia, He 2017, "
              "arXiv:1706.02677",
    experiment=goyal_warmup,
    rule=("Over 5 seeds, the rule breaks at k when a seed diverges or the paired 95% confidence "
          "interval of final loss(k) / final loss(k = 1) lies above 1 + tolerance. Holds if the "
          "rule survives the first doubling and the warmup moves the first break to a larger k "
          "(or removes it); holds with caveats if it survives at first but warmup does not move "
          "the break; does not hold if the first doubling breaks."),
    judge=_judge_goyal,
    group="paper",
    needs=("lrlearn.batch",),
    published=(
        ("paper's setting", "ResNet-50 on ImageNet, SGD with momentum 0.9, base batch 256 with "
                            "lr 0.1, up to 256 GPUs"),
        ("paper's finding", "with linear scaling and a 5-epoch gradual warmup, batches up to "
                            "8k images match the small-batch accuracy; without warmup large "
                            "batches train worse early on; beyond 8k accuracy degrades"),
    ),
))

_checks.check_public(globals())
