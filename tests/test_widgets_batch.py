"""Batch-size and sharpness views: each draws exactly what its lrlearn experiment returned."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn import batch
from lrlearn.widgets import (
    GradientNoiseView,
    LinearScalingView,
    RegimesView,
    StepsToTargetView,
    precomputed,
)


@pytest.fixture(scope="module")
def noise():
    return batch.gradient_noise(batch_sizes=[1, 4, 16, 64], n_draws=200, seed=0, progress=False)


def test_gradient_noise_view_marks_the_measured_point(noise):
    view = GradientNoiseView(noise, batch_size=20)
    assert view.control("batch_size").options == (1, 4, 16, 64)
    assert view.control("batch_size").value == 16  # nearest measured size
    view.show(batch_size=4)
    x, y = view.marker.get_data()
    assert x[0] == 4 and y[0] == noise.variance_with[1]
    ratio = noise.variance_without[1] / noise.grad_norm2
    assert f"noise / signal = {ratio:.3g}" in view.note.get_text()
    with pytest.raises(ValueError, match="batch_size must be one of"):
        view.values(batch_size=8)


def test_regimes_view_switches_the_axis():
    result = batch.compare_regimes(fast=True, seed=0, progress=False)
    view = RegimesView(result)
    for axis in ("steps", "epochs", "examples"):
        view.show(axis=axis)
        for line, x, y in zip(view.lines, getattr(result, axis), result.losses, strict=True):
            ok = np.isfinite(y)
            np.testing.assert_array_equal(line.get_xdata(), x[ok])
            np.testing.assert_array_equal(line.get_ydata(), y[ok])
    assert view.ax.get_xscale() == "log"
    view.show(axis="steps")
    assert view.ax.get_xlim() == (0, result.max_steps_shown)


def test_linear_scaling_view_reports_the_rule():
    result = batch.linear_scaling(fast=True, seed=0, progress=False)
    view = LinearScalingView(result)
    view.attach()
    for i, k in enumerate(result.factors):
        for warm, holds, finals, losses in (
            ("off", result.holds, result.final_loss, result.losses),
            ("on", result.holds_warmup, result.final_loss_warmup, result.losses_warmup),
        ):
            view.update(view.compute(**view.values(factor=int(k), warmup=warm)))
            ok = np.isfinite(losses[i])
            np.testing.assert_array_equal(view.bold.get_ydata(), losses[i][ok])
            text = view.note.get_text()
            if holds[i]:
                assert "rule holds" in text
            else:
                assert ("diverged" if not np.isfinite(finals[i]) else "rule broken") in text


def test_steps_to_target_view_and_its_static_twin():
    result = batch.steps_to_target(fast=True, seed=0, progress=False)
    view = StepsToTargetView(result, batch_size=16)
    view.show(batch_size=16)
    i = int(np.flatnonzero(result.batch_sizes == 16)[0])
    assert view.marker.get_data()[1][0] == result.steps[i]
    assert result.regions()[i] in view.note.get_text()
    pre = precomputed(StepsToTargetView(result))
    assert len(pre.images) == len(result.batch_sizes)
    pre.close()
