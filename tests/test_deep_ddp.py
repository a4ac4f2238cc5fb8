"""Data parallel: W workers at batch b take the same steps as one process at batch W*b, with the
linearly scaled learning rate; world sizes that do not divide the data are refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from lrlearn.deep.ddp import (  # noqa: E402
    DDPConfig,
    data_parallel_check,
    linear_scaled_lr,
    shard_size,
    single_process,
)

pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def check():
    # 2 CPU processes (gloo), 3 steps of 2 x 16 examples, SGD with momentum, float64
    return data_parallel_check(2, per_worker_batch=16, base_lr=0.05, base_batch=16, n=96,
                               momentum=0.9, timeout=180)


def test_ddp_equals_single_process_at_global_batch(check):
    assert check.global_batch == 32
    assert len(check.ddp_loss) == 3
    assert check.max_abs_diff < 1e-6
    np.testing.assert_allclose(check.ddp_loss, check.single_loss, rtol=1e-9)
    assert check.workers_agree == 0.0  # every replica holds the same weights
    assert "max |DDP - single process|" in repr(check)


def test_linear_scaling_rule_applied(check):
    assert check.lr == pytest.approx(0.05 * 32 / 16)
    # the comparison can fail: the single process at the unscaled lr ends elsewhere
    cfg = DDPConfig(per_worker_batch=32, base_lr=0.05, base_batch=32, n=96, momentum=0.9,
                    float64=True)
    _, unscaled = single_process(cfg, 1)
    assert np.max(np.abs(unscaled - check.ddp_params)) > 1e-4


def test_plot(check):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = check.plot()
    assert len(fig.axes[0].lines) == 2
    plt.close(fig)


def test_linear_scaled_lr():
    assert linear_scaled_lr(0.1, 256, 1024) == pytest.approx(0.4)
    assert linear_scaled_lr(0.1, 256, 64) == pytest.approx(0.025)
    with pytest.raises(ValueError, match="base_lr must be > 0"):
        linear_scaled_lr(0.0, 256, 64)
    with pytest.raises(ValueError, match="batch must be >= 1"):
        linear_scaled_lr(0.1, 256, 0)


def test_world_size_must_divide_the_data():
    assert shard_size(1348, 2) == 674
    with pytest.raises(ValueError, match=r"world_size=3 does not divide the 1348 .*remainder 1"):
        shard_size(1348, 3)
    assert shard_size(1348, 3, drop_last=True) == 449
    with pytest.raises(ValueError, match="larger than the 2 examples"):
        shard_size(2, 4)
    # refused before any worker starts
    with pytest.raises(ValueError, match="world_size=3 does not divide the 128"):
        data_parallel_check(3, n=128)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"per_worker_batch": 0}, ValueError, "per_worker_batch must be >= 1"),
        ({"base_lr": -1.0}, ValueError, "base_lr must be > 0"),
        ({"momentum": 1.0}, ValueError, "momentum must be in"),
        ({"backend": "mpi"}, ValueError, "backend must be one of"),
        ({"hidden": (0,)}, ValueError, "hidden must be >= 1"),
    ],
)
def test_bad_config(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        DDPConfig(**kwargs)


def test_bad_world_size_and_timeout():
    with pytest.raises(ValueError, match="world_size must be in"):
        data_parallel_check(0)
    with pytest.raises(ValueError, match="timeout must be > 0"):
        data_parallel_check(2, timeout=0)


@given(n=st.integers(1, 5000), world=st.integers(1, 64), drop_last=st.booleans())
def test_shard_size_property(n, world, drop_last):
    if n < world or (n % world and not drop_last):
        with pytest.raises(ValueError, match=f"world_size={world}"):
            shard_size(n, world, drop_last=drop_last)
    else:
        size = shard_size(n, world, drop_last=drop_last)
        assert size * world <= n < (size + 1) * world
        assert drop_last or size * world == n
