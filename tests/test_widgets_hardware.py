"""The batch-size cost view: epoch arithmetic on a measured ThroughputResult."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep.throughput import ThroughputResult, measure_throughput  # noqa: E402
from lrlearn.widgets import live, precomputed  # noqa: E402
from lrlearn.widgets.hardware_views import BatchSizeCost, batch_cost  # noqa: E402

pytestmark = pytest.mark.torch


def fake(sizes=(1, 4, 16, 64), memory=True):
    sizes = np.array(sizes)
    rate = 1000.0 * np.sqrt(sizes)  # examples/s
    return ThroughputResult(
        batch_sizes=sizes,
        samples_per_s=rate,
        step_seconds=sizes / rate,
        peak_memory_bytes=sizes * 2.0**20 if memory else np.array([]),
        memory_method="test",
        oom_batch_size=None,
        requested=sizes,
        device="cpu (test)",
    )


@pytest.mark.parametrize("b", [1, 4, 16, 64])
def test_epoch_arithmetic(b):
    cost = batch_cost(fake(), b, epoch_examples=1000)
    assert cost.steps_per_epoch == math.ceil(1000 / b)
    assert cost.seconds_per_epoch == pytest.approx(1000 / (1000 * math.sqrt(b)))
    assert cost.ms_per_step == pytest.approx(1e3 * b / (1000 * math.sqrt(b)))
    assert cost.peak_mib == pytest.approx(b)


def test_no_memory_is_nan():
    assert math.isnan(batch_cost(fake(memory=False), 4).peak_mib)


@pytest.mark.parametrize(
    ("b", "kw", "match"),
    [
        (8, {}, "measured sizes"),
        (0, {}, "batch_size"),
        (4, {"epoch_examples": 0}, "epoch_examples"),
    ],
)
def test_bad_input(b, kw, match):
    with pytest.raises(ValueError, match=match):
        batch_cost(fake(), b, **kw)


def test_slider_follows_the_measured_powers():
    assert BatchSizeCost(fake()).controls[0].step == 2
    assert BatchSizeCost(fake((2, 4, 8))).controls[0].grid == (1, 2, 3)
    with pytest.raises(ValueError, match="evenly spaced"):
        BatchSizeCost(fake((1, 2, 16)))
    with pytest.raises(ValueError, match="two powers of two"):
        BatchSizeCost(fake((3, 4, 5)))


def test_views_on_a_real_measurement():
    result = measure_throughput(
        (1, 4, 16),
        steps=2,
        warmup=1,
        repeats=1,
        memory=False,
        threads=1,
        progress=False,
        device="cpu",
    )
    view = BatchSizeCost(result, epoch_examples=1000)
    w = live(view)
    before = w.output.value
    w.set(log2_batch=0)
    assert w.output.value != before and "batch 1:" in view.heading.get_text()
    assert "= 1,000 steps" in view.heading.get_text()
    w.close()
    pre = precomputed(BatchSizeCost(fake()))
    assert len(pre.images) == 4
    pre.close()
