"""Transfer learning with discriminative learning rates: exact limiting cases and real learning."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep.models import mlp  # noqa: E402
from lrlearn.deep.transfer import (  # noqa: E402
    STRATEGIES,
    TransferResult,
    param_groups,
    transfer_experiment,
)

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]


FAST = {"hidden": (64,), "pretrain_epochs": 2, "n_finetune": 60, "finetune_epochs": 4,
        "progress": False, "device": "cpu"}


@pytest.fixture(scope="module")
def result():
    return transfer_experiment(**FAST)


def test_all_strategies_learn(result):
    assert isinstance(result, TransferResult)
    assert set(result.final_accuracy) == set(STRATEGIES)
    assert result.pretrain_accuracy > 0.95  # an MLP separates digits 0-4 almost perfectly
    for name, acc in result.test_accuracy.items():
        assert acc.shape == (4,)
        assert acc[-1] > 0.5, name  # 5 classes: chance is 0.2
    assert result.histories["single"].steps == 4 * 4  # 60 examples / batch 16 -> 4 steps
    assert result.lrs["discriminative"] == pytest.approx({"body": 0.03, "head": 0.1})
    assert result.lrs["frozen"] == {"head": 0.1}
    assert "fine-tuned on 60 examples" in result.summary()


@pytest.mark.parametrize("factor,twin", [(0.0, "frozen"), (1.0, "single")])
def test_limits_of_the_body_factor(result, factor, twin):
    # body lr 0 is a frozen body; body lr = head lr is one lr for all: same numbers exactly
    other = transfer_experiment(strategies=("discriminative",), body_factor=factor, **FAST)
    np.testing.assert_array_equal(other.histories["discriminative"].loss,
                                  result.histories[twin].loss)
    np.testing.assert_array_equal(other.test_accuracy["discriminative"],
                                  result.test_accuracy[twin])


def test_param_groups_split_body_and_head():
    model = mlp(64, (32, 16), 5)
    groups = param_groups(model, 0.2, 0.25)
    assert [g["name"] for g in groups] == ["body", "head"]
    assert groups[0]["lr"] == pytest.approx(0.05) and groups[1]["lr"] == 0.2
    assert len(groups[0]["params"]) == 4 and groups[1]["params"][0] is model[-1].weight
    n = sum(p.numel() for g in groups for p in g["params"])
    assert n == sum(p.numel() for p in model.parameters())


def test_plot(result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = result.plot()
    assert len(fig.axes[0].lines) == len(STRATEGIES)
    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"source": (1,)}, ValueError, "source must be at least two distinct digits"),
        ({"target": (5, 5, 6)}, ValueError, "target must be at least two distinct"),
        ({"target": (5, 10)}, ValueError, "target must be in"),
        ({"strategies": ("greedy",)}, ValueError, "strategies must be one of"),
        ({"strategies": ()}, ValueError, "strategies must name"),
        ({"n_finetune": 100_000}, ValueError, "n_finetune must be in"),
        ({"head_lr": 0}, ValueError, "head_lr must be > 0"),
        ({"body_factor": -0.1}, ValueError, "body_factor must be >= 0"),
        ({"hidden": ()}, ValueError, "hidden must have at least one layer"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        transfer_experiment(**{**FAST, **kwargs})
