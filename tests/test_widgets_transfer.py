"""The transfer-learning view: a thin, cached view of lrlearn.deep.transfer_experiment."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.widgets import live, precomputed  # noqa: E402
from lrlearn.widgets.transfer_views import TransferView, fast_transfer  # noqa: E402

pytestmark = pytest.mark.torch
SMALL = {"pretrain_epochs": 2, "finetune_epochs": 3}


def test_body_factor_limits_are_the_other_strategies():
    one = fast_transfer(1.0, 40, head_lr=0.1, **SMALL)
    zero = fast_transfer(0.0, 40, head_lr=0.1, **SMALL)
    # body at the head's rate is one lr for all; body at rate 0 is a frozen body
    assert np.array_equal(one.test_accuracy["discriminative"], one.test_accuracy["single"])
    assert np.array_equal(zero.test_accuracy["discriminative"], zero.test_accuracy["frozen"])
    assert one.lrs["discriminative"] == {"body": 0.1, "head": 0.1}
    mid = fast_transfer(0.3, 40, head_lr=0.2, **SMALL)
    assert mid.lrs["discriminative"] == pytest.approx({"body": 0.06, "head": 0.2})
    assert mid.n_finetune == 40 and len(mid.test_accuracy["scratch"]) == SMALL["finetune_epochs"]


def test_cached_and_thread_count_restored():
    before = torch.get_num_threads()
    a = fast_transfer(0.3, 40, **SMALL)
    assert fast_transfer(0.3, 40, **SMALL) is a
    assert torch.get_num_threads() == before


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((1.5, 40), {}, "body_factor"),
        ((-0.1, 40), {}, "body_factor"),
        ((0.3, 0), {}, "n_finetune"),
        ((0.3, 40), {"head_lr": 0.0}, "head_lr"),
        ((0.3, 40), {"seed": -1}, "seed"),
    ],
)
def test_bad_input(args, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fast_transfer(*args, **kwargs)


def test_live_and_precomputed_views():
    view = TransferView(n_finetune=40, **SMALL)
    w = live(view)
    before = w.output.value
    w.set(body_factor=1.0, head_lr=0.3)
    assert w.output.value != before and w.message.value == ""
    assert "body lr 0.3, head lr 0.3" in view.heading.get_text()
    single = fast_transfer(1.0, 40, head_lr=0.3, **SMALL).test_accuracy["single"]
    assert np.array_equal(view.lines["discriminative"].get_ydata(), single)
    w.close()
    pre = precomputed(
        TransferView(n_finetune=40, **SMALL), grid={"body_factor": (0.0, 1.0), "head_lr": (0.3,)}
    )
    assert len(pre.images) == 2 and pre.images[0].value != pre.images[1].value
    pre.close()


def test_pretraining_helps_on_the_notebook_setting():
    """The notebook's result: with 30 examples of the negative digits and each strategy at its best
    head lr, fine-tuning the pre-trained network beats training from scratch on every seed, so
    the paired interval lies above 0."""
    from lrlearn.widgets.transfer_views import fast_tuned

    tuned = fast_tuned()
    assert np.all(tuned.final["single"] > tuned.final["scratch"])
    assert tuned.paired("single", "scratch").above(0)
    assert tuned.paired("frozen", "scratch").above(0)
