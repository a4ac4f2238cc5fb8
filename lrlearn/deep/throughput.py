"""Throughput (examples per second) and peak memory of a training step against the batch size,
and the "powers of two" check, measured on whatever device you have.

Memory is the peak of the bytes the framework allocates during one training step (forward,
backward, optimizer step) above what was allocated before it (parameters, optimizer state):

- CUDA: ``torch.cuda.max_memory_allocated()`` after ``reset_peak_memory_stats()``, minus
  ``memory_allocated()`` at the start.
- CPU: the running sum of the allocation and free events that ``torch.profiler`` records with
  ``profile_memory=True`` (PyTorch's CPU allocator reports every block's size), whose maximum is
  the same quantity as on CUDA. Python's ``tracemalloc`` cannot see these blocks (they are not
  allocated through Python), and the process RSS high-water mark is not a fair measure either:
  the C allocator keeps freed pages, so after a large batch a smaller one appears to need
  (almost) nothing, and the mark includes everything the process ever touched.
- MPS: not measured (reported as unavailable).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import _checks
from ..plots import new_axes, spread_ticks, whole_number_ticks
from .device import cpu_threads, describe_device, resolve_device
from .train import autocast_dtype

__all__ = [
    "PowersOfTwoResult",
    "ThroughputResult",
    "is_out_of_memory",
    "measure_throughput",
    "peak_step_memory",
    "powers_of_two",
]

log = logging.getLogger("lrlearn.deep")

DEFAULT_BATCH_SIZES = tuple(2**k for k in range(0, 13))


def is_out_of_memory(exc: BaseException) -> bool:
    """True for ``torch.OutOfMemoryError`` (CUDA) and the RuntimeErrors allocators raise when
    memory runs out (CUDA "out of memory", CPU "can't allocate memory", MPS "out of memory")."""
    _checks.instance("exc", exc, BaseException, "an exception")
    oom_type = getattr(torch, "OutOfMemoryError", None) or torch.cuda.OutOfMemoryError
    if isinstance(exc, oom_type):
        return True
    if isinstance(exc, (RuntimeError, MemoryError)):
        text = str(exc).lower()
        return isinstance(exc, MemoryError) or "out of memory" in text or \
            "can't allocate memory" in text
    return False


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def _free(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps":
        torch.mps.empty_cache()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level stderr (the profiler logs a line when it starts and stops)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


def _cpu_peak_from_profiler(step: Callable[[], Any]) -> int | None:
    from torch.profiler import ProfilerActivity, profile

    try:
        with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU],
                                      profile_memory=True) as prof:
            step()
        events = prof.profiler.kineto_results.events()
        memory = sorted((e.start_ns(), e.nbytes()) for e in events if e.name() == "[memory]")
    except (RuntimeError, AttributeError) as exc:  # profiler busy or its API changed
        if is_out_of_memory(exc):
            raise
        log.info("CPU memory profiling unavailable: %s", exc)
        return None
    running = peak = 0
    for _, nbytes in memory:
        running += nbytes
        peak = max(peak, running)
    return int(peak)


def peak_step_memory(step: Callable[[], Any], device: torch.device) -> tuple[int | None, str]:
    """Peak bytes allocated while ``step()`` runs, above those allocated before it, and the name of
    the method used (see the module docstring). ``None`` where it cannot be measured."""
    _checks.function("step", step)
    _checks.torch_device("device", device)
    if device.type == "cuda":
        _sync(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        step()
        _sync(device)
        return int(torch.cuda.max_memory_allocated(device) - base), "torch.cuda.max_memory_allocated"
    if device.type == "cpu":
        peak = _cpu_peak_from_profiler(step)
        return peak, "torch.profiler CPU allocator events" if peak is not None else "unavailable"
    return None, "unavailable"


def _step_fn(model: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
             y: torch.Tensor, amp_dtype: torch.dtype | None, device: torch.device) -> Callable:
    autocast = (torch.autocast(device.type, dtype=amp_dtype) if amp_dtype is not None
                else contextlib.nullcontext())

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with autocast:
            loss = F.cross_entropy(model(X), y)
        loss.backward()
        optimizer.step()

    return step


@dataclass
class ThroughputResult:
    """Per batch size that fitted: examples/s of a full training step (median over repeats),
    seconds per step, and peak step memory in bytes (empty if not measured). ``oom_batch_size`` is
    the first batch size that ran out of memory (None if all fitted)."""

    batch_sizes: np.ndarray
    samples_per_s: np.ndarray
    step_seconds: np.ndarray
    peak_memory_bytes: np.ndarray
    memory_method: str
    oom_batch_size: int | None
    requested: np.ndarray
    device: str

    @property
    def max_batch_size(self) -> int:
        """The largest batch size that fitted."""
        return int(self.batch_sizes[-1])

    @property
    def best_batch_size(self) -> int:
        """The batch size with the highest throughput."""
        return int(self.batch_sizes[int(np.argmax(self.samples_per_s))])

    def table(self) -> str:
        """A plain-text table, one row per batch size."""
        has_mem = self.peak_memory_bytes.size == self.batch_sizes.size
        lines = [f"device: {self.device}; memory: {self.memory_method}",
                 f"{'batch':>7} {'examples/s':>12} {'ms/step':>9}" + (
                     f" {'peak MiB':>10} {'KiB/example':>12}" if has_mem else "")]
        for i, b in enumerate(self.batch_sizes):
            row = f"{b:>7d} {self.samples_per_s[i]:>12,.0f} {1e3 * self.step_seconds[i]:>9.3f}"
            if has_mem:
                mem = self.peak_memory_bytes[i]
                row += f" {mem / 2**20:>10.2f} {mem / b / 2**10:>12.2f}"
            lines.append(row)
        if self.oom_batch_size is not None:
            lines.append(f"out of memory at batch size {self.oom_batch_size}; the largest that "
                         f"fitted is {self.max_batch_size}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        oom = "" if self.oom_batch_size is None else f", out of memory at {self.oom_batch_size}"
        return (f"ThroughputResult({len(self.batch_sizes)} batch sizes {self.batch_sizes[0]}.."
                f"{self.max_batch_size} on {self.device}, best {self.best_batch_size} at "
                f"{self.samples_per_s.max():,.0f} examples/s{oom})")

    def plot(self, axes: Any = None) -> Any:
        """Examples/s and peak memory against the batch size (log-log)."""
        import matplotlib.pyplot as plt

        has_mem = self.peak_memory_bytes.size == self.batch_sizes.size
        if axes is None:
            fig, axes = plt.subplots(1, 2 if has_mem else 1, figsize=(10 if has_mem else 5, 3.4),
                                     layout="constrained", squeeze=False)
        fig = np.ravel(axes)[0].figure
        ax = np.ravel(axes)[0]
        ax.plot(self.batch_sizes, self.samples_per_s, "o-")
        ax.set(xscale="log", yscale="log", xlabel="batch size", ylabel="examples / s",
               title=f"Throughput on {self.device}")
        whole_number_ticks(ax.xaxis, spread_ticks(self.batch_sizes))
        if self.oom_batch_size is not None:
            ax.axvline(self.oom_batch_size, color="r", ls=":", label="out of memory")
            ax.legend(loc="lower right")
        if has_mem and len(np.ravel(axes)) > 1:
            ax2 = np.ravel(axes)[1]
            ax2.plot(self.batch_sizes, np.maximum(self.peak_memory_bytes, 1) / 2**20, "o-")
            ax2.set(xscale="log", yscale="log", xlabel="batch size", ylabel="peak MiB per step",
                    title="Memory")
            whole_number_ticks(ax2.xaxis, spread_ticks(self.batch_sizes))
        return fig


def measure_throughput(
    batch_sizes: Sequence[int] = DEFAULT_BATCH_SIZES,
    *,
    model: nn.Module | None = None,
    input_shape: Sequence[int] = (64,),
    n_classes: int = 10,
    steps: int = 10,
    warmup: int = 2,
    repeats: int = 3,
    memory: bool = True,
    amp: bool | torch.dtype = False,
    lr: float = 0.01,
    seed: int = 0,
    threads: int | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> ThroughputResult:
    """Time full training steps (forward, cross-entropy, backward, SGD step) at each batch size,
    in increasing order, on random inputs of ``input_shape`` (speed and memory do not depend on
    the values). ``model`` defaults to an MLP 64-512-512-10. Rounds of ``steps`` timed steps are
    interleaved over the batch sizes ``repeats`` times and the median round kept, so a burst of
    load on a shared machine does not favour one batch size. The first batch size that runs out
    of memory stops the sweep cleanly and is reported as ``oom_batch_size``; if even the smallest
    does not fit, this raises ``RuntimeError`` saying so. ``threads`` sets torch's CPU threads
    for the measurement (None: as they are).
    """
    if threads is not None:
        threads = _checks.integer("threads", threads, minimum=1)
    dev = resolve_device(device)
    with cpu_threads(dev, threads):
        return _measure(batch_sizes, model, input_shape, n_classes, steps, warmup, repeats, memory,
                        amp, lr, seed, dev, progress)


def _measure(batch_sizes: Sequence[int], model: nn.Module | None, input_shape: Sequence[int],
             n_classes: int, steps: int, warmup: int, repeats: int, memory: bool,
             amp: bool | torch.dtype, lr: float, seed: int, dev: torch.device,
             progress: bool) -> ThroughputResult:
    from tqdm.auto import tqdm

    from .models import mlp

    sizes = _batch_sizes(batch_sizes)
    steps = _checks.at_most("steps", _checks.integer("steps", steps, minimum=1), 10**4)
    warmup = _checks.at_most("warmup", _checks.integer("warmup", warmup, minimum=0), 10**4)
    repeats = _checks.at_most("repeats", _checks.integer("repeats", repeats, minimum=1), 100)
    n_classes = _checks.integer("n_classes", n_classes, minimum=1)
    memory = _checks.flag("memory", memory)
    if isinstance(input_shape, str) or not isinstance(input_shape, Sequence) or not input_shape:
        raise TypeError(f"input_shape must be a non-empty sequence of sizes, got {input_shape!r}")
    shape = tuple(_checks.integer("input_shape", s, minimum=1) for s in input_shape)
    lr = _checks.positive("lr", lr)
    seed = _checks.integer("seed", seed, minimum=0)
    amp_dtype = autocast_dtype(dev, amp)
    if model is None:
        model = mlp(int(np.prod(shape)), (512, 512), n_classes, seed=seed)
    else:
        _checks.module("model", model)
    model.to(dev).train()
    dtype = next(model.parameters()).dtype
    _checks.model_data(model, torch.zeros((2, *shape), dtype=dtype, device=dev),
                       torch.full((2,), n_classes - 1, device=dev), x_name="input_shape",
                       y_name="n_classes")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)

    def make_step(b: int) -> Callable[[], None]:
        gen = torch.Generator(device="cpu").manual_seed(seed * 1_000_003 + b)
        X = torch.randn((b, *shape), generator=gen, dtype=dtype).to(dev)
        y = torch.randint(0, n_classes, (b,), generator=gen).to(dev)
        return _step_fn(model, optimizer, X, y, amp_dtype, dev)

    fitted: list[int] = []
    mem: list[int] = []
    method = "not measured"
    oom: int | None = None
    bar = tqdm(total=len(sizes) * (repeats + 1), disable=not progress, unit="run",
               desc="throughput")
    # pass 1, increasing B: build each batch, warm up, measure memory; stop at the first OOM
    for b in sizes:
        out_of_memory = False
        try:
            step = make_step(b)
            for _ in range(warmup):
                step()
            _sync(dev)
            if memory:
                optimizer.zero_grad(set_to_none=True)
                peak, method = peak_step_memory(step, dev)
                if peak is not None:
                    mem.append(peak)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            out_of_memory = True
            if not fitted:
                bar.close()
                raise RuntimeError(
                    f"batch size {b} ran out of memory on {describe_device(dev)}: even the "
                    f"smallest batch size requested does not fit; try smaller batch sizes or a "
                    f"smaller model") from exc
        step = None
        if out_of_memory:  # outside the except block: the traceback no longer pins tensors
            optimizer.zero_grad(set_to_none=True)
            _free(dev)
            oom = b
            msg = f"batch size {b} ran out of memory on {describe_device(dev)}"
            log.info(msg)
            bar.write(f"{msg}; stopping at {fitted[-1]}")
            break
        fitted.append(b)
        bar.update(1)
    bar.total = len(fitted) * (repeats + 1)
    bar.refresh()

    # pass 2: timed rounds, interleaved over batch sizes
    times: dict[int, list[float]] = {b: [] for b in fitted}
    for _ in range(repeats):
        for b in fitted:
            step = make_step(b)
            step()  # re-warm after switching shapes
            _sync(dev)
            start = time.perf_counter()
            for _ in range(steps):
                step()
            _sync(dev)
            times[b].append((time.perf_counter() - start) / steps)
            step = None
            bar.update(1)
    bar.close()
    optimizer.zero_grad(set_to_none=True)
    _free(dev)

    step_s = np.array([statistics.median(times[b]) for b in fitted])
    b_arr = np.array(fitted, dtype=int)
    return ThroughputResult(
        batch_sizes=b_arr, samples_per_s=b_arr / step_s, step_seconds=step_s,
        peak_memory_bytes=np.array(mem, dtype=float) if len(mem) == len(fitted) else np.empty(0),
        memory_method=method if len(mem) == len(fitted) else "unavailable",
        oom_batch_size=oom, requested=np.array(sizes, dtype=int), device=describe_device(dev))


def _batch_sizes(batch_sizes: Sequence[int]) -> list[int]:
    if isinstance(batch_sizes, (int, np.integer)):
        batch_sizes = [batch_sizes]
    try:
        values = list(batch_sizes)
    except TypeError as exc:
        raise TypeError(f"batch_sizes must be a sequence of integers >= 1, got {batch_sizes!r}") \
            from exc
    if not values:
        raise ValueError("batch_sizes must not be empty")
    return sorted({_checks.integer("batch_sizes", b, minimum=1) for b in values})


@dataclass
class PowersOfTwoResult:
    """For each ``2^k``: throughput at ``2^k - 1``, ``2^k``, ``2^k + 1`` and ``1.5 * 2^k``, and
    the per-example time relative to ``2^k`` (``> 1`` means slower per example than ``2^k``).
    Measured, not assumed: whether powers of two win depends on the device and the model."""

    powers: np.ndarray
    neighbours: dict[str, np.ndarray]
    samples_per_s: dict[str, np.ndarray]
    throughput: ThroughputResult

    def relative_time_per_example(self, label: str) -> np.ndarray:
        """Time per example at ``label`` (``"2^k-1"``, ``"2^k+1"``, ``"1.5*2^k"``) divided by the
        time per example at ``2^k``, for each k."""
        return self.samples_per_s["2^k"] / self.samples_per_s[label]

    def summary(self) -> str:
        """One line per comparison, with what was measured."""
        lines = [f"powers of two on {self.throughput.device} (time per example relative to 2^k;"
                 " > 1: 2^k is faster)"]
        for label in ("2^k-1", "2^k+1", "1.5*2^k"):
            ratio = self.relative_time_per_example(label)
            wins = int(np.sum(ratio > 1))
            cells = ", ".join(f"k={int(np.log2(p))}: {r:.3f}" for p, r in zip(self.powers, ratio,
                                                                                 strict=True))
            lines.append(f"  {label:>8} vs 2^k: {cells}  (2^k faster in {wins} of {len(ratio)})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def plot(self, ax: Any = None) -> Any:
        """Throughput against the batch size, with the powers of two marked."""
        ax = new_axes(ax, (6, 3.6), pyplot=True)
        fig = ax.figure
        t = self.throughput
        ax.plot(t.batch_sizes, t.samples_per_s, "-", color="0.6", lw=1, zorder=1)
        markers = {"2^k-1": "v", "2^k": "o", "2^k+1": "^", "1.5*2^k": "s"}
        names = {"2^k-1": "$B = 2^k - 1$", "2^k": "$B = 2^k$", "2^k+1": "$B = 2^k + 1$",
                 "1.5*2^k": r"$B = 1.5 \cdot 2^k$"}
        for label, marker in markers.items():
            ax.scatter(self.neighbours[label], self.samples_per_s[label], marker=marker,
                       label=names[label], zorder=2, s=50 if label == "2^k" else 25)
        ax.set(xscale="log", xlabel="batch size", ylabel="examples / s",
               title=f"Powers of two? Throughput on {t.device}")
        whole_number_ticks(ax.xaxis, self.powers)
        ax.legend(fontsize="small")
        return fig


def powers_of_two(
    ks: Sequence[int] = (4, 5, 6, 7, 8),
    **kwargs: Any,
) -> PowersOfTwoResult:
    """Measure ``2^k - 1, 2^k, 2^k + 1, 1.5 * 2^k`` for each ``k`` with :func:`measure_throughput`
    (keyword arguments are passed on) and line them up. If a size runs out of memory, the ks whose
    four sizes did not all fit are dropped."""
    if isinstance(ks, str) or not isinstance(ks, Sequence):
        raise TypeError(f"ks must be a sequence of exponents in [1, 30], got {ks!r}")
    ks = sorted({_checks.integer("ks", k, minimum=1, maximum=30) for k in ks})
    if not ks:
        raise ValueError("ks must not be empty")
    labels = {"2^k-1": lambda p: p - 1, "2^k": lambda p: p, "2^k+1": lambda p: p + 1,
              "1.5*2^k": lambda p: 3 * p // 2}
    sizes = sorted({f(2**k) for k in ks for f in labels.values()})
    result = measure_throughput(sizes, **kwargs)
    rate = dict(zip(result.batch_sizes.tolist(), result.samples_per_s.tolist(), strict=True))
    kept = [2**k for k in ks if all(f(2**k) in rate for f in labels.values())]
    if not kept:
        raise RuntimeError(f"out of memory at batch size {result.oom_batch_size} before any k "
                           f"could be compared; use smaller ks")
    powers = np.array(kept)
    return PowersOfTwoResult(
        powers=powers,
        neighbours={name: np.array([f(p) for p in kept]) for name, f in labels.items()},
        samples_per_s={name: np.array([rate[f(p)] for p in kept]) for name, f in labels.items()},
        throughput=result)
