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

from .registry import Claim, ClaimVerdict, Measurement, Number, Source, register

__all__ = ["cohen_edge_of_stability"]

#: a run "hovers" when its late sharpness is within this factor of 2 / eta
HOVER_BAND = (0.85, 1.15)


def cohen_edge_of_stability(fast: bool = True, progress: bool = False) -> Measurement:
    """Full-batch GD on a tanh MLP (64-32-32-10, square loss, 100 digits) at several step sizes.

    Per step size: the sharpness at the start relative to 2 / eta, the first step it reaches
    0.95 * 2 / eta, its mean over the last 30 % of the run relative to 2 / eta, and whether the
    loss went on falling (final loss below the loss at the crossing) with some steps going up.
    """
    from ..deep.sharpness import edge_of_stability

    settings = [(0.2, 300)] if fast else [(0.2, 800), (0.15, 800), (0.1, 1200)]
    rows = []
    results = []
    numbers: dict[str, Number] = {}
    for lr, steps in tqdm(settings, desc="edge of stability", disable=not progress, leave=False):
        r = edge_of_stability(lr, steps=steps, n=100, hidden=(32, 32), activation="tanh",
                              loss="mse", every=10, seed=0, progress=False)
        results.append(r)
        cross = r.first_crossing
        start_ratio = float(r.sharpness[0] / r.threshold)
        hover = r.hover_ratio(0.3)
        finite = np.isfinite(r.loss)
        after = r.loss[cross:][np.isfinite(r.loss[cross:])] if cross is not None else r.loss[finite]
        rises = int(np.sum(np.diff(after) > 0))
        keeps_falling = bool(cross is not None and after[-1] < after[0])
        ok = (start_ratio < 0.9 and cross is not None
              and HOVER_BAND[0] <= hover <= HOVER_BAND[1] and keeps_falling)
        key = f"lr_{lr:g}"
        numbers[f"{key}_start_over_threshold"] = start_ratio
        numbers[f"{key}_crossing_step"] = -1 if cross is None else int(cross)
        numbers[f"{key}_tail_over_threshold"] = hover
        numbers[f"{key}_loss_rises_after_crossing"] = rises
        numbers[f"{key}_at_edge"] = bool(ok)
        rows.append({"eta": lr, "2 / eta": r.threshold, "steps": steps,
                     "sharpness at start": float(r.sharpness[0]),
                     "reaches 0.95 x 2/eta at step": "never" if cross is None else int(cross),
                     "late sharpness / (2/eta)": hover,
                     "loss at crossing": float(after[0]), "final loss": float(after[-1]),
                     "loss rises after crossing": rises})
    numbers["runs"] = len(settings)
    numbers["runs_at_edge"] = sum(bool(numbers[f"lr_{lr:g}_at_edge"]) for lr, _ in settings)
    def joined(column: str, spec: str = "") -> str:
        return ", ".join(format(r[column], spec) if not isinstance(r[column], str) else r[column]
                         for r in rows)

    finding = (
        f"eta = {joined('eta', 'g')}: {numbers['runs_at_edge']} of {len(settings)} runs show the "
        f"pattern. The sharpness starts at {joined('sharpness at start', '.3g')} (2/eta = "
        f"{joined('2 / eta', '.3g')}), first reaches 0.95 x 2/eta at step "
        f"{joined('reaches 0.95 x 2/eta at step')}, and averages "
        f"{joined('late sharpness / (2/eta)', '.3f')} x 2/eta over the last 30 % of the run; "
        f"meanwhile the loss goes from {joined('loss at crossing', '.3g')} to "
        f"{joined('final loss', '.3g')}, rising on {joined('loss rises after crossing')} steps."
    )
    return Measurement(
        numbers, finding, tuple(rows),
        setup=("full-batch GD (torch.optim.SGD), tanh MLP 64-32-32-10, square loss on one-hot "
               "targets, first 100 digits, float64, CPU; sharpness by power iteration every 10 "
               "steps"),
        extra={"results": results})


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
    rule=("A run is at the edge of stability if its sharpness starts below 0.9 x 2/eta, reaches "
          "0.95 x 2/eta, averages within [0.85, 1.15] x 2/eta over the last 30 % of the run, and "
          "the loss ends below its value at the crossing. Holds if every step size tried does "
          "this; holds with caveats if some do; does not hold if none does."),
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
