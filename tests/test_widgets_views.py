"""Concept views (optimizers, stability, loss curves, schedules, range test) checked against
closed forms and the library functions they show."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn import simulate
from lrlearn.landscapes import Quadratic
from lrlearn.stability import Verdict
from lrlearn.widgets import (
    EffectiveStep,
    LossCurveDoctor,
    OptimizerRace,
    StabilityExplorer,
    diagnose,
    effective_lr,
)


# -- concept views against the library's closed forms ----------------------------------------
@settings(max_examples=20, deadline=None)
@given(lr=st.floats(1e-3, 0.07), lam=st.floats(0.5, 20.0))
def test_effective_lr_of_sgd_is_lr(lr, lam):
    run = simulate(Quadratic(curvatures=[lam, 1.0]), [1.0, -2.0], lr, 10)
    eff = effective_lr(run)
    assert eff.shape == (10, 2)
    np.testing.assert_allclose(eff[np.isfinite(eff)], lr, rtol=1e-9)


def test_effective_lr_of_adagrad_first_step():
    scape = Quadratic(curvatures=[25.0, 1.0])
    run = simulate(scape, [-1.0, 3.0], 0.1, 3, "adagrad")
    g0 = np.abs(scape.grad(np.array([-1.0, 3.0])))
    np.testing.assert_allclose(effective_lr(run)[0], 0.1 / (g0 + 1e-10), rtol=1e-12)
    with pytest.raises(TypeError, match="run must be a Trajectory"):
        effective_lr(np.zeros(3))


def test_effective_step_view_plots_effective_lr():
    view = EffectiveStep()
    view.show(optimizer="sgd", lr=0.03)
    _, y = view.eff_x.get_data()
    np.testing.assert_allclose(y, 0.03, rtol=1e-9)
    assert view.lr_line.get_ydata()[0] == pytest.approx(0.03)
    view.show(optimizer="sgd", lr=0.5)  # > 2/25: diverges along x
    assert view.heading.get_text().startswith("diverged at step")


def test_stability_explorer_factors_and_marker():
    view = StabilityExplorer(curvatures=(4.0, 0.5))
    view.show(lr=0.25)
    assert view.marker_line.get_xdata()[0] == pytest.approx(0.25)
    assert view.heading.get_text().startswith("|1 − lr·λ| = 0.00, 0.88")  # |1-1|, |1-0.125|
    view.show(lr=0.6)  # 2/L = 0.5
    assert "diverged at step" in view.status.get_text()
    _, y = view.marker.get_data()
    assert y[0] == pytest.approx(view.top)  # a diverged run sits at the top of the U-curve


def test_optimizer_race_runs_each_optimizer_from_the_same_start():
    view = OptimizerRace()
    runs = view.compute(sgd_lr=0.03, adaptive_lr=0.1)
    assert [type(r.optimizer).__name__ for r in runs] == ["SGD", "SGD", "Adam"]
    assert runs[1].optimizer.momentum == 0.9 and runs[2].lrs[0] == 0.1
    view.show(sgd_lr=0.2, adaptive_lr=0.1)  # above 2/25 = 0.08: SGD and momentum diverge
    assert "SGD: diverged at step" in view.notes.get_text()
    with pytest.raises(ValueError, match="optimizers must be names"):
        OptimizerRace(optimizers=("sgd", "lbfgs"))


@pytest.mark.parametrize(
    ("ratio", "momentum", "verdict"),
    [
        (0.02, 0.0, Verdict.TOO_SLOW),
        (0.9, 0.0, Verdict.CONVERGES),
        (0.9, 0.5, Verdict.OSCILLATES),
        (1.05, 0.0, Verdict.DIVERGES),
        (1.05, 0.5, Verdict.OSCILLATES),
    ],
)
def test_loss_curve_doctor_diagnoses(ratio, momentum, verdict):
    view = LossCurveDoctor()
    view.show(ratio=ratio, momentum=momentum)
    assert str(verdict) in view.status.get_text() or (
        verdict is Verdict.DIVERGES and "diverged at step" in view.status.get_text()
    )
    assert diagnose([3.0, 2.0, 1.0, 0.5], min_value=0.5)[0] is Verdict.CONVERGES
    assert "lower the learning rate" in diagnose([1.0, 5.0])[1]


# -- schedules ----------------------------------------------------------------------------------
def test_schedule_designer_uses_the_library_schedule():
    from lrlearn import schedules as S
    from lrlearn.widgets import ScheduleDesigner, make_schedule

    view = ScheduleDesigner(steps=100)
    result = view.compute(kind="step", peak_lr=0.2)
    np.testing.assert_allclose(result.lrs, S.step_lr(0.2, 30, 0.3)(np.arange(100)))
    expected = simulate(view.landscape, [1.6], None, 100, schedule=S.step_lr(0.2, 30, 0.3))
    np.testing.assert_array_equal(result.run.positions, expected.positions)
    assert make_schedule("one-cycle", 0.1, 50)(0) == pytest.approx(0.1 / 25)
    with pytest.raises(ValueError, match="kind must be one of"):
        make_schedule("triangular", 0.1, 50)


@pytest.mark.parametrize(
    ("kind", "peak", "message"),
    [
        ("constant", 0.1, "settled in the local minimum"),
        ("cosine", 0.25, "settled in the global minimum"),
        ("constant", 0.25, "not settled"),
        ("cosine", 0.4, "diverged at step 3"),
        ("warmup + cosine", 0.4, "settled in the local minimum"),
    ],
)
def test_schedule_designer_reports_where_the_run_ends(kind, peak, message):
    from lrlearn.widgets import ScheduleDesigner

    view = ScheduleDesigner()
    view.attach()
    view.update(view.compute(**view.values(kind=kind, peak_lr=peak)))
    assert view.status.get_text().startswith(message)
    _, x = view.x_line.get_data()
    assert np.all(np.isfinite(x))


# -- LR range test -------------------------------------------------------------------------------
def test_range_test_view_draws_the_library_result():
    from lrlearn.lr_finder import range_test
    from lrlearn.widgets import RangeTestView

    view = RangeTestView()
    view.attach()
    result = view.compute(**view.values(batch_size=128, smooth_f=0.3))
    expected = range_test(
        view.problem,
        "sgd",
        start_lr=1e-4,
        end_lr=100.0,
        num_iter=100,
        batch_size=128,
        smooth_f=0.3,
        seed=0,
        progress=False,
    )
    np.testing.assert_array_equal(result.losses, expected.losses)
    view.update(result)
    x, y = view.smooth.get_data()
    np.testing.assert_array_equal(x, expected.lrs)
    assert np.all(y <= 2.0 * view.loss0)  # the blow-up is clipped to the axis, never inf
    for method in ("steepest", "valley", "minimum/10"):
        assert view.lines[method].get_xdata()[0] == expected.suggest(method)
        assert f"{method:>10s}: {expected.suggest(method):.3g}" in view.note.get_text()
    with pytest.raises(ValueError, match="batch_size must be one of"):
        view.values(batch_size=64)
