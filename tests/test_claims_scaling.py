"""Batch-size scaling claims on lrlearn.batch: "double the batch, double the lr", Shallue et al.,
McCandlish et al., Goyal et al. (fast settings; they share two cached experiments)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlearn import claims
from lrlearn.claims import ClaimVerdict, batch_size, scaling_papers

EXPECTED = {
    "double-batch-double-lr": ClaimVerdict.CAVEATS,
    "shallue-2018-steps-vs-batch": ClaimVerdict.HOLDS,
    "mccandlish-2018-noise-scale": ClaimVerdict.HOLDS,
    "goyal-2017-warmup": ClaimVerdict.HOLDS,
    "larger-batch-larger-lr": ClaimVerdict.CAVEATS,
}


@pytest.fixture(scope="module")
def evidence():
    return {key: claims.check(key, fast=True) for key in EXPECTED}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_fast_verdict(evidence, key):
    ev = evidence[key]
    assert ev.verdict is EXPECTED[key], ev.measurement.finding
    assert ev.claim.judge(ev.numbers) is ev.verdict


def test_double_batch_rows_follow_the_interval_rule(evidence):
    """Each row's status is recomputed from the per-seed final losses: log-ratio t-interval
    (scipy's t quantile), exponentiated, against 1 + tolerance."""
    from scipy import stats as sps

    ev = evidence["double-batch-double-lr"]
    results = ev.measurement.extra["results"]
    r = results[0]
    assert ev.numbers["seeds"] == len(results) >= 5
    base = np.array([x.final_loss[0] for x in results])
    for i, row in enumerate(ev.measurement.rows):
        assert row["batch size"] == row["k"] * r.base_batch
        assert row["lr"] == pytest.approx(row["k"] * r.base_lr)
        f = np.array([x.final_loss[i] for x in results])
        if not np.all(np.isfinite(f)):
            assert row["rule"] == "breaks" and "diverged" in row["final loss / k = 1's, 95% CI"]
            continue
        d = np.log(f / base)
        half = sps.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if i else 0.0
        lo, hi = np.exp(d.mean() - half), np.exp(d.mean() + half)
        want = ("breaks" if lo > 1 + r.tolerance else "holds" if hi < 1 + r.tolerance
                else "undecided")
        assert row["rule"] == want, (row, lo, hi)
        assert row["final loss / k = 1's, 95% CI"] == f"{np.exp(d.mean()):.2f} [{lo:.2f}, {hi:.2f}]"
    n = ev.numbers
    assert 1 < n["break_k"] <= n["largest_k_tried"]


def test_shallue_fit_matches_independent_least_squares(evidence):
    """S_min and B_crit against scipy's least_squares on the same relative-error objective."""
    from scipy.optimize import least_squares

    ev = evidence["shallue-2018-steps-vs-batch"]
    rows = ev.measurement.rows
    B = np.array([r["B"] for r in rows], float)
    S = np.array([r["steps to target"] for r in rows], float)
    fit = least_squares(lambda p: (p[0] + p[1] / B) / S - 1, x0=[S.min(), S.max()])
    s_min, e_min = fit.x
    assert ev.numbers["s_min"] == pytest.approx(s_min, rel=1e-6)
    assert ev.numbers["critical_batch"] == pytest.approx(e_min / s_min, rel=1e-6)
    # perfect scaling at small B: the first increase of B cuts the steps nearly in proportion
    assert ev.numbers["first_step_scaling_efficiency"] > 0.75
    assert S[-1] <= 2 * s_min  # the plateau sits near S_min


def test_rank_correlation_matches_scipy():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=40), rng.normal(size=40)
    assert scaling_papers.rank_correlation(a, b) == pytest.approx(spearmanr(a, b).statistic)
    assert scaling_papers.rank_correlation(a, -a) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="a and b must be 1-D of equal length"):
        scaling_papers.rank_correlation(a, b[:3])


def test_mccandlish_numbers(evidence):
    from scipy.stats import spearmanr

    ev = evidence["mccandlish-2018-noise-scale"]
    rows = ev.measurement.rows
    loss = np.array([r["training loss"] for r in rows])
    bs = np.array([r["B_simple"] for r in rows])
    assert np.allclose(bs, [r["tr(Sigma)"] / r["|G|^2"] for r in rows])
    assert ev.numbers["rank_corr_loss_bsimple"] == pytest.approx(spearmanr(loss, bs).statistic)
    assert ev.numbers["ratio_bcrit_over_bsimple"] == pytest.approx(
        ev.numbers["critical_batch"] / ev.numbers["b_simple_at_target"])
    # B_simple at the target lies between the checkpoints bracketing the target loss
    j = int(np.flatnonzero(loss <= ev.measurement.extra["result"].target)[0])
    lo, hi = sorted(bs[max(j - 1, 0): j + 1])
    assert lo <= ev.numbers["b_simple_at_target"] <= hi


def test_goyal_break_points_match_rows(evidence):
    ev = evidence["goyal-2017-warmup"]
    rows = ev.measurement.rows
    status = [row["rule (constant / warmup)"].split(" / ") for row in rows]
    first = [next(row["k"] for row, st_ in zip(rows, status, strict=True) if st_[j] == "breaks")
             for j in (0, 1)]
    assert (ev.numbers["break_k_no_warmup"], ev.numbers["break_k_warmup"]) == tuple(first)
    # the two claims read the same experiment
    assert evidence["double-batch-double-lr"].numbers["break_k"] == ev.numbers["break_k_no_warmup"]
    assert ev.measurement.extra["results"] is evidence["double-batch-double-lr"].measurement.extra[
        "results"]


def test_goyal_warmup_effect_is_paired_by_seed(evidence):
    """The warmup / constant interval at the break point of the constant rate lies below 1
    (warmup helps there), recomputed from the per-seed results."""
    ev = evidence["goyal-2017-warmup"]
    results = ev.measurement.extra["results"]
    k = ev.numbers["break_k_no_warmup"]
    i = int(np.flatnonzero(results[0].factors == k)[0])
    f = np.array([x.final_loss[i] for x in results])
    fw = np.array([x.final_loss_warmup[i] for x in results])
    if np.all(np.isfinite(f)):
        assert np.all(fw < f)  # every seed, so the interval lies below 1 as well
        assert ev.numbers["ks_where_warmup_lowers_loss"] >= 1
        assert f"k = {k}" in ev.measurement.finding.split("lowers the final loss")[1].split(
            "raises")[0]


@given(st.booleans(), st.booleans())
def test_shallue_rule(in_order, saturates):
    v = scaling_papers._judge_shallue({"regions_in_order": in_order, "lr_saturates": saturates})
    assert v is {2: ClaimVerdict.HOLDS, 1: ClaimVerdict.CAVEATS,
                 0: ClaimVerdict.FAILS}[in_order + saturates]


@given(st.floats(-1, 1), st.floats(1e-3, 1e3))
def test_mccandlish_rule(corr, ratio):
    v = scaling_papers._judge_mccandlish({"rank_corr_loss_bsimple": corr,
                                          "ratio_bcrit_over_bsimple": ratio})
    passed = (corr < -0.5) + (0.1 <= ratio <= 10)
    assert v is {2: ClaimVerdict.HOLDS, 1: ClaimVerdict.CAVEATS, 0: ClaimVerdict.FAILS}[passed]


@given(st.booleans(), st.booleans())
def test_goyal_rule(first, extends):
    v = scaling_papers._judge_goyal({"holds_at_first_doubling": first, "warmup_extends": extends})
    assert v is (ClaimVerdict.FAILS if not first else
                 ClaimVerdict.HOLDS if extends else ClaimVerdict.CAVEATS)


@given(st.booleans(), st.booleans())
def test_double_rule(every, first):
    v = batch_size._judge_double({"holds_at_every_k": every, "holds_at_first_doubling": first})
    assert v is (ClaimVerdict.HOLDS if every else
                 ClaimVerdict.CAVEATS if first else ClaimVerdict.FAILS)


def test_mccandlish_b_noise_from_the_exact_hessian(evidence):
    """B_noise = tr(H Sigma) / (G^T H G) is reported next to B_simple when the model has an exact
    Hessian (softmax regression does); its ratio to B_crit is arithmetic on the two numbers."""
    n = evidence["mccandlish-2018-noise-scale"].numbers
    assert n["b_noise_at_target"] > 0
    assert n["ratio_bcrit_over_bnoise"] == pytest.approx(n["critical_batch"] / n["b_noise_at_target"])


def test_larger_lr_reads_the_shallue_experiment(evidence):
    lr_ev, sh = evidence["larger-batch-larger-lr"], evidence["shallue-2018-steps-vs-batch"]
    assert lr_ev.measurement.extra["result"] is sh.measurement.extra["result"]  # one experiment
    assert lr_ev.numbers["slope_below"] == sh.numbers["lr_slope_below"]
    rows = lr_ev.measurement.rows
    eff = np.array([r["effective lr"] for r in rows])
    assert np.allclose(eff, [r["tuned lr"] / (1 - r["momentum"]) for r in rows])
    assert lr_ev.numbers["growth_overall"] == pytest.approx(eff[-1] / eff[0])
    # independent slope: numpy least squares on the rows below B_crit
    B = np.array([r["B"] for r in rows], float)
    below = B <= lr_ev.numbers["critical_batch"]
    A = np.stack([np.log(B[below]), np.ones(below.sum())], axis=1)
    slope = np.linalg.lstsq(A, np.log(eff[below]), rcond=None)[0][0]
    assert lr_ev.numbers["slope_below"] == pytest.approx(slope)


@given(st.floats(0.1, 100), st.floats(-1, 2), st.floats(-1, 2))
def test_larger_lr_rule(growth, below, above):
    v = batch_size._judge_larger_lr({"growth_overall": growth, "slope_below": below,
                                     "slope_above": above})
    assert v is (ClaimVerdict.FAILS if growth <= 1 else
                 ClaimVerdict.CAVEATS if above < 0.5 * below else ClaimVerdict.HOLDS)
