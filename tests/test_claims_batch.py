"""Seed claims about the batch size measured with lrlearn.batch: generalisation of large batches
(fast setting, verdict, and an independent re-run of one of its measurements)."""

from __future__ import annotations

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
    assert ev.claim.judge(ev.numbers) is ev.verdict
    n = ev.numbers
    assert n["both_reached_target"] is True
    assert n["seeds"] >= 5 and n["joint_seeds_reached"] == n["fixed_lr_seeds_reached"] == 5
    # at equal epochs the full batch has taken a handful of steps: far worse on test, every seed
    assert n["joint_epochs_large_worse"] is True
    # trained to the same loss it is not worse, with the rate scaled or at a fixed rate
    assert n["joint_training_loss_large_worse"] is False
    assert n["fixed_lr_training_loss_large_worse"] is False
    assert ev.verdict is ClaimVerdict.CAVEATS, ev.measurement.finding
    # at a fixed rate B alone changes: the full batch ends sharper (no minibatch noise)
    assert n["fixed_lr_large_sharper"] is True


def test_generalization_intervals_are_paired_over_the_seeds(generalization):
    """Recompute one interval from the per-seed results with scipy's t quantile."""
    from scipy import stats as sps

    results = generalization.measurement.extra["results"]["fixed_lr"]
    d = np.array([g.test_accuracy[0, 0] - g.test_accuracy[0, 1] for g in results])
    half = sps.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    n = generalization.numbers
    assert n["fixed_lr_training_loss_gap_mean"] == pytest.approx(d.mean())
    assert n["fixed_lr_training_loss_gap_low"] == pytest.approx(d.mean() - half)
    assert n["fixed_lr_training_loss_gap_high"] == pytest.approx(d.mean() + half)
    assert n["fixed_lr_training_loss_large_better"] is bool(d.mean() + half < 0)
    # the seeds differ (initial weights, minibatch order) and pair the two batch sizes
    assert len({round(float(x), 9) for x in d}) > 1
    assert [g.lrs.tolist() for g in results] == [[1.0, 1.0]] * len(results)


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
    assert problem.accuracy(w, "test") == pytest.approx(g.test_accuracy[1, 1], abs=1e-12)
    assert problem.loss(w) == pytest.approx(g.train_loss[1, 1], rel=1e-9)


@given(st.booleans(), st.booleans(), st.booleans())
def test_generalization_rule(joint, fixed, at_epochs):
    v = batch_size._judge_generalization({"joint_training_loss_large_worse": joint,
                                          "fixed_lr_training_loss_large_worse": fixed,
                                          "joint_epochs_large_worse": at_epochs})
    assert v is (ClaimVerdict.HOLDS if joint and fixed else
                 ClaimVerdict.CAVEATS if joint or fixed or at_epochs else ClaimVerdict.FAILS)


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
