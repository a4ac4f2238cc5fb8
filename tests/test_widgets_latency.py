"""Live widgets keep their axes over each slider's whole range, so a move is a blit, not a full
redraw (the timings themselves are measured by benchmarks/bench_widgets.py)."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn.landscapes import Quadratic, Saddle
from lrlearn.widgets import EffectiveStep, LearningRatePath, OptimizerRace, StabilityExplorer, live
from lrlearn.widgets._draw import nice_ceil, range_log_limits


def _walk(widget, name: str, n: int = 60) -> tuple[int, int]:
    """Move control ``name`` over its whole range and back; (changes, full redraws)."""
    control = widget.controls[name]
    ticks = np.linspace(control.min, control.max, n + 1)
    if hasattr(control, "base"):
        ticks = control.base**ticks
    if isinstance(control.value, int):
        ticks = np.unique(np.round(ticks).astype(int))
    values = [t.item() for t in ticks]
    full = changes = 0
    for value in values + values[::-1]:
        if value == control.value:
            continue
        control.value = value
        changes += 1
        full += int(widget.last_timings["full"])
    return changes, full


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: StabilityExplorer(curvatures=(4.0, 0.5), steps=40), "lr"),
        (
            lambda: LearningRatePath(
                Saddle(), lr=0.1, lr_range=(0.01, 1.0), steps=100, x0=[-1.8, 1e-3]
            ),
            "lr",
        ),
        (lambda: LearningRatePath(Quadratic(curvatures=[2.0]), lr=0.1), "lr"),
        (lambda: OptimizerRace(), "sgd_lr"),
        (lambda: OptimizerRace(), "adaptive_lr"),
        (lambda: EffectiveStep(), "lr"),
        (lambda: EffectiveStep(), "optimizer"),
    ],
)
def test_moving_a_slider_over_its_whole_range_never_redraws_the_axes(make, name):
    widget = live(make())
    if name == "optimizer":
        control = widget.controls[name]
        full = 0
        for option in [*control.options[1:], *control.options]:
            control.value = option
            full += int(widget.last_timings["full"])
        assert full == 0
    else:
        changes, full = _walk(widget, name)
        assert changes > 50 and full == 0, f"{full} full redraws in {changes} changes"
    widget.close()


def test_the_step_axis_moves_only_at_a_few_snapped_lengths():
    widget = live(LearningRatePath(Quadratic(curvatures=[2.0]), lr=0.1, steps=20, max_steps=100))
    changes, full = _walk(widget, "steps", n=99)
    # 1..100 and back: the axis ends at 20 up to 20 steps, then at 50, then at 100
    assert changes == 199 and full == 4
    assert widget.view.ax_loss.get_xlim()[1] == pytest.approx(20.5)
    widget.close()


def test_the_live_layout_is_computed_once():
    widget = live(StabilityExplorer())
    positions = [ax.get_position().bounds for ax in widget.figure.axes]
    widget.set(lr=widget.view.control("lr").high)
    assert widget.figure.get_layout_engine() is None or not widget.figure.get_constrained_layout()
    assert [ax.get_position().bounds for ax in widget.figure.axes] == positions
    widget.close()


def test_fixed_limits_hold_the_range_and_are_bounded():
    lo, hi = range_log_limits(np.array([1e-40, 3.0, 2e5]), decades=20)
    assert hi == 1e6 and lo == 1e-14
    assert range_log_limits(np.array([0.02, 5.0])) == (1e-3, 100.0)
    values = (0.5, 1, 3, 20, 21, 50, 51, 400)
    assert [nice_ceil(v) for v in values] == [1, 1, 5, 20, 50, 50, 100, 500]


def test_a_log_slider_at_either_end_is_in_range():
    widget = live(StabilityExplorer())
    control = widget.controls["lr"]
    for end in (control.min, control.max):
        control.value = control.base**end
        assert widget.message.value == ""
    widget.close()
