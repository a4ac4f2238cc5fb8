"""The Adam-era claims: each fast setting's verdict, the verdict being the judge applied to the
numbers, and the numbers checked against what they must be (closed forms, torch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("torch")

from lrlearn import claims
from lrlearn.claims import ClaimVerdict, adam_era

#: what the fast setting of each claim concludes here
EXPECTED = {
    "adam-first-step-sign": ClaimVerdict.HOLDS,
    "cohen-2022-adaptive-edge": ClaimVerdict.HOLDS,
    "damian-2023-self-stabilisation": ClaimVerdict.HOLDS,
    "wang-2024-adamw-timescale": ClaimVerdict.HOLDS,
    "malladi-2022-adam-sqrt-rule": ClaimVerdict.HOLDS,
    "li-2024-surge": ClaimVerdict.CAVEATS,
    "xiong-2020-warmup-post-ln": ClaimVerdict.FAILS,
    "kalra-2024-warmup-sharpness": ClaimVerdict.HOLDS,
    "adam-loss-spikes": ClaimVerdict.CAVEATS,
}

SLOW = {"xiong-2020-warmup-post-ln", "kalra-2024-warmup-sharpness", "adam-loss-spikes"}


@pytest.fixture(scope="module")
def evidence(torch_one_thread):
    return {}


def _check(evidence: dict, key: str):
    if key not in evidence:
        evidence[key] = claims.check(key, fast=True)
    return evidence[key]


@pytest.mark.parametrize(
    "key",
    [pytest.param(k, marks=pytest.mark.slow) if k in SLOW else k for k in sorted(EXPECTED)],
)
def test_fast_verdict(evidence, key):
    ev = _check(evidence, key)
    assert ev.verdict is EXPECTED[key], ev.measurement.finding
    assert ev.claim.judge(ev.numbers) is ev.verdict
    for value in ev.numbers.values():
        assert isinstance(value, bool | int | float) and math.isfinite(value)
    c = ev.claim
    assert c.statement and c.rule and c.reference
    if c.group == "paper":
        assert c.published and "arXiv:" in c.reference


def test_first_step_numbers(evidence):
    n = _check(evidence, "adam-first-step-sign").numbers
    # at |g| = eps the step is exactly half of lr: g / (|g| + eps)
    assert n["first_step_at_g_equal_eps"] == pytest.approx(0.5, rel=1e-6)
    assert n["floor_sqrt_c"] == pytest.approx(math.sqrt((1 - 0.9) / (1 + 0.9)))
    assert n["ratio_at_snr_0"] == pytest.approx(n["floor_sqrt_c"], rel=0.03)


def test_adaptive_edge_threshold_is_38_over_lr(evidence):
    ev = _check(evidence, "cohen-2022-adaptive-edge")
    r = ev.measurement.extra["results"][0]
    assert r.threshold == pytest.approx(38 / r.lr)
    assert r.diverged_at is None


def test_timescale_wd_follows_one_over_n(evidence):
    n = _check(evidence, "wang-2024-adamw-timescale").numbers
    # with the timescale fixed in epochs, wd = B / (lr tau n): the wd ratio is the size ratio
    # times the (small) ratio of the best timescales
    expected = n["sizes_ratio"] * n["n_674_best_tau_epochs"] / n["n_337_best_tau_epochs"]
    assert n["best_wd_ratio_small_over_large"] == pytest.approx(expected, rel=1e-9)


def test_judges_on_made_up_numbers():
    assert (
        adam_era._judge_surge(
            {"peak_interior": True, "fall_after_peak": 0.3, "first_slope": 1.0, "last_slope": -0.5}
        )
        is ClaimVerdict.HOLDS
    )
    assert (
        adam_era._judge_surge(
            {"peak_interior": False, "fall_after_peak": 0.0, "first_slope": 0.2, "last_slope": 0.2}
        )
        is ClaimVerdict.FAILS
    )
    assert (
        adam_era._judge_xiong({"post_ln_warmup_gain": 3.0, "pre_ln_warmup_gain": 1.0})
        is ClaimVerdict.HOLDS
    )
    assert (
        adam_era._judge_xiong({"post_ln_warmup_gain": 2.0, "pre_ln_warmup_gain": 5.0})
        is ClaimVerdict.CAVEATS
    )
    assert (
        adam_era._judge_timescale({"decay_gain_min": 0.1, "sizes_ratio": 4, "best_tau_spread": 5.0})
        is ClaimVerdict.FAILS
    )


@pytest.mark.slow
def test_warmup_search_largest_rate_trained_and_next_rung_failed(evidence):
    ev = _check(evidence, "xiong-2020-warmup-post-ln")
    g = ev.measurement.extra["result"]
    assert ev.numbers["runs"] == g.runs <= g.largest.size * 2  # 3 rungs: 2 per cell, 1 seed
    for b, n, c in np.ndindex(g.largest.shape):
        cell = g.excess[b, n, c]
        top = g.largest[b, n, c]
        i = int(np.searchsorted(g.ladder, top)) if top else -1
        if i >= 0:
            assert g.ladder[i] == top and np.all(cell[i] < g.trainable_below)
        if i + 1 < len(g.ladder):  # the rung above was tried, and a seed failed there
            assert np.any(cell[i + 1] >= g.trainable_below)
