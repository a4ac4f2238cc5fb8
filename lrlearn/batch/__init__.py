"""Batch-size experiments on real data (numpy; seconds with ``fast=True``, under two minutes each
with ``fast=False``). Each returns a frozen dataclass of arrays and metadata with a ``plot()``
that returns a matplotlib Figure; each shows a tqdm progress bar unless ``progress=False``.

- ``gradient_noise``: minibatch gradient variance vs B against sigma^2 / B and the
  finite-population formula.
- ``compare_regimes``: SGD (B = 1) vs minibatch vs full batch, against steps, epochs, examples.
- ``steps_to_target``: fewest steps to a target vs B with tuned lr and momentum (Shallue et al.).
- ``gradient_noise_scale``: B_simple = tr(Sigma) / |G|^2 during training vs the critical batch size
  fitted to steps-to-target (McCandlish et al.).
- ``linear_scaling``: B = k B0 with lr = k lr0, with and without warmup (Goyal et al.).
- ``generalization``: small vs large batch at equal training loss, epochs and steps: test accuracy
  and sharpness (top Hessian eigenvalue, ``sharpness``).
"""

from __future__ import annotations

from .generalization import GeneralizationResult, generalization, sharpness
from .noise import GradientNoiseResult, gradient_noise
from .noise_scale import NoiseScaleResult, b_noise_at, gradient_noise_scale, noise_scale_at
from .regimes import RegimesResult, compare_regimes
from .scaling import LinearScalingResult, linear_scaling
from .steps import StepsToTargetResult, fit_tradeoff, steps_to_target

__all__ = [
    "GeneralizationResult",
    "GradientNoiseResult",
    "LinearScalingResult",
    "NoiseScaleResult",
    "RegimesResult",
    "StepsToTargetResult",
    "b_noise_at",
    "compare_regimes",
    "fit_tradeoff",
    "generalization",
    "gradient_noise",
    "gradient_noise_scale",
    "linear_scaling",
    "noise_scale_at",
    "sharpness",
    "steps_to_target",
]
