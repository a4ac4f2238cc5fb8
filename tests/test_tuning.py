"""lrlearn.tuning: Sobol points against scipy.stats.qmc, grids, the throughput rule for the batch."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from lrlearn import tuning

SPACE = {"lr": (1e-3, 3.0, "log"), "one_minus_beta": (0.01, 1.0, "log"), "wd": (0.0, 0.1, "linear")}


def test_sobol_points_are_scipy_s_sequence_on_the_box():
    points = tuning.quasi_random_search_points(SPACE, 16, seed=3)
    want = qmc.Sobol(d=3, scramble=True, seed=3).random_base2(4)
    got = tuning.to_unit(points, SPACE)
    assert np.allclose(got, want)
    for p in points:
        assert 1e-3 <= p["lr"] <= 3.0 and 0.01 <= p["one_minus_beta"] <= 1.0 and 0 <= p["wd"] <= 0.1
    assert points == tuning.quasi_random_search_points(SPACE, 16, seed=3)  # seeded
    assert points != tuning.quasi_random_search_points(SPACE, 16, seed=4)


def test_sobol_fills_the_box_more_evenly_than_a_grid_and_tries_more_values():
    space = {"lr": (1e-3, 3.0, "log"), "one_minus_beta": (0.01, 1.0, "log")}
    sobol = tuning.quasi_random_search_points(space, 16, seed=0)
    grid = tuning.grid_points(space, 4)
    assert len(grid) == 16
    assert len({p["lr"] for p in sobol}) == 16 and len({p["lr"] for p in grid}) == 4
    assert qmc.discrepancy(tuning.to_unit(sobol, space)) < qmc.discrepancy(
        tuning.to_unit(grid, space)
    )
    rng = np.random.default_rng(0)
    random_d = np.median([qmc.discrepancy(rng.random((16, 2))) for _ in range(50)])
    assert qmc.discrepancy(tuning.to_unit(sobol, space)) < random_d


def test_grid_spans_each_axis_on_its_scale():
    grid = tuning.grid_points(
        {"lr": (1e-3, 1.0, "log"), "x": (0.0, 1.0, "linear")}, {"lr": 4, "x": 2}
    )
    lrs = sorted({p["lr"] for p in grid})
    assert np.allclose(lrs, [1e-3, 1e-2, 1e-1, 1.0])
    assert sorted({p["x"] for p in grid}) == [0.0, 1.0]


def test_choose_batch_size_walks_up_while_doubling_pays():
    sizes = [16, 32, 64, 128, 256]
    assert tuning.choose_batch_size(sizes, [100, 190, 350, 370, 380]) == 64  # 370/350 < 1.1
    assert tuning.choose_batch_size(sizes, [100, 200, 400, 800, 1600]) == 256
    assert tuning.choose_batch_size(sizes, [100, 200, 400, 800, 1600], max_batch_size=64) == 64
    assert tuning.choose_batch_size(sizes, [100, 105, 400, 800, 1600]) == 16  # first step fails
    assert tuning.choose_batch_size(sizes, [100, 190, 350, 370, 380], min_gain=1.0) == 256


def test_batch_size_near_best_takes_the_smallest_within_the_band_of_the_best_median():
    sizes = [8, 16, 32, 64]
    # medians 100, 180, 300, 330: the band at 20% below the best is 264, so 32 (not 64)
    rounds = [[100, 180, 300, 330], [90, 170, 310, 320], [110, 200, 280, 340]]
    assert tuning.batch_size_near_best(sizes, rounds) == 32
    assert tuning.batch_size_near_best(sizes, rounds, tolerance=0.0) == 64
    assert tuning.batch_size_near_best(sizes, rounds, tolerance=0.5) == 16  # 180 >= 165
    assert tuning.batch_size_near_best(sizes, rounds, max_batch_size=40) == 32
    assert tuning.batch_size_near_best(sizes, rounds, max_batch_size=20) == 16
    assert tuning.batch_size_near_best(sizes, [100, 180, 300, 330]) == 32  # one round


def test_batch_size_near_best_is_not_moved_by_one_slow_or_fast_round():
    sizes = [8, 16, 32, 64]
    base = np.array([100.0, 180.0, 300.0, 330.0])
    rng = np.random.default_rng(0)
    for _ in range(200):  # 5 rounds with 5% noise, one of them a burst that halves or doubles
        rounds = base * rng.normal(1.0, 0.05, size=(5, 4))
        rounds[rng.integers(5), rng.integers(4)] *= rng.choice([0.5, 2.0])
        assert tuning.batch_size_near_best(sizes, rounds) == 32
    # the per-round doubling rule on the same kind of data does flip (64 vs 32: a 10% gain)
    picks = {
        tuning.choose_batch_size(sizes, base * rng.normal(1.0, 0.05, size=4)) for _ in range(50)
    }
    assert picks == {32, 64}


def test_best_skips_nan():
    trials = [{"acc": np.nan}, {"acc": 0.5}, {"acc": 0.7}]
    assert tuning.best(trials, "acc")["acc"] == 0.7
    assert tuning.best(trials, "acc", maximize=False)["acc"] == 0.5


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: tuning.quasi_random_search_points({"lr": (0.0, 1.0, "log")}, 8), "low > 0"),
        (lambda: tuning.quasi_random_search_points({"lr": (1.0, 0.1, "log")}, 8), "low < high"),
        (lambda: tuning.quasi_random_search_points({"lr": (0.1, 1.0, "cubic")}, 8), "scale"),
        (lambda: tuning.quasi_random_search_points({}, 8), "space"),
        (lambda: tuning.quasi_random_search_points(SPACE, 0), "n"),
        (lambda: tuning.choose_batch_size([32, 16], [1.0, 2.0]), "increasing"),
        (lambda: tuning.choose_batch_size([16, 32], [1.0]), "same length"),
        (lambda: tuning.choose_batch_size([16, 32], [1.0, 2.0], min_gain=0.5), "min_gain"),
        (lambda: tuning.batch_size_near_best([16, 32], [[1.0, 2.0, 3.0]]), "one value per"),
        (lambda: tuning.batch_size_near_best([32, 16], [1.0, 2.0]), "increasing"),
        (lambda: tuning.batch_size_near_best([16, 32], [1.0, -2.0]), "positive"),
        (lambda: tuning.batch_size_near_best([16, 32], [1.0, 2.0], tolerance=1.0), "tolerance"),
        (lambda: tuning.batch_size_near_best([16, 32], [1.0, 2.0], max_batch_size=8), "max_b"),
    ],
)
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
