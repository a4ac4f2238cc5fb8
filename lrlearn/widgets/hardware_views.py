"""Throughput, memory and time per epoch against the batch size, as a widget.

The measurement (:func:`lrlearn.deep.measure_throughput`) is taken once, since it is what costs
time; the slider then walks along it and :func:`batch_cost` turns a batch size into what a
training run pays: examples per second, milliseconds and memory per step, and the steps and
seconds an epoch of ``epoch_examples`` takes (``ceil(N / B)`` steps, ``N / throughput`` s).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import _checks
from ..plots import spread_ticks, whole_number_ticks
from .controls import int_slider
from .view import View

__all__ = ["BatchCost", "BatchSizeCost", "batch_cost"]


@dataclass(frozen=True)
class BatchCost:
    """What one measured batch size costs (``peak_mib`` is NaN when memory was not measured)."""

    batch_size: int
    examples_per_s: float
    ms_per_step: float
    peak_mib: float
    steps_per_epoch: int
    seconds_per_epoch: float
    index: int


def batch_cost(result: Any, batch_size: int, epoch_examples: int = 50_000) -> BatchCost:
    """The cost of ``batch_size`` (one of ``result.batch_sizes``) for an epoch of
    ``epoch_examples`` examples."""
    sizes = [int(b) for b in result.batch_sizes]
    batch_size = _checks.integer("batch_size", batch_size, minimum=1)
    epoch_examples = _checks.integer("epoch_examples", epoch_examples, minimum=1)
    if batch_size not in sizes:
        raise ValueError(f"batch_size must be one of the measured sizes {sizes}, got {batch_size}")
    i = sizes.index(batch_size)
    rate = float(result.samples_per_s[i])
    mem = (
        float(result.peak_memory_bytes[i]) / 2**20
        if result.peak_memory_bytes.size == len(sizes)
        else float("nan")
    )
    return BatchCost(
        batch_size,
        rate,
        1e3 * float(result.step_seconds[i]),
        mem,
        math.ceil(epoch_examples / batch_size),
        epoch_examples / rate,
        i,
    )


class BatchSizeCost(View):
    """Left: examples per second against the batch size. Right: peak memory of a training step.
    The slider picks a batch size (a power of two); the title says what an epoch costs."""

    title = "batch size on this device"
    figsize = (7.6, 3.2)

    def __init__(self, result: Any, *, epoch_examples: int = 50_000) -> None:
        super().__init__()
        self.result = _checks.result_like("result", result, ("batch_sizes", "samples_per_s"),
                                          "a ThroughputResult from deep.measure_throughput")
        self.epoch_examples = _checks.integer("epoch_examples", epoch_examples, minimum=1)
        sizes = [int(b) for b in result.batch_sizes]
        powers = [int(math.log2(b)) for b in sizes if b & (b - 1) == 0]
        if len(powers) < 2:
            raise ValueError(f"the measurement needs at least two powers of two, got {sizes}")
        lo, hi = min(powers), max(powers)
        step = math.gcd(*(b - a for a, b in itertools.pairwise(powers)))
        if powers != list(range(lo, hi + 1, step)):
            raise ValueError(f"the measured powers of two must be evenly spaced, got {sizes}")
        start = next((k for k in powers if k >= 6), hi)
        self.controls = (
            int_slider(
                "log2_batch", "batch size = 2 ^", start, lo, hi, step=step, grid=tuple(powers)
            ),
        )

    def compute(self, log2_batch: int) -> BatchCost:
        return batch_cost(self.result, 2**log2_batch, self.epoch_examples)

    def setup(self, fig: Any) -> None:
        r = self.result
        self.ax_rate, self.ax_mem = fig.subplots(1, 2)
        self.ax_rate.plot(r.batch_sizes, r.samples_per_s, "o-", ms=3, color="C0")
        self.ax_rate.set(xscale="log", yscale="log", xlabel="batch size", ylabel="examples / s")
        self.ax_rate.set_xscale("log", base=2)
        whole_number_ticks(self.ax_rate.xaxis, spread_ticks(r.batch_sizes))
        (self.rate_marker,) = self.ax_rate.plot([], [], "o", ms=9, color="C1", mec="k")
        self.has_mem = r.peak_memory_bytes.size == r.batch_sizes.size
        if self.has_mem:
            self.ax_mem.plot(
                r.batch_sizes, np.maximum(r.peak_memory_bytes, 1) / 2**20, "o-", ms=3, color="C2"
            )
            self.ax_mem.set(yscale="log", ylabel="peak MiB per step")
        else:
            self.ax_mem.text(
                0.5,
                0.5,
                "memory not measured on this device",
                ha="center",
                transform=self.ax_mem.transAxes,
            )
        self.ax_mem.set_xscale("log", base=2)
        whole_number_ticks(self.ax_mem.xaxis, spread_ticks(r.batch_sizes))
        self.ax_mem.set_xlabel("batch size")
        (self.mem_marker,) = self.ax_mem.plot([], [], "o", ms=9, color="C1", mec="k")
        self.heading = fig.suptitle("", fontsize=9)
        self.animate(self.rate_marker, self.mem_marker, self.heading)

    def update(self, cost: BatchCost) -> None:
        self.rate_marker.set_data([cost.batch_size], [cost.examples_per_s])
        if self.has_mem:
            self.mem_marker.set_data([cost.batch_size], [max(cost.peak_mib, 2**-20)])
        mem = f", {cost.peak_mib:.2f} MiB" if self.has_mem else ""
        self.heading.set_text(
            f"batch {cost.batch_size}: {cost.examples_per_s:,.0f} examples/s, "
            f"{cost.ms_per_step:.2f} ms/step{mem}; an epoch of {self.epoch_examples:,} examples "
            f"= {cost.steps_per_epoch:,} steps, {cost.seconds_per_epoch:.1f} s"
        )

_checks.check_public(globals())
