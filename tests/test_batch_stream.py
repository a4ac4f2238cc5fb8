"""Streaming linear regression: the exact expected-risk recursion against sampled SGD runs and a
closed-form fixed point; the critical batch size and the batch ramp; bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn.batch.stream import (
    PowerLawRegression,
    batch_ramp,
    critical_batch,
    expected_risk,
    sgd_risk,
)


@pytest.mark.parametrize(("lr", "batch"), [(0.2, 4), (0.25, 1), (1.0, 16)])
def test_recursion_equals_the_mean_of_sampled_sgd_runs(lr, batch):
    p = PowerLawRegression(dim=16)
    runs = sgd_risk(p, lr, batch, 40, runs=600, seed=1)
    _, _, exact = expected_risk(p, [lr], [batch], 40, record=range(41))
    mean, se = runs.mean(0), runs.std(0, ddof=1) / np.sqrt(runs.shape[0])
    assert np.all(np.abs(mean - exact[0]) <= 4 * se + 1e-12)


def test_one_dimension_reaches_the_closed_form_noise_floor():
    p = PowerLawRegression(dim=1, noise=0.3)
    eta, B, lam = 0.4, 2, 1.0
    q = eta**2 / B
    fixed = q * lam * p.noise / (1 - (1 - eta * lam) ** 2 - 2 * q * lam**2)
    final, _, _ = expected_risk(p, [eta], [B], 2000)
    assert final[0] == pytest.approx(0.5 * lam * fixed, rel=1e-9)


def test_divergence_is_a_result_not_an_overflow():
    final, first, rec = expected_risk(PowerLawRegression(), [10.0, 0.1], [1, 1], 500, (0.5,), [500])
    assert np.isinf(final[0]) and np.isfinite(final[1])
    assert np.isinf(first[0, 0]) and np.isinf(rec[0, 0])


def test_per_step_batch_sizes_equal_a_constant_batch():
    p = PowerLawRegression(dim=8)
    a, _, _ = expected_risk(p, [0.3], [8], 100)
    b, _, _ = expected_risk(p, [0.3], np.full((1, 100), 8), 100)
    assert a[0] == b[0]


def test_critical_batch_grows_with_a_deeper_target():
    r = critical_batch(
        PowerLawRegression(dim=64),
        batch_sizes=4 ** np.arange(6),
        targets=(0.05, 0.01),
        lrs=np.geomspace(1e-3, 4, 8),
        max_steps=12_000,
    )
    assert list(r.targets) == [0.05, 0.01]
    assert np.all(np.isfinite(r.critical_batch)) and r.critical_batch[1] > r.critical_batch[0]
    assert np.all(np.diff(r.steps[:, 0]) <= 0)  # more examples per step never costs steps
    r.plot()


def test_batch_ramp_uses_the_whole_budget():
    r = batch_ramp(PowerLawRegression(dim=32), examples=4096, lrs=np.geomspace(1e-2, 2, 6))
    assert list(r.steps[:2]) == [4096 // 8, 4096 // 256]
    assert r.curves[2][0][-1] <= 4096
    r.plot()


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: PowerLawRegression(dim=0), ValueError, "dim"),
        (lambda: PowerLawRegression(noise=-1), ValueError, "noise"),
        (lambda: expected_risk(PowerLawRegression(), [0.1], [0], 5), ValueError, "batch_sizes"),
        (lambda: expected_risk(PowerLawRegression(), [-0.1], [1], 5), ValueError, "lrs"),
        (
            lambda: expected_risk(PowerLawRegression(), [0.1, 0.2], [1], 5),
            ValueError,
            "batch_sizes",
        ),
        (lambda: expected_risk("p", [0.1], [1], 5), TypeError, "problem"),
        (lambda: sgd_risk(PowerLawRegression(), 0.1, 0, 5), ValueError, "batch_size"),
    ],
)
def test_bad_input_names_the_parameter(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_compute_optimal_reads_each_budget_from_one_run_per_setting():
    from lrlearn.batch.stream import compute_optimal

    p = PowerLawRegression(dim=16)
    r = compute_optimal(p, budgets=[64, 256], batch_sizes=[1, 4], lrs=[0.05, 0.2], tolerance=0.0)
    final, _, _ = expected_risk(p, [0.2], [4], 256 // 4)
    assert r.risk[1, 1, 1] == pytest.approx(final[0], rel=1e-12)
    best = np.unravel_index(np.argmin(r.risk[1]), r.risk[1].shape)
    assert r.best_batch[1] == [1, 4][best[0]] and r.best_lr[1] == [0.05, 0.2][best[1]]
    loose = compute_optimal(
        p, budgets=[64, 256], batch_sizes=[1, 4], lrs=[0.05, 0.2], tolerance=1.0
    )
    assert np.all(loose.best_batch >= r.best_batch)
