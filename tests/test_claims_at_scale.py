"""The learning-rates-at-scale claims: their fast verdicts and the numbers behind them."""

from __future__ import annotations

import pytest

from lrlearn import claims
from lrlearn.claims.registry import ClaimVerdict

FAST = {
    "zhang-2024-critical-batch": ClaimVerdict.HOLDS,
    "merrill-2025-batch-warmup": ClaimVerdict.HOLDS,
    "yang-2022-mup-transfer": ClaimVerdict.HOLDS,
    "deepseek-2024-compute-optimal": ClaimVerdict.HOLDS,
}


@pytest.fixture(scope="module")
def evidence():
    return {key: claims.check(key, fast=True) for key in FAST}


@pytest.mark.parametrize("key", sorted(FAST))
def test_fast_verdict(evidence, key):
    ev = evidence[key]
    assert ev.verdict is FAST[key], ev.measurement.finding
    assert ev.claim.group == "paper" and "arXiv:" in ev.claim.reference


def test_critical_batch_numbers(evidence):
    n = evidence["zhang-2024-critical-batch"].numbers
    assert n["b_crit_target_0.05"] < n["b_crit_target_0.02"] < n["b_crit_target_0.01"]
    assert 0 < n["dim_elasticity"] < n["data_elasticity"]


def test_ramp_numbers(evidence):
    n = evidence["merrill-2025-batch-warmup"].numbers
    assert n["steps_large"] < n["steps_ramp"] < n["steps_small"]
    assert n["risk_ramp"] < n["risk_large"]


@pytest.mark.parametrize(
    ("numbers", "verdict"),
    [
        (
            {"grows_as_target_deepens": True, "data_elasticity": 0.6, "dim_elasticity": 0.1},
            ClaimVerdict.HOLDS,
        ),
        (
            {"grows_as_target_deepens": True, "data_elasticity": 0.6, "dim_elasticity": 0.5},
            ClaimVerdict.CAVEATS,
        ),
        (
            {"grows_as_target_deepens": False, "data_elasticity": 0.0, "dim_elasticity": 0.5},
            ClaimVerdict.FAILS,
        ),
    ],
)
def test_critical_batch_rule(numbers, verdict):
    assert claims.get("zhang-2024-critical-batch").judge(numbers) is verdict


@pytest.mark.parametrize(
    ("saved", "over_small", "over_large", "verdict"),
    [
        (0.6, 0.5, 0.3, ClaimVerdict.HOLDS),
        (0.6, 1.5, 0.9, ClaimVerdict.CAVEATS),
        (0.1, 0.5, 0.3, ClaimVerdict.FAILS),
    ],
)
def test_ramp_rule(saved, over_small, over_large, verdict):
    n = {"steps_saved": saved, "ramp_over_small": over_small, "ramp_over_large": over_large}
    assert claims.get("merrill-2025-batch-warmup").judge(n) is verdict


def test_mup_numbers(evidence):
    n = evidence["yang-2022-mup-transfer"].numbers
    assert abs(n["shift_octaves_sp"]) >= 2 and abs(n["shift_octaves_mup"]) <= 1
    assert n["coord_slope_sp"] > 0.2 > abs(n["coord_slope_mup"])


@pytest.mark.parametrize(
    ("sp", "mu", "wider", "edge", "verdict"),
    [
        (-3.0, 0.0, True, False, ClaimVerdict.HOLDS),
        (-3.0, 1.0, False, False, ClaimVerdict.CAVEATS),
        (-1.0, 0.0, True, False, ClaimVerdict.CAVEATS),
        (-3.0, 0.0, True, True, ClaimVerdict.CAVEATS),
        (-3.0, -2.0, True, False, ClaimVerdict.FAILS),
    ],
)
def test_mup_rule(sp, mu, wider, edge, verdict):
    n = {
        "shift_octaves_sp": sp,
        "shift_octaves_mup": mu,
        "mup_wider_is_better": wider,
        "mup_best_at_grid_edge": edge,
    }
    assert claims.get("yang-2022-mup-transfer").judge(n) is verdict


def test_text_stream_claims_fast(torch_one_thread):
    wsd = claims.check("hagele-2024-wsd", fast=True)
    sf = claims.check("defazio-2024-schedule-free", fast=True)
    # 200 steps: a 20% cooldown is 40 steps, and WSD gives up more than a quarter of cosine's gain
    assert wsd.verdict is ClaimVerdict.CAVEATS, wsd.measurement.finding
    n = wsd.numbers
    assert n["excess_cosine"] < n["excess_wsd_1-sqrt"] < n["excess_constant"]
    assert 0 < n["cooldown_drop_at_25pct"] < n["cooldown_drop_at_75pct"]
    assert sf.verdict is ClaimVerdict.HOLDS, sf.measurement.finding
    assert sf.numbers["below_constant_everywhere"]


@pytest.mark.parametrize(
    ("share", "low", "sqrt_first", "verdict"),
    [
        (0.1, 0.01, True, ClaimVerdict.HOLDS),
        (0.1, 0.01, False, ClaimVerdict.CAVEATS),
        (0.4, 0.01, True, ClaimVerdict.CAVEATS),
        (0.6, 0.01, True, ClaimVerdict.FAILS),
        (0.1, -0.01, True, ClaimVerdict.FAILS),
    ],
)
def test_wsd_rule(share, low, sqrt_first, verdict):
    n = {"wsd_gap_share": share, "constant_minus_wsd_low": low, "sqrt_below_linear": sqrt_first}
    assert claims.get("hagele-2024-wsd").judge(n) is verdict


@pytest.mark.parametrize(
    ("worst", "below", "verdict"),
    [
        (-0.05, True, ClaimVerdict.HOLDS),
        (0.3, True, ClaimVerdict.CAVEATS),
        (0.3, False, ClaimVerdict.FAILS),
    ],
)
def test_schedule_free_rule(worst, below, verdict):
    n = {"worst_gap": worst, "below_constant_everywhere": below}
    assert claims.get("defazio-2024-schedule-free").judge(n) is verdict


def test_compute_optimal_directions(evidence):
    n = evidence["deepseek-2024-compute-optimal"].numbers
    assert n["batch_exponent"] > 0 > n["lr_exponent"]


@pytest.mark.parametrize(
    ("b", "lr", "verdict"),
    [
        (0.3, -0.1, ClaimVerdict.HOLDS),
        (0.3, 0.0, ClaimVerdict.CAVEATS),
        (0.0, 0.1, ClaimVerdict.FAILS),
    ],
)
def test_compute_optimal_rule(b, lr, verdict):
    n = {"batch_exponent": b, "lr_exponent": lr}
    assert claims.get("deepseek-2024-compute-optimal").judge(n) is verdict
