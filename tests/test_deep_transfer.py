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
    transfer_over_seeds,
    tune_head_lr,
)

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]


FAST = {"hidden": (64,), "pretrain_epochs": 3, "n_finetune": 60, "finetune_epochs": 4,
        "progress": False, "device": "cpu"}


@pytest.fixture(scope="module")
def result():
    return transfer_experiment(**FAST)


def test_all_strategies_learn(result):
    assert isinstance(result, TransferResult)
    assert set(result.final_accuracy) == set(STRATEGIES)
    assert result.pretrain_accuracy > 0.9  # an MLP separates the ten digits well
    for name, acc in result.test_accuracy.items():
        assert acc.shape == (4,)
        assert acc[-1] > 0.3, name  # 10 classes: chance is 0.1
    assert result.histories["single"].steps == 4 * 6  # 60 examples / batch 10 -> 6 steps
    assert result.lrs["discriminative"] == pytest.approx({"body": 0.003, "head": 0.03})
    assert result.lrs["frozen"] == {"head": 0.03}
    assert "fine-tuned on 60 examples of digits" in result.summary()
    assert "as negative images" in result.summary()


def test_negative_domain_is_one_minus_the_image():
    """The target task's test images are the negatives 1 - x of the digits: a model that has seen
    only upright digits does worse on them than on the originals, measured by hand."""
    from lrlearn.deep.models import digits_tensors
    from lrlearn.deep.train import evaluate, train

    X, y = digits_tensors("train")
    Xt, yt = digits_tensors("test")
    model = mlp(64, (64,), 10, seed=0)
    train(model, (X, y), torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9),
          batch_size=10, epochs=3, seed=0, device="cpu", progress=False)
    assert evaluate(model, Xt, yt) > 0.9
    assert evaluate(model, 1 - Xt, yt) < 0.5  # the shift is real: transfer has work to do


def test_fine_tuning_examples_are_drawn_by_the_seed():
    a = transfer_experiment(strategies=("frozen",), seed=1, **FAST)
    b = transfer_experiment(strategies=("frozen",), seed=1, **FAST)
    c = transfer_experiment(strategies=("frozen",), seed=2, **FAST)
    assert np.array_equal(a.histories["frozen"].loss, b.histories["frozen"].loss)
    assert not np.array_equal(a.histories["frozen"].loss, c.histories["frozen"].loss)


def test_over_seeds_pairs_the_strategies():
    from scipy import stats as sps

    runs = transfer_over_seeds((0, 1, 2), strategies=("single", "scratch"), **FAST)
    d = runs.final["single"] - runs.final["scratch"]
    ci = runs.paired("single", "scratch")
    half = sps.t.ppf(0.975, 2) * d.std(ddof=1) / np.sqrt(3)
    assert (ci.mean, ci.low, ci.high) == pytest.approx((d.mean(), d.mean() - half, d.mean() + half))
    assert runs.final["single"][1] == runs.results[1].final_accuracy["single"]
    assert "3 seeds" in runs.summary()
    with pytest.raises(ValueError, match="seeds must be"):
        transfer_over_seeds((0,), **FAST)


def test_tuning_keeps_each_strategy_at_its_best_rate():
    tuned = tune_head_lr((0.01, 0.03), (0, 1), strategies=("frozen", "scratch"), **FAST)
    for name, lr in tuned.best_lr.items():
        means = {x: tuned.by_lr[x].final[name].mean() for x in tuned.by_lr}
        assert means[lr] == max(means.values())
        assert np.array_equal(tuned.final[name], tuned.by_lr[lr].final[name])


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
        ({"target_domain": "rotated"}, ValueError, "target_domain must be one of"),
        ({"hidden": ()}, ValueError, "hidden must have at least one layer"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        transfer_experiment(**{**FAST, **kwargs})
