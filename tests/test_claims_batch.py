"""Seed claims about the batch size measured with lrlearn.batch: generalisation of large batches
(fast setting, verdict, and an independent re-run of one of its measurements)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlearn import claims
from lrlearn.claims import ClaimVerdict, batch_size


@pytest.fixture(scope="module")
def generalization():
    return claims.check("large-batches-generalise-worse", fast=True)


def test_generalization_verdict(generalization):
    ev = generalization
    assert ev.verdict is ClaimVerdict.CAVEATS, ev.measurement.finding
    assert ev.claim.judge(ev.numbers) is ev.verdict
    n = ev.numbers
    assert n["both_reached_target"] is True
    assert n["training_loss_large_significantly_worse"] is False
    assert n["epochs_large_significantly_worse"] is True


def test_two_standard_errors():
    # binomial standard error of a difference of two proportions on n examples each
    assert batch_size._two_se(0.9, 0.8, 100) == pytest.approx(2 * math.sqrt(0.0009 + 0.0016))
    assert batch_size._two_se(1.0, 1.0, 50) == 0.0


def test_equal_epochs_large_batch_rerun_by_hand(generalization):
    """The full-batch run at equal epochs is plain gradient descent: re-run it with the problem's
    own gradient and a hand-written loop, and get the same test accuracy."""
    from lrlearn.batch._common import default_problem

    g = generalization.measurement.extra["result"]
    problem = default_problem("mlp")
    steps = int(g.steps[1, 1])
    lr = float(g.lrs[1])
    w = problem.init_params(0)
    for _ in range(steps):
        w = w - lr * problem.loss_and_grad(w)[1]
    assert problem.accuracy(w, "test") == pytest.approx(
        generalization.numbers["epochs_test_acc_large"], abs=1e-12)
    assert problem.loss(w) == pytest.approx(g.train_loss[1, 1], rel=1e-9)
    assert np.isfinite(generalization.numbers["epochs_two_se"])


@given(st.booleans(), st.booleans())
def test_generalization_rule(at_loss, at_epochs):
    v = batch_size._judge_generalization({"training_loss_large_significantly_worse": at_loss,
                                          "epochs_large_significantly_worse": at_epochs})
    assert v is (ClaimVerdict.HOLDS if at_loss else
                 ClaimVerdict.CAVEATS if at_epochs else ClaimVerdict.FAILS)


@pytest.fixture(scope="module")
def powers():
    return claims.check("powers-of-two-faster", fast=True)


@pytest.mark.torch
def test_powers_of_two_numbers(powers):
    import torch

    ev = powers
    assert ev.claim.judge(ev.numbers) is ev.verdict
    r = ev.measurement.extra["result"]
    thr = r.samples_per_s
    advantage = np.minimum(thr["2^k"] / thr["2^k-1"], thr["2^k"] / thr["2^k+1"])
    assert ev.numbers["median_advantage"] == pytest.approx(float(np.median(advantage)))
    assert [row["2^k advantage over both neighbours"] for row in ev.measurement.rows] == (
        pytest.approx(advantage.tolist()))
    assert np.array_equal(r.neighbours["2^k"], 2 ** np.array([row["k"] for row in
                                                              ev.measurement.rows]))
    assert ev.numbers["measured_on_gpu"] is torch.cuda.is_available()
    if not torch.cuda.is_available():
        # a CPU has no tile quantisation: one example more or less costs about one example's time,
        # so no power-of-two advantage beyond timing noise
        assert ev.verdict is not ClaimVerdict.HOLDS
        assert "GPU part was not measured" in ev.measurement.finding


@pytest.mark.cuda
def test_powers_of_two_on_cuda(powers):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    assert powers.numbers["measured_on_gpu"] is True
    assert "GPU part was not measured" not in powers.measurement.finding


@given(st.floats(0.1, 3.0))
def test_powers_rule(advantage):
    v = batch_size._judge_powers({"median_advantage": advantage})
    assert v is (ClaimVerdict.HOLDS if advantage >= batch_size.POWER_OF_TWO_CLEAR else
                 ClaimVerdict.CAVEATS if advantage >= batch_size.POWER_OF_TWO_NOISE else
                 ClaimVerdict.FAILS)
