"""lrlearn.momentum against closed forms, numpy's eigenvalues and simulation (torch semantics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrlearn
from lrlearn import momentum as M
from lrlearn.landscapes import Quadratic

lrs = st.floats(1e-3, 5.0)
betas = st.floats(0.0, 0.99)
curvatures = st.floats(0.05, 20.0)


@settings(max_examples=200, deadline=None)
@given(lrs, betas, curvatures)
def test_spectral_radius_is_the_companion_matrix_s(lr, beta, lam):
    want = np.abs(np.linalg.eigvals(M.companion_matrix(lr, beta, lam))).max()
    assert M.spectral_radius(lr, beta, [lam]) == pytest.approx(want, rel=1e-6, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(lrs, betas, curvatures)
def test_regime_boundaries_match_the_eigenvalues(lr, beta, lam):
    h = lr * lam
    sb = np.sqrt(beta)
    # stay off the boundaries themselves, where rounding decides
    edges = [(1 - sb) ** 2, (1 + sb) ** 2, 2 * (1 + beta)]
    if min(abs(h - e) for e in edges) < 1e-6:
        return
    z = np.linalg.eigvals(M.companion_matrix(lr, beta, lam))
    rho = np.abs(z).max()
    got = M.regime(lr, beta, lam)
    if rho >= 1:
        assert got == M.DIVERGING
    elif np.abs(z.imag).max() > 1e-12:
        assert got == M.OSCILLATING
        assert rho == pytest.approx(sb, rel=1e-6)  # complex roots have modulus sqrt(beta)
    elif z.real.min() < 0:
        assert got == M.FLIPPING
    else:
        assert got == M.MONOTONE


def test_stability_edge_is_two_one_plus_beta_over_L():
    for beta in (0.0, 0.5, 0.9):
        edge = 2 * (1 + beta) / 4.0
        assert M.spectral_radius(edge * 0.999, beta, [4.0, 0.5]) < 1
        assert M.spectral_radius(edge * 1.001, beta, [4.0, 0.5]) > 1


def test_beta_zero_is_gradient_descent():
    lam = np.array([4.0, 0.5])
    for lr in (0.01, 0.3, 0.45, 0.6):
        assert M.spectral_radius(lr, 0.0, lam) == pytest.approx(np.abs(1 - lr * lam).max())


@pytest.mark.parametrize("kappa", [4.0, 25.0, 100.0, 1e4])
def test_optimal_momentum_closed_form_and_is_optimal(kappa):
    lam = [kappa, 1.0]
    lr, beta, rate = M.optimal_momentum(lam)
    root = np.sqrt(kappa)
    assert beta == pytest.approx(((root - 1) / (root + 1)) ** 2)
    assert rate == pytest.approx(np.sqrt(beta))
    assert M.spectral_radius(lr, beta, lam) == pytest.approx(rate, rel=1e-6)
    # no point of a fine grid around it does better
    grid_lr = lr * np.geomspace(0.8, 1.25, 41)
    grid_beta = np.clip(beta + np.linspace(-0.05, 0.05, 41), 0, 0.999)
    rho = M.phase_diagram(lam, grid_lr, grid_beta).rho
    assert rho.min() >= rate * (1 - 1e-6)
    # the sqrt(kappa) speed-up over gradient descent's best
    gd = M.gd_optimal_rate(lam)
    assert gd == pytest.approx((kappa - 1) / (kappa + 1))
    speedup = M.steps_to_shrink(gd) / M.steps_to_shrink(rate)
    assert speedup == pytest.approx(np.sqrt(kappa), rel=0.5 if kappa < 10 else 0.05)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.81])
def test_critical_damping_is_a_double_root(beta):
    lam = 3.0
    lr = M.critical_damping_lr(beta, lam)
    z = np.linalg.eigvals(M.companion_matrix(lr, beta, lam))
    assert z[0] == pytest.approx(z[1], abs=1e-6)
    assert M.regime(lr, beta, lam) == M.MONOTONE
    assert M.regime(lr * 1.01, beta, lam) == (M.OSCILLATING if beta > 0 else M.FLIPPING)


@pytest.mark.parametrize("lr, beta", [(0.1, 0.9), (0.3, 0.5), (0.05, 0.0), (0.7, 0.9)])
def test_mode_errors_equal_simulation(lr, beta):
    lam = [4.0, 0.5]
    x0 = [2.0, -1.0]
    errors = M.mode_errors(lr, beta, lam, x0, 30)
    run = lrlearn.simulate(Quadratic(curvatures=lam), x0, lr, 30, "sgd", momentum=beta)
    n = run.positions.shape[0]
    assert np.allclose(errors[:n], run.positions, rtol=1e-9, atol=1e-12)


def test_mode_errors_decay_at_the_spectral_radius():
    lr, beta, lam = 0.2, 0.6, [4.0]
    e = np.abs(M.mode_errors(lr, beta, lam, [1.0], 400)[:, 0])
    # a spiralling mode touches its envelope periodically: compare the envelope over a window
    envelope = np.array([e[t : t + 20].max() for t in (200, 380)])
    measured = (envelope[1] / envelope[0]) ** (1 / 180)
    assert measured == pytest.approx(M.spectral_radius(lr, beta, lam), rel=1e-2)


def test_phase_diagram_regions():
    d = M.phase_diagram([1.0], [0.01, 0.5, 3.0, 5.0], [0.0, 0.5])
    assert d.rho.shape == (2, 4)
    assert d.regimes[0, 0] == M.MONOTONE  # lr 0.01, beta 0
    assert d.regimes[1, 1] == M.OSCILLATING  # h = 0.5 between 0.086 and 2.91
    assert d.regimes[1, 2] == M.DIVERGING  # h = 3 = 2 (1 + 0.5)
    assert d.regimes[0, 3] == M.DIVERGING


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: M.spectral_radius(0.1, 1.0, [1.0]), "beta"),
        (lambda: M.spectral_radius(-0.1, 0.5, [1.0]), "lr"),
        (lambda: M.spectral_radius(0.1, 0.5, [-1.0]), "curvatures"),
        (lambda: M.mode_errors(0.1, 0.5, [1.0], [1.0], -1), "steps"),
        (lambda: M.steps_to_shrink(1.0), "rate"),
    ],
)
def test_bad_input_names_the_parameter(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_momentum_view_renders_live_and_precomputed():
    pytest.importorskip("ipywidgets")
    from lrlearn.widgets import MomentumModes, precomputed

    view = MomentumModes(curvatures=(25.0, 1.0), lr=0.05, beta=0.0)
    assert view.png(lr=0.15, beta=0.0)[:4] == b"\x89PNG"
    assert "diverges" in view.status.get_text()  # 0.15 > 2/25
    view.show(lr=0.15, beta=0.9)
    assert "diverges" not in view.status.get_text()  # edge 2 (1 + 0.9) / 25 = 0.152
    static = precomputed(
        MomentumModes(lr=0.05, beta=0.0), grid={"lr": [0.05, 0.1], "beta": [0.0, 0.9]}
    )
    assert len(static.images) == 4
    assert [s.index for s in static.sliders] == [0, 0]  # opens at the value the code set
    static.close()
