"""The claims registry: every core claim's fast experiment, its verdict, and independent checks of
the numbers it reports (closed forms, the seed's own loop, lrlearn.simulate run by run)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlearn import claims
from lrlearn.claims import ClaimVerdict, Measurement, Source, errata
from lrlearn.claims import learning_rate as lr_claims
from lrlearn.landscapes import DoubleWell, Quadratic
from lrlearn.simulate import simulate

#: what the fast setting of each core claim must conclude
EXPECTED = {
    "worked-example": ClaimVerdict.FAILS,
    "seed-three-rates": ClaimVerdict.CAVEATS,
    "rates-above-one-fail": ClaimVerdict.FAILS,
    "small-rates-stuck": ClaimVerdict.CAVEATS,
    "adaptive-no-tuning": ClaimVerdict.FAILS,
}


@pytest.fixture(scope="module")
def evidence():
    return {key: claims.check(key, fast=True) for key in EXPECTED}


def test_core_claims_registered():
    keys = [c.key for c in claims.claims()]
    assert set(EXPECTED) <= set(keys)
    assert len(keys) == len(set(keys))
    for c in claims.claims():
        assert c.statement and c.rule and c.reference
        assert isinstance(c.source, Source)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_fast_verdict(evidence, key):
    ev = evidence[key]
    assert ev.verdict is EXPECTED[key], ev.measurement.finding
    # the verdict is the judge applied to the numbers, nothing else
    assert ev.claim.judge(ev.numbers) is ev.verdict
    assert ev.fast is True and ev.seconds < 10
    assert ev.measurement.finding
    for value in ev.numbers.values():
        assert isinstance(value, bool | int | float) and math.isfinite(value)


# --- worked example -----------------------------------------------------------------------------

def test_worked_example_numbers(evidence):
    n = evidence["worked-example"].numbers
    assert n["arithmetic_ok"] is True
    assert n["gradient_points_away_from_optimum"] is False
    assert n["distance_before"] == pytest.approx(0.1) and n["distance_after_small_step"] == (
        pytest.approx(0.2))
    # version A: f = (w - 1.5)^2, w+ = w - lr * 2 (w - 1.5)
    assert n["a_optimum"] == 1.5
    assert n["a_small_step"] == pytest.approx(0.5 - 0.05 * 2 * (0.5 - 1.5))
    assert n["a_large_step"] == pytest.approx(2.5)
    assert n["a_large_second_step"] == pytest.approx(0.5)  # |1 - 1 * 2| = 1: bounces
    assert n["a_large_rate"] == pytest.approx(1.0) and n["a_large_diverged"] is False
    # version B: f = 10 (w - 0.4)^2, curvature 20: gradient +2 at 0.5, lr 0.05 = 1 / L lands on w*
    assert n["b_curvature"] == pytest.approx(20.0)
    assert n["b_small_step"] == pytest.approx(0.4)
    assert n["b_large_step"] == pytest.approx(0.5 - 1.0 * 20 * 0.1)
    assert n["b_large_rate"] == pytest.approx(19.0) and n["b_large_diverged"] is True


# --- the seed's code ----------------------------------------------------------------------------

@pytest.mark.parametrize("lr", [0.1, 0.01, 1.5])
def test_seed_loop_matches_closed_form(lr):
    losses = errata.seed_loop(lr, 100)
    t = np.arange(1, 101)
    assert np.allclose(losses, 4 * (1 - 2 * lr) ** (2 * t), rtol=1e-9)


def test_seed_three_rates_numbers(evidence):
    n = evidence["seed-three-rates"].numbers
    for lr in (0.1, 0.01, 1.5):
        assert n[f"lr_{lr:g}_printed_loss"] == pytest.approx(4 * (1 - 2 * lr) ** 200, rel=1e-9)
        assert n[f"lr_{lr:g}_max_rel_diff"] < 1e-12  # simulate reproduces the seed's loop
    assert f"{n['lr_0.1_printed_loss']:.6f}" == "0.000000"
    assert n["lr_1.5_diverged"] is True and n["lr_0.1_diverged"] is False
    assert n["labels_matched"] == 2 and n["direction_right"] is True
    rows = evidence["seed-three-rates"].measurement.rows
    assert [r["comment right"] for r in rows] == [True, False, True]  # 0.1, 1.5, 0.01


# --- rates above one ------------------------------------------------------------------------------

def test_rates_above_one_matches_theory(evidence):
    ev = evidence["rates-above-one-fail"]
    n = ev.numbers
    assert n["best_lr_at_L_0.5"] == 2.0 and n["gap_at_best_L_0.5"] == 0.0
    grid = 2.0 ** np.arange(-7, 4)
    for row, curv in zip(ev.measurement.rows, lr_claims.ABOVE_ONE_CURVATURES, strict=False):
        # the fastest fixed rate on (L/2) x^2 minimises |1 - lr L|
        assert row["best lr in grid"] == grid[np.argmin(np.abs(1 - grid * curv))]
        assert row["2/L"] == pytest.approx(2 / curv)
    # the quadratics with curvature below 1, and the digits
    assert n["problems_best_above_1"] == sum(c < 1 for c in lr_claims.ABOVE_ONE_CURVATURES) + 1
    assert n["failures_above_2_over_L"] is True
    assert n["digits_best_lr"] > 1 and n["digits_loss_at_best_over_lr_1"] < 1


@pytest.mark.torch
def test_digits_sweep_matches_torch():
    """Full-batch softmax regression on the digits with torch.optim.SGD gives the same final losses
    as the numpy sweep behind the claim."""
    torch = pytest.importorskip("torch")
    from lrlearn.data import digits

    lrs, final, _ = lr_claims.digits_softmax_sweep(20)
    d = digits()
    X = torch.tensor(d.X_train)
    y = torch.tensor(d.y_train)
    for lr, expected in zip(lrs[[0, 3, 6]], final[[0, 3, 6]], strict=True):
        model = torch.nn.Linear(64, 10, dtype=torch.float64)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
        opt = torch.optim.SGD(model.parameters(), lr=float(lr))
        for _ in range(20):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X), y).backward()
            opt.step()
        with torch.no_grad():
            loss = float(torch.nn.functional.cross_entropy(model(X), y))
        assert loss == pytest.approx(expected, rel=1e-9)


# --- double well ------------------------------------------------------------------------------------

def test_double_well_runs_agree_with_simulate(evidence):
    ev = evidence["small-rates-stuck"]
    extra = ev.measurement.extra
    f = DoubleWell(tilt=0.3)
    rng = np.random.default_rng(0)
    for _ in range(6):
        i = int(rng.integers(len(extra["lrs"])))
        j = int(rng.integers(len(extra["starts"])))
        run = simulate(f, extra["starts"][j], float(extra["lrs"][i]), 4000)
        assert bool(run.final_position[0] > f.barrier) == bool(extra["end_local"][i, j])
    n = ev.numbers
    assert n["small_same_basin_fraction"] == 1.0
    assert n["rescued"] > n["trapped"] > 0
    assert n["smallest_lr_that_changes_a_basin"] > 0.5 * n["stability_limit"]
    curv = 12 * f.minima[:, 0] ** 2 - 4
    assert n["stability_limit"] == pytest.approx(2 / curv.max())


# --- Adam ------------------------------------------------------------------------------------------

def test_adam_default_cannot_travel_far_enough(evidence):
    """Adam moves each coordinate by at most lr (1 - b1) / sqrt(1 - b2) per step (Kingma & Ba,
    sec. 2.1 bound), so 300 steps at 1e-3 cover < 1: the default cannot cross a unit distance."""
    n = evidence["adaptive-no-tuning"].numbers
    assert 300 * 1e-3 * (1 - 0.9) / math.sqrt(1 - 0.999) < 1.0
    assert n["steps"] == 300 and n["adam_default_successes"] == 0
    assert n["adam_scale_invariant"] is True
    assert n["adam_successful_cells"] > n["sgd_successful_cells"]


def test_adam_scale_invariance_independent():
    # Adam on c * f follows the same path as on f (eps aside): the rows for curvature 1 and 100
    lrs = np.array([1e-2, 1e-1])
    from lrlearn.simulate import sweep
    a = sweep(Quadratic(curvatures=[1.0, 1.0]), [1.0, 1.0], lrs, 50, optimizer="adam")
    b = sweep(Quadratic(curvatures=[100.0, 100.0]), [1.0, 1.0], lrs, 50, optimizer="adam")
    assert np.allclose(a.losses * 100, b.losses, rtol=1e-5)


# --- judges: the stated rules -------------------------------------------------------------------

@given(st.integers(0, 50), st.integers(0, 50))
def test_basin_rule(rescued, trapped):
    v = lr_claims._judge_basins({"rescued": rescued, "trapped": trapped})
    if rescued > 0 and trapped == 0:
        assert v is ClaimVerdict.HOLDS
    elif rescued > trapped:
        assert v is ClaimVerdict.CAVEATS
    else:
        assert v is ClaimVerdict.FAILS


@given(st.integers(0, 7), st.integers(0, 7))
def test_above_one_rule(best, converging):
    v = lr_claims._judge_above_one({"problems_best_above_1": best,
                                    "problems_converging_above_1": converging})
    expected = (ClaimVerdict.FAILS if best else
                ClaimVerdict.CAVEATS if converging else ClaimVerdict.HOLDS)
    assert v is expected


@given(st.integers(0, 6), st.integers(0, 6))
def test_adaptive_rule(default_ok, shared):
    v = lr_claims._judge_adaptive({"adam_default_successes": default_ok, "landscapes": 6,
                                   "adam_shared_lrs": shared})
    if default_ok == 6:
        assert v is ClaimVerdict.HOLDS
    else:
        assert v is (ClaimVerdict.CAVEATS if shared else ClaimVerdict.FAILS)


# --- bad input ------------------------------------------------------------------------------------

def test_bad_input():
    with pytest.raises(ValueError, match="key must be one of"):
        claims.get("no-such-claim")
    with pytest.raises(TypeError, match="key must be a string"):
        claims.get(3)
    with pytest.raises(ValueError, match="group must be one of"):
        claims.claims(group="astrology")
    with pytest.raises(ValueError, match="source must be one of"):
        claims.claims(source="rumour")
    with pytest.raises(TypeError, match="fast must be True or False"):
        claims.get("worked-example").run(fast="yes")
    with pytest.raises(ValueError, match="'x' must be finite"):
        Measurement({"x": float("nan")}, "")
    with pytest.raises(TypeError, match="'x' must be a float"):
        Measurement({"x": "1"}, "")
    dup = claims.get("worked-example")
    with pytest.raises(ValueError, match="already registered"):
        claims.register(claims.Claim(dup.key, "s", Source.OURS, "r", dup.experiment, "r",
                                     dup.judge))


def test_claims_by_source_and_group():
    seeds = claims.claims(source="seed guide")
    assert {c.key for c in seeds} >= set(EXPECTED)
    assert all(c.source is Source.SEED for c in seeds)
    assert all(c.group == "learning rate" for c in claims.claims(group="learning rate"))


def test_import_stays_light():
    code = ("import sys, lrlearn.claims; "
            "print('torch' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_full_setting_agrees(evidence, key):
    """The book's setting reaches the same verdict as the tests' (full runs take seconds here)."""
    assert claims.check(key, fast=False).verdict is evidence[key].verdict


def test_check_all_runs_in_order_and_each_claim_is_complete():
    keys = ["seed-three-rates", "worked-example"]
    out = claims.check_all(keys, fast=True, progress=False)
    assert [ev.claim.key for ev in out] == keys
    for c in claims.claims():
        assert c.group in claims.registry.GROUPS
        for module in c.needs:
            assert module.startswith("lrlearn.")
        if c.group == "paper":
            assert c.source is Source.PAPER and c.published and "arXiv:" in c.reference
