"""The learning-rates-at-scale claims: their fast verdicts and the numbers behind them."""

from __future__ import annotations

import pytest

from lrlearn import claims
from lrlearn.claims.registry import ClaimVerdict

FAST = {
    "zhang-2024-critical-batch": ClaimVerdict.HOLDS,
    "merrill-2025-batch-warmup": ClaimVerdict.HOLDS,
    "yang-2022-mup-transfer": ClaimVerdict.HOLDS,
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
