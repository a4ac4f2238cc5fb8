"""Throughput and memory vs batch size: clean stop at out-of-memory, an exact memory measure,
and the powers-of-two comparison reported as measured."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep.throughput import (  # noqa: E402
    PowersOfTwoResult,
    ThroughputResult,
    is_out_of_memory,
    measure_throughput,
    peak_step_memory,
    powers_of_two,
)

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]


FAST = {"steps": 2, "warmup": 1, "repeats": 1, "progress": False, "device": "cpu", "threads": 1}


class OOMAbove(torch.nn.Module):
    """A tiny model whose forward fails like a GPU that is full above ``limit`` examples."""

    def __init__(self, limit, error=None):
        super().__init__()
        self.limit = limit
        self.error = error or torch.cuda.OutOfMemoryError(
            "CUDA out of memory. Tried to allocate 2.00 GiB")
        self.lin = torch.nn.Linear(8, 3)
        self.calls = []

    def forward(self, x):
        self.calls.append(len(x))
        if len(x) > self.limit:
            raise self.error
        return self.lin(x)


def test_simulated_oom_stops_cleanly():
    model = OOMAbove(20)
    res = measure_throughput([1, 2, 4, 8, 16, 32, 64], model=model, input_shape=(8,),
                             n_classes=3, **FAST)
    assert isinstance(res, ThroughputResult)
    assert res.batch_sizes.tolist() == [1, 2, 4, 8, 16]
    assert res.oom_batch_size == 32 and res.max_batch_size == 16
    assert 64 not in model.calls  # it stopped at the first failure
    assert "out of memory at batch size 32" in res.table()
    assert "out of memory at 32" in repr(res)
    assert np.all(res.samples_per_s > 0) and res.samples_per_s.shape == (5,)
    assert res.requested.tolist() == [1, 2, 4, 8, 16, 32, 64]


@pytest.mark.parametrize("error", [
    RuntimeError("CUDA error: out of memory"),
    RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: "
                 "you tried to allocate 1099511627776 bytes."),
    MemoryError(),
])
def test_other_oom_messages(error):
    res = measure_throughput([2, 3, 5], model=OOMAbove(3, error), input_shape=(8,), n_classes=3,
                             memory=False, **FAST)
    assert res.batch_sizes.tolist() == [2, 3] and res.oom_batch_size == 5
    assert res.peak_memory_bytes.size == 0 and res.memory_method == "unavailable"


def test_other_errors_propagate():
    with pytest.raises(ValueError, match="input_shape: the model cannot take inputs"):
        measure_throughput([4], model=torch.nn.Linear(7, 3), input_shape=(8,), **FAST)
    assert not is_out_of_memory(ValueError("out of memory"))


def test_nothing_fits_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"batch size 4 ran out of memory.*smallest"):
        measure_throughput([4, 8], model=OOMAbove(2), input_shape=(8,), n_classes=3, **FAST)


def test_cpu_peak_memory_is_exact():
    mib = 2**20

    def step():
        a = torch.ones(3 * mib, dtype=torch.uint8)
        b = torch.ones(2 * mib, dtype=torch.uint8)
        del a
        c = torch.ones(5 * mib, dtype=torch.uint8)
        return b, c  # freed when the step returns; peak is b + c = 7 MiB

    peak, method = peak_step_memory(step, torch.device("cpu"))
    assert method.startswith("torch.profiler")
    assert peak == 7 * mib


def test_memory_grows_linearly_with_batch():
    # one linear layer 64 -> 10 in float32: the input is allocated before the step, so what grows
    # with B is a few rows of 10 floats (logits, log-softmax, gradients): 40 bytes each
    res = measure_throughput([256, 512, 1024, 2048], model=torch.nn.Linear(64, 10), **FAST)
    mem = res.peak_memory_bytes
    assert mem.shape == (4,) and np.all(np.diff(mem) > 0)
    slopes = np.diff(mem) / np.diff(res.batch_sizes)
    np.testing.assert_allclose(slopes, slopes[-1], rtol=0.02)  # linear in B
    assert slopes[-1] % 40 == 0 and 2 <= slopes[-1] / 40 <= 6


def test_default_model_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = measure_throughput([1, 8, 64], **FAST)
    assert res.best_batch_size in (1, 8, 64)
    assert "examples/s" in res.table() and "peak MiB" in res.table()
    fig = res.plot()
    assert len(fig.axes) == 2
    plt.close(fig)


def test_powers_of_two_lines_up_neighbours():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    res = powers_of_two((3, 4), model=torch.nn.Linear(64, 10), memory=False, **FAST)
    assert isinstance(res, PowersOfTwoResult)
    assert res.powers.tolist() == [8, 16]
    assert res.neighbours["2^k-1"].tolist() == [7, 15]
    assert res.neighbours["2^k+1"].tolist() == [9, 17]
    assert res.neighbours["1.5*2^k"].tolist() == [12, 24]
    t = res.throughput
    rate = dict(zip(t.batch_sizes.tolist(), t.samples_per_s.tolist(), strict=True))
    expected = rate[8] / rate[9]  # reported as measured: (time/example at 9) / (at 8)
    assert res.relative_time_per_example("2^k+1")[0] == pytest.approx(expected)
    assert "2^k faster in" in res.summary()
    plt.close(res.plot())


def test_powers_of_two_drops_ks_that_do_not_fit():
    res = powers_of_two((2, 3, 4), model=OOMAbove(12), input_shape=(8,), n_classes=3,
                        memory=False, **FAST)
    assert res.powers.tolist() == [4, 8]  # 1.5 * 8 = 12 fits, 15 does not
    assert res.throughput.oom_batch_size == 15


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"batch_sizes": []}, ValueError, "batch_sizes must not be empty"),
        ({"batch_sizes": [0, 4]}, ValueError, "batch_sizes must be >= 1"),
        ({"batch_sizes": [2.5]}, TypeError, "batch_sizes must be an integer"),
        ({"batch_sizes": None}, TypeError, "batch_sizes must be a sequence"),
        ({"steps": 0}, ValueError, "steps must be >= 1"),
        ({"threads": 0}, ValueError, "threads must be >= 1"),
        ({"model": "resnet"}, TypeError, "model must be"),
        ({"device": "cuda:x"}, ValueError, "device must be one of"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    args = {**FAST, "batch_sizes": [4], **kwargs}
    with pytest.raises(exc, match=match):
        measure_throughput(**args)


def test_bad_ks():
    with pytest.raises(ValueError, match="ks must be in"):
        powers_of_two((0, 3), **FAST)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_memory_and_real_oom_free():
    res = measure_throughput([64, 1024], device="cuda", progress=False)
    assert res.memory_method == "torch.cuda.max_memory_allocated"
    assert res.peak_memory_bytes[1] > res.peak_memory_bytes[0] > 0
