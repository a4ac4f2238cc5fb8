"""Interactive figures for the notebooks: thin views over lrlearn's functions.

Every figure is a :class:`View` (controls + ``compute`` = one library call + ``setup``/``update``
of matplotlib artists) shown two ways: :func:`live` (a kernel redraws on each change) and
:func:`precomputed` (figures rendered over a grid of values, switched in the browser without a
kernel, for the static book). :func:`show` picks one: live, unless the environment variable
``LRLEARN_WIDGETS`` is ``static`` (set it when building the book).

Submodules are imported on first use, so ``import lrlearn.widgets`` stays light.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

_EXPORTS = {
    "Control": "controls",
    "View": "view",
    "figure_png": "view",
    "Live": "live_view",
    "live": "live_view",
    "Precomputed": "precomputed_view",
    "precomputed": "precomputed_view",
    # concept views
    "LearningRatePath": "paths",
    "StabilityExplorer": "stability",
    "OptimizerRace": "optimizers",
    "EffectiveStep": "optimizers",
    "effective_lr": "optimizers",
    "ScheduleDesigner": "schedules",
    "make_schedule": "schedules",
    "RangeTestView": "lr_finder",
    "GradientNoiseView": "batch_views",
    "RegimesView": "batch_views",
    "LinearScalingView": "batch_views",
    "StepsToTargetView": "batch_views",
    "EdgeOfStabilityExplorer": "eos_views",
    "AdamSignalView": "adam_views",
    "AdaptiveEdgeView": "adam_views",
    "BatchRulesView": "adam_views",
    "edge_run": "eos_views",
    "ReviewSimulator": "review_views",
    "simulate_reviews": "review_views",
    "TransferView": "transfer_views",
    "BatchSizeCost": "hardware_views",
    "QuizWidget": "quiz",
    "quiz_widget": "quiz",
    "LossCurveDoctor": "debugging",
    "MomentumModes": "momentum_views",
    "diagnose": "debugging",
}

__all__ = [*sorted(_EXPORTS), "show"]

ENV_MODE = "LRLEARN_WIDGETS"


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def show(view: Any, mode: str | None = None, **options: Any) -> Any:
    """The live widget for ``view``, or its precomputed (kernel-free) twin when ``mode`` is
    ``"static"`` or, with ``mode=None``, when ``$LRLEARN_WIDGETS`` is ``static``. ``options`` go to
    :func:`precomputed` (``grid=...``) or :func:`live` (``backend=...``)."""
    from .. import _checks

    mode = _checks.choice(
        "mode",
        mode if mode is not None else (os.environ.get(ENV_MODE) or "live"),
        ("live", "static"),
    )
    if mode == "static":
        from .precomputed_view import precomputed

        return precomputed(view, **options)
    from .live_view import live

    return live(view, **options)
