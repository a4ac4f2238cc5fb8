"""Cohen et al. 2021, "Gradient descent on neural networks typically occurs at the edge of
stability" (ICLR, arXiv:2103.00065), at laptop scale, with ``lrlearn.deep.sharpness``.

The claim: under full-batch gradient descent with step size eta the sharpness (top Hessian
eigenvalue of the training loss) rises ("progressive sharpening") until it reaches about 2 / eta,
then hovers there while the loss keeps falling, though not monotonically.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from tqdm.auto import tqdm

from .. import _checks
from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = ["cohen_edge_of_stability"]

#: a run "hovers" when its late sharpness is within this factor of 2 / eta
HOVER_BAND = (0.85, 1.15)


def _run_numbers(r) -> dict[str, float]:
    """One run: start / (2/eta), first crossing, late mean / (2/eta), loss rises after the
    crossing, loss at the crossing and at the end, and whether the run shows the pattern."""
    cross = r.first_crossing
    finite = np.isfinite(r.loss)
    after = r.loss[cross:][np.isfinite(r.loss[cross:])] if cross is not None else r.loss[finite]
    start = float(r.sharpness[0] / r.threshold)
    hover = r.hover_ratio(0.3)
    keeps_falling = bool(cross is not None and after[-1] < after[0])
    return {"start": start, "cross": -1 if cross is None else int(cross), "hover": hover,
            "rises": int(np.sum(np.diff(after) > 0)), "loss_cross": float(after[0]),
            "loss_end": float(after[-1]),
            "ok": bool(start < 0.9 and cross is not None and keeps_falling)}


def cohen_edge_of_stability(fast: bool = True, progress: bool = False) -> Measurement:
    """Full-batch GD on a tanh MLP (64-32-32-10, square loss, 100 digits) at several step sizes,
    each over the initialisations of ``_shared.SEEDS``.

    Per step size and seed: the sharpness at the start relative to 2 / eta, the first step it
    reaches 0.95 * 2 / eta, its mean over the last 30 % of the run relative to 2 / eta, and whether
    the loss went on falling (final loss below the loss at the crossing) with some steps going up.
    Per step size: the 95 % interval over the seeds of the late sharpness relative to 2 / eta.
    """
    from .. import stats
    from ..deep.sharpness import edge_of_stability
    from . import _shared

    settings = [(0.2, 300)] if fast else [(0.2, 800), (0.15, 800), (0.1, 1200)]
    seeds = _shared.SEEDS
    rows = []
    results = []
    runs: dict[float, list] = {}
    numbers: dict[str, Number] = {"seeds": len(seeds)}
    jobs = [(lr, steps, seed) for lr, steps in settings for seed in seeds]
    for lr, steps, seed in tqdm(jobs, desc="edge of stability", disable=not progress,
                                leave=False):
        runs.setdefault(lr, []).append(
            edge_of_stability(lr, steps=steps, n=100, hidden=(32, 32), activation="tanh",
                              loss="mse", every=10, seed=seed, progress=False))
    for lr, steps in settings:
        per = [_run_numbers(r) for r in runs[lr]]
        results.append(runs[lr][0])
        hover = stats.mean_ci([p["hover"] for p in per])
        in_band = HOVER_BAND[0] <= hover.low and hover.high <= HOVER_BAND[1]
        ok = all(p["ok"] for p in per) and in_band
        key = f"lr_{lr:g}"
        crossings = [p["cross"] for p in per]
        numbers[f"{key}_start_over_threshold"] = max(p["start"] for p in per)
        numbers[f"{key}_crossing_step"] = (-1 if min(crossings) < 0 else
                                           float(np.mean(crossings)))
        numbers[f"{key}_tail_over_threshold"] = hover.mean
        numbers[f"{key}_tail_low"] = hover.low
        numbers[f"{key}_tail_high"] = hover.high
        numbers[f"{key}_loss_rises_after_crossing"] = min(p["rises"] for p in per)
        numbers[f"{key}_seeds_with_pattern"] = sum(p["ok"] for p in per)
        numbers[f"{key}_at_edge"] = bool(ok)
        rows.append({"eta": lr, "2 / eta": 2 / lr, "steps": steps,
                     "sharpness at start / (2/eta), highest seed": max(p["start"] for p in per),
                     "reaches 0.95 x 2/eta at step (seeds)": ", ".join(
                         "never" if c < 0 else str(c) for c in crossings),
                     "late sharpness / (2/eta), 95% CI": f"{hover.mean:.3f} [{hover.low:.3f}, "
                                                         f"{hover.high:.3f}]",
                     "loss at crossing -> final (seed 0)": f"{per[0]['loss_cross']:.3g} -> "
                                                           f"{per[0]['loss_end']:.3g}",
                     "loss rises after crossing (fewest over seeds)": min(p["rises"]
                                                                          for p in per),
                     "seeds with the pattern": f"{sum(p['ok'] for p in per)} of {len(per)}"})
    numbers["runs"] = len(settings)
    numbers["runs_at_edge"] = sum(bool(numbers[f"lr_{lr:g}_at_edge"]) for lr, _ in settings)
    finding = " ".join(
        f"eta = {row['eta']:g} (2/eta = {row['2 / eta']:.3g}): over {len(seeds)} seeds the "
        f"sharpness starts at most at {row['sharpness at start / (2/eta), highest seed']:.2f} x "
        f"2/eta, first reaches 0.95 x 2/eta at steps {row['reaches 0.95 x 2/eta at step (seeds)']}"
        f", and averages {row['late sharpness / (2/eta), 95% CI']} x 2/eta over the last 30 % of "
        f"the run (95% CI); the loss rises on at least "
        f"{row['loss rises after crossing (fewest over seeds)']} steps after the crossing and "
        f"ends below its value there in {row['seeds with the pattern']} seeds."
        for row in rows
    ) + f" {numbers['runs_at_edge']} of {len(settings)} step sizes show the pattern."
    return Measurement(
        numbers, finding, tuple(rows),
        setup=("full-batch GD (torch.optim.SGD), tanh MLP 64-32-32-10, square loss on one-hot "
               "targets, first 100 digits, float64, CPU; sharpness by power iteration every 10 "
               f"steps; initialisations {', '.join(map(str, seeds))}"),
        extra={"results": results, "runs": runs})


def _judge_cohen(n: Mapping[str, Number]) -> ClaimVerdict:
    if n["runs_at_edge"] == n["runs"]:
        return ClaimVerdict.HOLDS
    if n["runs_at_edge"] > 0:
        return ClaimVerdict.CAVEATS
    return ClaimVerdict.FAILS


register(Claim(
    key="cohen-2021-edge-of-stability",
    statement=("Under full-batch gradient descent the sharpness rises until it reaches about "
               "2 / eta and then hovers there, while the loss keeps decreasing non-monotonically."),
    source=Source.PAPER,
    reference="Cohen, Kaur, Li, Kolter, Talwalkar 2021 (ICLR), arXiv:2103.00065",
    experiment=cohen_edge_of_stability,
    rule=("A run shows the pattern if its sharpness starts below 0.9 x 2/eta, reaches 0.95 x "
          "2/eta, and the loss ends below its value at the crossing. A step size is at the edge "
          "of stability if every one of 5 initialisations shows the pattern and the 95% "
          "confidence interval over them of the mean sharpness over the last 30 % of the run, "
          "divided by 2/eta, lies within [0.85, 1.15]. Holds if every step size tried is at the "
          "edge; holds with caveats if some are; does not hold if none is."),
    judge=_judge_cohen,
    group="paper",
    needs=("lrlearn.deep",),
    published=(
        ("paper's data", "a 5,000-example subset of CIFAR-10 (and WikiText-2 for a Transformer)"),
        ("paper's models", "fully connected nets (tanh, ReLU, ELU), VGG, ResNet without batch "
                           "norm, Transformer; square loss and cross-entropy"),
        ("paper's finding", "progressive sharpening up to 2 / eta, then sharpness hovering "
                            "just above 2 / eta while the loss decreases over long times, "
                            "non-monotonically; with cross-entropy the sharpness drops late in "
                            "training"),
    ),
))

_checks.check_public(globals())
