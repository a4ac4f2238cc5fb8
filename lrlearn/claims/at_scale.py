"""Learning rates at scale, reproduced at laptop scale.

- Zhang et al. 2024 (arXiv:2410.21676): the critical batch size grows with the amount of data
  (a deeper target), hardly with the model size (streaming linear regression, exact expectations).
- Merrill et al. 2025 (arXiv:2505.23971): batch-size warmup, a batch that grows during training,
  matches a small batch in fewer steps.
- Yang et al. 2022 (arXiv:2203.03466): under muP the best Adam learning rate transfers across width.
- Hägele et al. 2024 (arXiv:2405.18392): a constant rate with a short cooldown (WSD) matches cosine.
- Defazio et al. 2024 (arXiv:2405.15682): schedule-free AdamW against tuned cosine endpoints.

Heavy modules (torch) are imported inside the experiments, so ``import lrlearn.claims`` stays light.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _checks
from . import _shared
from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = [
    "batch_size_warmup",
    "compute_optimal_rules",
    "critical_batch_grows_with_data",
    "lm_results",
    "mup_results",
    "mup_transfer",
    "schedule_free_anytime",
    "wsd_matches_cosine",
]


def _elasticity(x0: float, x1: float, y0: float, y1: float) -> float:
    """d log y / d log x between two points."""
    return float(math.log(y1 / y0) / math.log(x1 / x0))


# ---------------------------------------------------------------------------------------------
# Critical batch size (Zhang et al. 2024)

#: fast / full settings of the streaming-regression experiments
STREAM_SETTINGS: dict[bool, dict[str, Any]] = {
    True: {
        "batch_sizes": 4 ** np.arange(7),
        "lrs": np.geomspace(1e-3, 4.0, 10),
        "max_steps": 14_000,
        "dims": (32, 512),
        "examples": 2**15,
    },
    False: {
        "batch_sizes": 2 ** np.arange(13),
        "lrs": np.geomspace(1e-3, 4.0, 14),
        "max_steps": 20_000,
        "dims": (32, 128, 512),
        "examples": 2**17,
    },
}
TARGETS = (0.05, 0.02, 0.01)
DIM_TARGET = 0.02
BASE_DIM = 128


def _critical(fast: bool) -> tuple[Any, dict[int, Any]]:
    """Cached per setting (``lrlearn.claims._shared``; ``_shared.clear()`` forgets it)."""
    return _shared._cached("at_scale._critical", fast, False, _make_critical)


def _make_critical(fast: bool, progress: bool = False) -> tuple[Any, dict[int, Any]]:
    from ..batch.stream import PowerLawRegression, critical_batch

    s = STREAM_SETTINGS[fast]
    common = {"batch_sizes": s["batch_sizes"], "lrs": s["lrs"], "max_steps": s["max_steps"]}
    deep = critical_batch(PowerLawRegression(dim=BASE_DIM), targets=TARGETS, **common)
    by_dim = {
        d: critical_batch(PowerLawRegression(dim=d), targets=(DIM_TARGET,), **common)
        for d in s["dims"]
    }
    return deep, by_dim


def critical_batch_grows_with_data(fast: bool = True, progress: bool = False) -> Measurement:
    """B_crit at three successively lower targets (dimension 128) and at one target for several
    dimensions; ``data_elasticity``: d log B_crit / d log (1 / target) between the first and last
    target; ``dim_elasticity``: d log B_crit / d log dim between the smallest and largest dim."""
    deep, by_dim = _critical(fast)
    bc = deep.critical_batch
    dims = sorted(by_dim)
    bd = np.array([by_dim[d].critical_batch[0] for d in dims])
    grows = bool(np.all(np.isfinite(bc)) and np.all(np.diff(bc) > 0))
    data_el = _elasticity(1 / TARGETS[0], 1 / TARGETS[-1], bc[0], bc[-1]) if grows else 0.0
    dim_el = _elasticity(dims[0], dims[-1], bd[0], bd[-1]) if np.all(np.isfinite(bd)) else 9.0
    numbers: dict[str, Number] = {
        **{f"b_crit_target_{t:g}": float(b) for t, b in zip(TARGETS, bc, strict=True)},
        **{f"b_crit_dim_{d}": float(b) for d, b in zip(dims, bd, strict=True)},
        "grows_as_target_deepens": grows,
        "data_elasticity": data_el,
        "dim_elasticity": dim_el,
    }
    rows = tuple(
        {
            "batch size": int(b),
            **{f"steps to {t:g}": float(s) for t, s in zip(deep.targets, row, strict=True)},
        }
        for b, row in zip(deep.batch_sizes, deep.steps, strict=True)
    )
    finding = (
        f"With the learning rate tuned per batch size, B_crit is "
        f"{', '.join(f'{b:.3g}' for b in bc)} for excess-risk targets "
        f"{', '.join(f'{t:g}' for t in TARGETS)}: it grows as B_crit ∝ (1/target)^{data_el:.2f}. "
        f"At target {DIM_TARGET:g}, the dimension from {dims[0]} to {dims[-1]} moves it from "
        f"{bd[0]:.3g} to {bd[-1]:.3g} (∝ dim^{dim_el:.2f})."
    )
    return Measurement(
        numbers,
        finding,
        rows,
        setup=(
            f"streaming linear regression, lambda_i = i^-1.5, lambda_i w*_i^2 = i^-1.5, label "
            f"noise 0.5, exact expected risk of SGD; batch sizes {deep.batch_sizes.tolist()}, "
            f"{deep.lrs.size} learning rates from {deep.lrs[0]:g} to {deep.lrs[-1]:g}, at most "
            f"{deep.max_steps} steps"
        ),
        extra={"result": deep, "by_dim": by_dim},
    )


def _judge_critical(n: Mapping[str, Number]) -> ClaimVerdict:
    data = bool(n["grows_as_target_deepens"]) and n["data_elasticity"] > 0.2
    model = n["dim_elasticity"] < 0.5 * n["data_elasticity"]
    return (ClaimVerdict.FAILS, ClaimVerdict.CAVEATS, ClaimVerdict.HOLDS)[data + model]


register(
    Claim(
        key="zhang-2024-critical-batch",
        statement=(
            "The critical batch size grows with the amount of data (a lower loss target), "
            "and hardly with the model size at a fixed target."
        ),
        source=Source.PAPER,
        reference="Zhang, Morwani, Vyas, Wu, Zou, Ghai, Foster, Kakade 2024, 'How Does Critical "
        "Batch Size Scale in Pre-training?', arXiv:2410.21676",
        experiment=critical_batch_grows_with_data,
        rule=(
            "Two checks: B_crit (fit S = S_min (1 + B_crit / B) to the tuned steps) rises at each "
            "of three successively lower targets, with a log-log slope against 1/target above 0.2; "
            "and its log-log slope against the dimension, at a fixed target, is less than half "
            "the slope against 1/target. Holds if both pass, holds with caveats if one does."
        ),
        judge=_judge_critical,
        group="paper",
        needs=("lrlearn.batch",),
        published=(
            (
                "paper's setting",
                "autoregressive language models of several sizes on C4, the critical "
                "batch size measured at a target loss; theory for linear regression with "
                "power-law spectra",
            ),
            (
                "paper's finding",
                "the critical batch size scales primarily with data size, not model "
                "size; in the theory it grows with the data and is independent of the "
                "model size once the model is large enough",
            ),
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# Batch-size warmup (Merrill et al. 2025)


def _ramp(fast: bool) -> Any:
    """Cached per setting (``lrlearn.claims._shared``; ``_shared.clear()`` forgets it)."""
    return _shared._cached("at_scale._ramp", fast, False, _make_ramp)


def _make_ramp(fast: bool, progress: bool = False) -> Any:
    from ..batch.stream import PowerLawRegression, batch_ramp

    s = STREAM_SETTINGS[fast]
    return batch_ramp(PowerLawRegression(dim=BASE_DIM), examples=s["examples"], lrs=s["lrs"])


def batch_size_warmup(fast: bool = True, progress: bool = False) -> Measurement:
    """A batch doubled from 8 to 256 against fixed 8 and 256, an equal budget of examples, each at
    its best constant rate. ``steps_saved``: 1 - ramp steps / small-batch steps."""
    r = _ramp(fast)
    small, large, ramp = r.risk
    numbers: dict[str, Number] = {
        "risk_small": float(small),
        "risk_large": float(large),
        "risk_ramp": float(ramp),
        "steps_small": int(r.steps[0]),
        "steps_large": int(r.steps[1]),
        "steps_ramp": int(r.steps[2]),
        "steps_saved": float(1 - r.steps[2] / r.steps[0]),
        "ramp_over_small": float(ramp / small),
        "ramp_over_large": float(ramp / large),
    }
    rows = tuple(
        {"run": lab, "steps": int(s), "final risk": float(k), "best lr": float(lr)}
        for lab, s, k, lr in zip(r.labels, r.steps, r.risk, r.best_lr, strict=True)
    )
    finding = (
        f"At {r.examples} examples, the ramp takes {r.steps[2]} steps against {r.steps[0]} for the "
        f"fixed small batch ({100 * numbers['steps_saved']:.0f}% fewer) and ends at "
        f"{ramp / small:.2g} times its risk; the fixed large batch ({r.steps[1]} steps) ends at "
        f"{large / small:.2g} times the small batch's risk."
    )
    return Measurement(
        numbers,
        finding,
        rows,
        setup=(
            "the streaming regression of the critical-batch claim (dimension "
            f"{BASE_DIM}), a constant rate tuned per run, batch doubled at equal "
            "shares of the examples"
        ),
        extra={"result": r},
    )


def _judge_ramp(n: Mapping[str, Number]) -> ClaimVerdict:
    fewer = n["steps_saved"] >= 0.4
    as_good = n["ramp_over_small"] <= 1.1
    beats_large = n["ramp_over_large"] < 1.0
    if fewer and as_good and beats_large:
        return ClaimVerdict.HOLDS
    return ClaimVerdict.CAVEATS if fewer and beats_large else ClaimVerdict.FAILS


register(
    Claim(
        key="merrill-2025-batch-warmup",
        statement=(
            "Batch-size warmup (start small, grow the batch as training goes on) reaches the "
            "loss of a small batch in far fewer steps, at the same number of examples."
        ),
        source=Source.PAPER,
        reference="Merrill, Arora, Groeneveld, Hajishirzi 2025, 'Critical Batch Size Revisited: A "
        "Simple Empirical Approach to Large-Batch Language Model Training', "
        "arXiv:2505.23971",
        experiment=batch_size_warmup,
        rule=(
            "Holds if the ramp takes at least 40% fewer steps than the fixed small batch, ends "
            "within 10% of its risk (or below), and below the fixed large batch's risk; with "
            "caveats if it saves the steps and beats the large batch but ends more than 10% above "
            "the small batch; otherwise does not hold."
        ),
        judge=_judge_ramp,
        group="paper",
        needs=("lrlearn.batch",),
        published=(
            (
                "paper's setting",
                "OLMo 1B and 7B language models; the critical batch size measured "
                "by branching runs at larger batches from checkpoints",
            ),
            (
                "paper's finding",
                "the critical batch size starts near zero, grows quickly and then "
                "plateaus; batch-size warmup trains to slightly better loss than the "
                "original run with 43% fewer gradient steps",
            ),
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# muP (Yang et al. 2022)

MUP_SETTINGS: dict[bool, dict[str, Any]] = {
    True: {
        "widths": (32, 256),
        "lrs": tuple(2.0 ** np.arange(-11, -2)),
        "steps": 40,
        "coord_widths": (32, 128, 512),
        "coord_seeds": (0,),
    },
    False: {
        "widths": (32, 64, 128, 256, 512),
        "lrs": tuple(2.0 ** np.arange(-12, -2)),
        "steps": 60,
        "coord_widths": (32, 64, 128, 256, 512, 1024),
        "coord_seeds": (0, 1),
    },
}
MUP_SEEDS = (0, 1, 2)


def mup_results(fast: bool) -> tuple[Any, Any]:
    """The width sweep and the coordinate check of the muP claim, cached per setting
    (``lrlearn.claims._shared``; ``_shared.clear()`` forgets it)."""
    return _shared._cached("at_scale.mup_results", fast, False, _make_mup_results)


def _make_mup_results(fast: bool, progress: bool = False) -> tuple[Any, Any]:
    """The width sweep and the coordinate check of the muP claim (cached per setting)."""
    from ..deep.mup import coord_check, lr_sweep

    s = MUP_SETTINGS[fast]
    sweep = lr_sweep(widths=s["widths"], lrs=s["lrs"], seeds=MUP_SEEDS, steps=s["steps"])
    coords = coord_check(widths=s["coord_widths"], seeds=s["coord_seeds"])
    return sweep, coords


def mup_transfer(fast: bool = True, progress: bool = False) -> Measurement:
    """Best Adam rate per width under SP and muP (mean training loss over 3 seeds), its shift in
    octaves from the narrowest to the widest width, muP's best loss against width, and the
    coordinate check's log-log slope of the logits' RMS against width."""
    sweep, coords = mup_results(fast)
    shift_sp, shift_mup = (float(v) for v in sweep.shift_octaves())
    best = sweep.best_lr()
    best_loss = sweep.best_loss()
    mup_i = sweep.parametrizations.index("mup")
    edge = bool(np.any((best[mup_i] == sweep.lrs[0]) | (best[mup_i] == sweep.lrs[-1])))
    slope_sp, slope_mup = (float(v) for v in coords.slope("logits"))
    numbers: dict[str, Number] = {
        "shift_octaves_sp": shift_sp,
        "shift_octaves_mup": shift_mup,
        "mup_best_at_grid_edge": edge,
        "mup_best_loss_narrow": float(best_loss[mup_i, 0]),
        "mup_best_loss_wide": float(best_loss[mup_i, -1]),
        "mup_wider_is_better": bool(best_loss[mup_i, -1] < best_loss[mup_i, 0]),
        "coord_slope_sp": slope_sp,
        "coord_slope_mup": slope_mup,
    }
    rows = tuple(
        {
            "width": int(w),
            **{
                f"best lr {p.upper()}": float(best[i, j])
                for i, p in enumerate(sweep.parametrizations)
            },
            **{
                f"best loss {p.upper()}": float(best_loss[i, j])
                for i, p in enumerate(sweep.parametrizations)
            },
        }
        for j, w in enumerate(sweep.widths)
    )
    w0, w1 = int(sweep.widths[0]), int(sweep.widths[-1])
    finding = (
        f"From width {w0} to {w1}, the best Adam rate moves by {shift_sp:+.0f} octaves under SP "
        f"and {shift_mup:+.0f} under muP; muP's best loss goes from "
        f"{best_loss[mup_i, 0]:.3g} to {best_loss[mup_i, -1]:.3g}. After a few steps the logits' "
        f"size grows as width^{slope_sp:.2f} under SP and width^{slope_mup:.2f} under muP."
    )
    return Measurement(
        numbers,
        finding,
        rows,
        setup=(
            f"MLP 64 -> n -> n -> 10 on the digits, Adam, {sweep.steps} steps of "
            f"batch {sweep.batch}, {len(sweep.lrs)} rates from "
            f"{sweep.lrs[0]:.3g} to {sweep.lrs[-1]:.3g} (factor 2), "
            f"{len(sweep.seeds)} seeds, base width {sweep.base_width}"
        ),
        extra={"sweep": sweep, "coords": coords},
    )


def _judge_mup(n: Mapping[str, Number]) -> ClaimVerdict:
    if abs(n["shift_octaves_mup"]) > 1:
        return ClaimVerdict.FAILS
    if (
        abs(n["shift_octaves_sp"]) >= 2
        and n["mup_wider_is_better"]
        and not n["mup_best_at_grid_edge"]
    ):
        return ClaimVerdict.HOLDS
    return ClaimVerdict.CAVEATS


register(
    Claim(
        key="yang-2022-mup-transfer",
        statement=(
            "Under the standard parametrization the best learning rate moves as the model "
            "widens; under muP it stays put (it transfers from a narrow model to a wide one), "
            "and wider is better."
        ),
        source=Source.PAPER,
        reference="Yang, Hu, Babuschkin, Sidor, Liu, Farhi, Ryder, Pachocki, Chen, Gao 2022, "
        "'Tensor Programs V: Tuning Large Neural Networks via Zero-Shot Hyperparameter "
        "Transfer', arXiv:2203.03466",
        experiment=mup_transfer,
        rule=(
            "The best rate of the grid (lowest mean training loss over 3 seeds) is read at each "
            "width. Does not hold if muP's best rate moves by more than one octave (factor 2) from "
            "the narrowest to the widest width. Holds if, in addition, SP's moves by at least two "
            "octaves, muP's best loss is lower at the widest width than at the narrowest, and "
            "muP's best rate is inside the grid; otherwise holds with caveats."
        ),
        judge=_judge_mup,
        group="paper",
        needs=("lrlearn.deep",),
        published=(
            (
                "paper's setting",
                "MLPs, ResNets and transformers, SGD and Adam; hyperparameters "
                "transferred from small proxies to a 6.7B-parameter GPT-3",
            ),
            (
                "paper's finding",
                "under SP the optimal learning rate shifts with width and wider "
                "models can be worse at a fixed rate; under muP the optimum is "
                "stable across width and wider is always better",
            ),
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# Schedules on the text stream (Hägele et al. 2024; Defazio et al. 2024)

STREAM_LM_SETTINGS: dict[bool, dict[str, Any]] = {
    True: {"steps": 200, "lrs": (1e-2, 3e-2), "sf_lrs": (1e-2, 3e-2)},
    False: {"steps": 600, "lrs": (3e-3, 1e-2, 3e-2), "sf_lrs": (1e-2, 3e-2)},
}
LM_SEEDS = (0, 1, 2)
BRANCHES = (0.25, 0.5, 0.75)


def _tuned(runs: Any) -> tuple[float, np.ndarray]:
    """The rate with the lowest mean final loss, and the per-seed final losses there."""
    final = runs.loss[:, :, -1]
    k = int(np.argmin(final.mean(axis=1)))
    return float(runs.lrs[k]), final[k]


def lm_results(fast: bool) -> dict[str, Any]:
    """Every run the two text-stream claims read (see ``_make_lm_results``), cached per setting
    (``lrlearn.claims._shared``; ``_shared.clear()`` forgets it)."""
    return _shared._cached("at_scale.lm_results", fast, False, _make_lm_results)


def _make_lm_results(fast: bool, progress: bool = False) -> dict[str, Any]:
    """Every run the two text-stream claims read (cached per setting): the schedules at an equal
    budget (``"runs"``), schedule-free, cosine tuned at a quarter and a half of the budget, and
    the cooldowns branched from the tuned constant run."""
    from ..deep.lm_schedules import branch_cooldowns, compare_schedules, make_schedule, train

    s = STREAM_LM_SETTINGS[fast]
    T = s["steps"]
    runs = compare_schedules(s["lrs"], T, LM_SEEDS, schedule_free_lrs=s["sf_lrs"])
    shorter = {
        L: train(make_schedule("cosine", 1.0, L), s["lrs"], LM_SEEDS, L, n_evals=4)
        for L in (T // 4, T // 2)
    }
    const_lr, _ = _tuned(runs["constant"])
    constant, branches = branch_cooldowns(const_lr, T, BRANCHES, LM_SEEDS)
    return {
        "runs": runs,
        "cosine_shorter": shorter,
        "constant": constant,
        "branches": branches,
        "steps": T,
    }


def wsd_matches_cosine(fast: bool = True, progress: bool = False) -> Measurement:
    """Final exact excess loss (nats over the entropy floor) of each schedule at its tuned rate;
    ``wsd_gap_share``: (WSD 1-sqrt - cosine) / (constant - cosine), the share of cosine's gain
    over a constant rate that WSD gives up; the paired 95% interval of constant - WSD over seeds;
    and the loss drop of each cooldown branched from the constant run."""
    from ..stats import paired_ci

    r = lm_results(fast)
    runs = r["runs"]
    floor = runs["cosine"].lang.entropy_floor
    tuned = {name: _tuned(runs[name]) for name in runs}
    excess = {name: float(v.mean() - floor) for name, (_, v) in tuned.items()}
    cos, const, wsd = excess["cosine"], excess["constant"], excess["wsd 1-sqrt"]
    ci = paired_ci(tuned["constant"][1], tuned["wsd 1-sqrt"][1])
    drops = {}
    for f, b in r["branches"].items():
        before, after = b.loss.mean(axis=1)[0, 0], b.loss.mean(axis=1)[0, -1]
        drops[f] = float((before - after) / (before - floor))
    numbers: dict[str, Number] = {
        **{
            f"excess_{name.replace(' ', '_')}": v
            for name, v in excess.items()
            if name != "schedule-free"
        },
        "wsd_gap_share": float((wsd - cos) / (const - cos)) if const > cos else 9.0,
        "constant_minus_wsd_low": ci.low,
        "constant_minus_wsd_high": ci.high,
        "sqrt_below_linear": bool(wsd <= excess["wsd linear"]),
        "wsd_total_loss_vs_cosine": float((wsd + floor) / (cos + floor) - 1),
        **{f"cooldown_drop_at_{round(100 * f)}pct": v for f, v in drops.items()},
    }
    rows = tuple(
        {
            "schedule": name,
            "tuned lr": lr,
            "final loss": float(v.mean()),
            "excess loss": excess[name],
        }
        for name, (lr, v) in tuned.items()
        if name != "schedule-free"
    )
    finding = (
        f"At {r['steps']} steps, each at its tuned rate, the excess loss over the entropy floor is "
        f"{cos:.3g} (cosine), {wsd:.3g} (WSD, 1-sqrt cooldown), {excess['wsd linear']:.3g} (WSD, "
        f"linear cooldown), {excess['linear to zero']:.3g} (linear to zero) and {const:.3g} "
        f"(constant): WSD gives up {100 * numbers['wsd_gap_share']:.0f}% of cosine's gain over a "
        f"constant rate ({100 * numbers['wsd_total_loss_vs_cosine']:+.2f}% in total loss). Each "
        f"cooldown branched from the constant run removes "
        f"{', '.join(f'{100 * v:.0f}%' for v in drops.values())} of its excess loss."
    )
    return Measurement(
        numbers,
        finding,
        rows,
        setup=(
            f"Zipf bigram stream (vocabulary 64), bigram network (embedding 32, "
            f"hidden 64), Adam, batch 16 x 32 tokens, {r['steps']} steps, 5% "
            f"warmup, cooldown 20%, rates {list(runs['cosine'].lrs)}, "
            f"{len(LM_SEEDS)} seeds (same data per seed), exact expected loss"
        ),
        extra=r,
    )


def _judge_wsd(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["constant_minus_wsd_low"] <= 0 or n["wsd_gap_share"] > 0.5:
        return ClaimVerdict.FAILS
    if n["wsd_gap_share"] <= 0.25 and n["sqrt_below_linear"]:
        return ClaimVerdict.HOLDS
    return ClaimVerdict.CAVEATS


register(
    Claim(
        key="hagele-2024-wsd",
        statement=(
            "A constant learning rate with a short cooldown at the end (warmup-stable-decay) "
            "matches cosine at an equal budget, a 1-sqrt cooldown does better than a linear "
            "one, and a cooldown can be branched from a constant run at any point."
        ),
        source=Source.PAPER,
        reference="Hägele, Bakouch, Kosson, Ben Allal, Von Werra, Jaggi 2024, 'Scaling Laws and "
        "Compute-Optimal Training Beyond Fixed Training Durations', arXiv:2405.18392",
        experiment=wsd_matches_cosine,
        rule=(
            "Exact excess losses at each schedule's tuned rate. Does not hold unless the "
            "constant rate is worse than WSD (paired 95% interval of the difference above 0) "
            "and WSD (1-sqrt) gives up at most half of cosine's gain over a constant rate. "
            "Holds if it gives up at most a quarter and the 1-sqrt cooldown ends at or below "
            "the linear one; otherwise holds with caveats."
        ),
        judge=_judge_wsd,
        group="paper",
        needs=("lrlearn.deep",),
        published=(
            (
                "paper's setting",
                "decoder-only transformers of up to a few hundred million parameters "
                "on SlimPajama; cooldowns of about 20% of training",
            ),
            (
                "paper's finding",
                "WSD with a cooldown of about 20% matches cosine; the 1-sqrt "
                "cooldown beats linear; the loss drops sharply during the cooldown",
            ),
        ),
    )
)


def schedule_free_anytime(fast: bool = True, progress: bool = False) -> Measurement:
    """Schedule-free AdamW (one run, tuned at the full budget) read at a quarter, a half and all
    of the budget, against cosine runs tuned for each of those lengths. ``gap_*``: relative
    difference of excess losses, (schedule-free - cosine) / cosine (negative: schedule-free is
    better)."""
    r = lm_results(fast)
    runs, T = r["runs"], r["steps"]
    floor = runs["cosine"].lang.entropy_floor
    sf = runs["schedule-free"]
    k = int(np.argmin(sf.loss[:, :, -1].mean(axis=1)))
    curve = sf.loss[k].mean(axis=0)
    cos_runs = {**r["cosine_shorter"], T: runs["cosine"]}
    const = runs["constant"]
    kc = int(np.argmin(const.loss[:, :, -1].mean(axis=1)))
    gaps, beats_constant = {}, True
    for L, run in sorted(cos_runs.items()):
        sf_at = float(curve[int(np.searchsorted(sf.eval_steps, L))] - floor)
        cos_at = float(_tuned(run)[1].mean() - floor)
        gaps[L] = (sf_at, cos_at, (sf_at - cos_at) / cos_at)
        const_at = float(
            const.loss[kc].mean(axis=0)[int(np.searchsorted(const.eval_steps, L))] - floor
        )
        beats_constant &= sf_at < const_at
    numbers: dict[str, Number] = {
        **{f"gap_at_{L}": g for L, (_, _, g) in gaps.items()},
        **{f"excess_schedule_free_at_{L}": a for L, (a, _, _) in gaps.items()},
        **{f"excess_cosine_{L}": c for L, (_, c, _) in gaps.items()},
        "worst_gap": max(g for _, _, g in gaps.values()),
        "below_constant_everywhere": bool(beats_constant),
        "schedule_free_lr": float(sf.lrs[k]),
    }
    rows = tuple(
        {"steps": int(L), "schedule-free excess": a, "tuned cosine excess": c, "gap": g}
        for L, (a, c, g) in gaps.items()
    )
    finding = (
        "One schedule-free run against cosine tuned for each length: excess loss "
        + "; ".join(
            f"at {L} steps {a:.3g} vs {c:.3g} ({100 * g:+.0f}%)" for L, (a, c, g) in gaps.items()
        )
        + "."
    )
    return Measurement(
        numbers,
        finding,
        rows,
        setup=(
            "the text stream of the WSD claim; schedulefree.AdamWScheduleFree "
            "with 5% warmup, no weight decay, evaluated at its averaged "
            f"weights, rates {list(sf.lrs)}"
        ),
        extra=r,
    )


def _judge_sf(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["worst_gap"] <= 0.1:
        return ClaimVerdict.HOLDS
    return ClaimVerdict.CAVEATS if n["below_constant_everywhere"] else ClaimVerdict.FAILS


register(
    Claim(
        key="defazio-2024-schedule-free",
        statement=(
            "Schedule-free AdamW needs no schedule and no stopping time: one run is, at every "
            "point, about as good as a cosine run tuned to end there."
        ),
        source=Source.PAPER,
        reference="Defazio, Yang, Mehta, Mishchenko, Khaled, Cutkosky 2024, 'The Road Less "
        "Scheduled', arXiv:2405.15682",
        experiment=schedule_free_anytime,
        rule=(
            "Excess losses of one schedule-free run at a quarter, a half and all of the budget "
            "against cosine tuned for each length. Holds if schedule-free is at most 10% above "
            "cosine at all three; with caveats if it is further behind somewhere but below the "
            "tuned constant rate at all three; otherwise does not hold."
        ),
        judge=_judge_sf,
        group="paper",
        needs=("lrlearn.deep",),
        published=(
            (
                "paper's setting",
                "28 problems from logistic regression to ImageNet and GPT-2 "
                "(AlgoPerf), against tuned cosine and linear decay",
            ),
            (
                "paper's finding",
                "schedule-free matches or beats tuned schedules without a stopping "
                "time; it won the AlgoPerf self-tuning track in 2024",
            ),
        ),
    )
)

# ---------------------------------------------------------------------------------------------
# Where the scaling rules come from (DeepSeek-AI 2024)

OPTIMAL_SETTINGS: dict[bool, dict[str, Any]] = {
    True: {
        "budgets": 2 ** np.arange(10, 16),
        "batch_sizes": 2 ** np.arange(0, 10),
        "lrs": np.geomspace(1e-2, 2.0, 16),
        "dim": 64,
    },
    False: {
        "budgets": 2 ** np.arange(10, 19),
        "batch_sizes": 2 ** np.arange(0, 13),
        "lrs": np.geomspace(1e-2, 2.0, 20),
        "dim": 128,
    },
}


def _optimal(fast: bool) -> Any:
    """Cached per setting (``lrlearn.claims._shared``; ``_shared.clear()`` forgets it)."""
    return _shared._cached("at_scale._optimal", fast, False, _make_optimal)


def _make_optimal(fast: bool, progress: bool = False) -> Any:
    from ..batch.stream import PowerLawRegression, compute_optimal

    s = OPTIMAL_SETTINGS[fast]
    return compute_optimal(
        PowerLawRegression(dim=s["dim"]), s["budgets"], s["batch_sizes"], s["lrs"]
    )


def compute_optimal_rules(fast: bool = True, progress: bool = False) -> Measurement:
    """Power-law fits of the near-optimal batch size and learning rate against compute."""
    r = _optimal(fast)
    numbers: dict[str, Number] = {
        "batch_exponent": r.batch_exponent,
        "lr_exponent": r.lr_exponent,
        "budgets": int(r.budgets.size),
        "tolerance": r.tolerance,
    }
    rows = tuple(
        {"compute (examples)": int(c), "batch size": int(b), "learning rate": float(lr)}
        for c, b, lr in zip(r.budgets, r.best_batch, r.best_lr, strict=True)
    )
    finding = (
        f"Over budgets from {r.budgets[0]} to {r.budgets[-1]} examples, the near-optimal "
        f"batch size grows as C^{r.batch_exponent:.2f} and its learning rate falls as "
        f"C^{r.lr_exponent:.2f}."
    )
    return Measurement(
        numbers,
        finding,
        rows,
        setup=(
            "the streaming regression of the critical-batch claim, constant "
            f"rate, grid of {r.batch_sizes.size} batch sizes x {r.lrs.size} "
            f"rates, near-optimal band within {100 * r.tolerance:.0f}% of the "
            "lowest excess risk"
        ),
        extra={"result": r},
    )


def _judge_optimal(n: Mapping[str, Number]) -> ClaimVerdict:
    up, down = n["batch_exponent"] > 0.1, n["lr_exponent"] < -0.05
    return (ClaimVerdict.FAILS, ClaimVerdict.CAVEATS, ClaimVerdict.HOLDS)[up + down]


register(
    Claim(
        key="deepseek-2024-compute-optimal",
        statement=(
            "As the compute budget grows, the optimal batch size grows and the optimal "
            "learning rate falls slowly, both as power laws in compute."
        ),
        source=Source.PAPER,
        reference="DeepSeek-AI 2024, 'DeepSeek LLM: Scaling Open-Source Language Models with "
        "Longtermism', arXiv:2401.02954",
        experiment=compute_optimal_rules,
        rule=(
            "Fit log B_opt and log lr_opt against log C, where B_opt is the largest batch whose "
            "best excess risk is within 5% of the lowest at that budget and lr_opt its best rate. "
            "Holds if the batch exponent is above 0.1 and the rate exponent below -0.05; with "
            "caveats if one of the two; otherwise does not hold."
        ),
        judge=_judge_optimal,
        group="paper",
        needs=("lrlearn.batch",),
        published=(
            (
                "paper's setting",
                "language models trained with a multi-step schedule, compute from "
                "1e17 to 2e19 FLOPs; near-optimal band within 0.25% of the best "
                "generalization error",
            ),
            (
                "paper's finding",
                "eta_opt = 0.3118 C^-0.1250 and B_opt = 0.2920 C^0.3271: the "
                "optimal batch grows and the optimal rate falls slowly with compute",
            ),
        ),
    )
)

_checks.check_public(globals())
