"""Checkers for the exercises of notebook 14 (learning rates at scale).

The references are lrlearn's own schedules (tested against torch compositions) and muP's rules
(tested against Microsoft's ``mup`` package). A checker returns a
:class:`~lrlearn.exercises._core.Report` and never raises (see :mod:`lrlearn.exercises._core`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._core import Report, run_cases

__all__ = ["check_mup_lr", "check_wsd"]


def check_wsd(fn: Callable[..., Any], decay: str = "linear") -> Report:
    """``fn(t, base_lr, total_steps, decay_steps)``: the rate at step ``t`` of warmup-stable-decay
    without warmup: ``base_lr`` until step ``total_steps - decay_steps``, then a cooldown of shape
    ``decay`` (``"linear"``: ``1 - p``; ``"1-sqrt"``: ``1 - sqrt(p)``) reaching 0 at the last step,
    with ``p = (t - (total_steps - decay_steps) + 1) / decay_steps``."""
    from .. import schedules as S

    cases = []
    for base, total, cool in [(0.1, 100, 20), (3e-4, 1000, 200), (1.0, 10, 10), (0.5, 7, 1)]:
        ref = S.warmup_stable_decay(base, total, 0, cool, decay)
        for t in sorted({0, total - cool - 1, total - cool, total - cool + cool // 2, total - 1}):
            if t >= 0:
                cases.append(
                    (
                        f"t={t}, base_lr={base}, total_steps={total}, decay_steps={cool}",
                        (t, base, total, cool),
                        {},
                        ref(t),
                    )
                )
    return run_cases(
        f"warmup-stable-decay ({decay} cooldown)",
        fn,
        cases,
        hint="find the first cooldown step c = total_steps - decay_steps; before it return "
        "base_lr; from it on, p runs 1/decay_steps, 2/decay_steps, ..., 1",
        rtol=1e-9,
        atol=1e-15,
    )


def check_mup_lr(fn: Callable[..., Any]) -> Report:
    """``fn(layer, lr, width, base_width)``: muP's Adam rate for ``layer`` in ``"input"``,
    ``"hidden"``, ``"readout"`` of the MLP of ``lrlearn.deep.mup``, when ``lr`` is the rate tuned
    at ``base_width``."""
    from ..deep.mup import layer_lr_multipliers, make_mlp

    names = {"input": "fc1.weight", "hidden": "fc2.weight", "readout": "readout.weight"}
    cases = []
    for width, base in [(32, 32), (256, 32), (1024, 64), (48, 96)]:
        mults = layer_lr_multipliers(make_mlp(width, "mup", base))
        for layer, name in names.items():
            cases.append(
                (
                    f"layer={layer!r}, lr=0.01, width={width}, base_width={base}",
                    (layer, 0.01, width, base),
                    {},
                    0.01 * mults[name],
                )
            )
    return run_cases(
        "muP Adam learning rate",
        fn,
        cases,
        hint="only the layer with both dimensions growing with width changes its Adam rate: "
        "divide by the width multiplier width / base_width",
    )
