"""lrlearn.stats: Student-t intervals against table values and their coverage by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrlearn import stats


def test_mean_ci_matches_the_closed_form_with_the_table_t_value():
    # 1..5: mean 3, s = sqrt(2.5); t_{4, 0.975} = 2.776445 (any t table)
    ci = stats.mean_ci([1, 2, 3, 4, 5])
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)
    assert ci.mean == pytest.approx(3.0)
    assert (ci.low, ci.high) == pytest.approx((3 - half, 3 + half), rel=1e-9)
    assert ci.n == 5 and ci.confidence == 0.95


def test_mean_ci_other_levels_and_sizes():
    # t_{9, 0.95} = 1.833113 (90 % two-sided, 10 values)
    x = np.arange(10.0) ** 2
    ci = stats.mean_ci(x, confidence=0.9)
    half = 1.8331129326536335 * x.std(ddof=1) / math.sqrt(10)
    assert ci.half_width == pytest.approx(half, rel=1e-9)
    # n = 2 uses t_{1, 0.975} = 12.7062
    ci2 = stats.mean_ci([0.0, 1.0])
    assert ci2.half_width == pytest.approx(12.706204736174698 * math.sqrt(0.5) / math.sqrt(2))


def test_coverage_is_the_nominal_level():
    rng = np.random.default_rng(0)
    trials = 4000
    hits = 0
    for _ in range(trials):
        ci = stats.mean_ci(rng.normal(1.0, 2.0, size=5))
        hits += ci.low < 1.0 < ci.high
    # binomial standard error of the coverage: sqrt(0.95 * 0.05 / 4000) = 0.0034
    assert abs(hits / trials - 0.95) < 4 * 0.0034


def test_paired_is_the_interval_of_the_differences_and_narrower_with_shared_noise():
    rng = np.random.default_rng(1)
    shared = rng.normal(0, 5, size=8)
    a = shared + 1.0 + rng.normal(0, 0.1, size=8)
    b = shared + rng.normal(0, 0.1, size=8)
    p = stats.paired_ci(a, b)
    d = stats.mean_ci(a - b)
    assert (p.mean, p.low, p.high) == pytest.approx((d.mean, d.low, d.high))
    assert p.above(0) and p.direction() == "above"
    # ignoring the pairing, the shared noise swamps the effect
    unpaired = stats.mean_ci(a).low - stats.mean_ci(b).high
    assert unpaired < 0


def test_ratio_ci_is_the_geometric_mean_of_the_ratios():
    a, b = np.array([2.0, 4.0, 8.0]), np.array([1.0, 1.0, 2.0])
    r = stats.ratio_ci(a, b)
    assert r.mean == pytest.approx((2 * 4 * 4) ** (1 / 3))
    assert r.low < r.mean < r.high


def test_directions_and_text():
    ci = stats.Interval(0.02, 0.01, 0.03, 5)
    assert ci.above() and not ci.below() and ci.direction() == "above"
    assert stats.Interval(-0.02, -0.03, -0.01, 5).direction() == "below"
    assert stats.Interval(0.0, -0.01, 0.01, 5).direction() == "includes"
    assert ci.format(".1f", scale=100, unit=" points") == (
        "2.0 points (95% CI 1.0 to 3.0 points, 5 seeds)"
    )


@pytest.mark.parametrize("bad", [[1.0], [], [[1.0, 2.0]], [1.0, float("nan")]])
def test_bad_values_are_refused_by_name(bad):
    with pytest.raises(ValueError, match="values"):
        stats.mean_ci(bad)


def test_bad_pairs_and_levels():
    with pytest.raises(ValueError, match="one number per seed"):
        stats.paired_ci([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="confidence"):
        stats.mean_ci([1, 2, 3], confidence=1.0)
    with pytest.raises(ValueError, match="positive"):
        stats.ratio_ci([1, -2], [1, 2])
