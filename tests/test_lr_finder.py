"""LR range test on numpy problems, and the suggestion rules shared with the torch version."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrlearn
from lrlearn.lr_finder import RangeTestResult, range_test


class LeastSquares:
    """0.5 * mean((A x - b)^2): Hessian A^T A / n, so full-batch GD diverges above 2 / L."""

    def __init__(self, n=64, d=4, seed=0):
        rng = np.random.default_rng(seed)
        self.A = rng.normal(size=(n, d)) * np.array([3.0, 1.0, 0.5, 0.1])
        self.b = self.A @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
        self.n_examples = n
        self.L = float(np.linalg.eigvalsh(self.A.T @ self.A / n).max())

    def init_params(self, seed=0):
        return np.zeros(self.A.shape[1])

    def loss_and_grad(self, params, idx=None):
        A, b = (self.A, self.b) if idx is None else (self.A[idx], self.b[idx])
        r = A @ params - b
        return float(0.5 * np.mean(r * r)), A.T @ r / len(b)


def quiet(problem, optimizer=None, **kw):
    return range_test(problem, optimizer, progress=False, **kw)


def test_full_batch_sgd_diverges_only_past_two_over_L():
    p = LeastSquares()
    r = quiet(p, start_lr=1e-4, end_lr=100.0, num_iter=200, batch_size=p.n_examples)
    assert r.diverged and r.stopped_at == len(r.lrs) - 1
    # the loss can only grow once lr > 2/L (|1 - lr L| > 1); it must not stop before that
    assert r.lrs[-1] > 2 / p.L
    assert r.lrs[-1] < 100.0
    for method in ("steepest", "valley", "minimum/10"):
        assert 1e-4 <= r.suggest(method) < 2 / p.L, method


def test_recorded_rates_follow_the_sweep():
    p = LeastSquares()
    r = quiet(p, start_lr=1e-5, end_lr=1e-2, num_iter=50)  # too small to diverge: full length
    assert not r.diverged and r.stopped_at is None and len(r.lrs) == 50
    np.testing.assert_allclose(r.lrs, np.geomspace(1e-5, 1e-2, 50), rtol=1e-12)
    lin = quiet(p, start_lr=1e-5, end_lr=1e-2, num_iter=50, step_mode="linear")
    np.testing.assert_allclose(lin.lrs, np.linspace(1e-5, 1e-2, 50), rtol=1e-12)


def test_smoothing_and_the_stop_rule():
    p = LeastSquares()
    r = quiet(p, start_lr=1e-3, end_lr=50.0, num_iter=150, smooth_f=0.2, diverge_th=3, batch_size=8)
    s, raw = r.losses, r.raw_losses
    assert s[0] == raw[0]
    np.testing.assert_allclose(s[1:], 0.2 * raw[1:] + 0.8 * s[:-1], rtol=1e-15)
    assert r.diverged and s[-1] > 3 * s[:-1].min()
    best = np.minimum.accumulate(s)
    assert np.all(s[:-1] <= 3 * best[:-1])  # it did not stop earlier than it should
    raw_only = quiet(p, start_lr=1e-3, end_lr=1.0, num_iter=30, smooth_f=0.0)
    np.testing.assert_array_equal(raw_only.losses, raw_only.raw_losses)


def test_manual_sgd_replay_gives_the_same_losses():
    """Independent re-implementation: same batches (seeded permutations), same SGD steps."""
    p = LeastSquares()
    r = quiet(p, start_lr=1e-3, end_lr=1.0, num_iter=20, batch_size=16, seed=3, smooth_f=0.0)
    rng = np.random.default_rng(3)
    x, losses = np.zeros(4), []
    order = rng.permutation(64)
    for k in range(20):
        if k and k % 4 == 0:
            order = rng.permutation(64)
        idx = order[(k % 4) * 16:(k % 4 + 1) * 16]
        loss, g = p.loss_and_grad(x, idx)
        losses.append(loss)
        x = x - 1e-3 * (1000.0 ** (k / 19)) * g
    np.testing.assert_allclose(r.raw_losses, losses, rtol=1e-12)


def test_deterministic_and_leaves_params_alone():
    p = LeastSquares()
    x0 = np.array([0.5, -0.5, 1.0, 2.0])
    a = quiet(p, params=x0, start_lr=1e-3, end_lr=10.0, batch_size=8, seed=1)
    b = quiet(p, params=x0, start_lr=1e-3, end_lr=10.0, batch_size=8, seed=1)
    c = quiet(p, params=x0, start_lr=1e-3, end_lr=10.0, batch_size=8, seed=2)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert not np.array_equal(a.raw_losses[:20], c.raw_losses[:20])
    np.testing.assert_array_equal(x0, [0.5, -0.5, 1.0, 2.0])


def test_other_optimizers_and_start_from_optimizer_lr():
    p = LeastSquares()
    r = quiet(p, lrlearn.Adam(lr=1e-4), end_lr=1.0, num_iter=40)
    assert r.lrs[0] == 1e-4 and r.settings["optimizer"] == "Adam"
    m = quiet(p, "momentum", start_lr=1e-3, end_lr=100.0, batch_size=64)
    assert m.diverged


def test_progress_bar_switch(capsys):
    p = LeastSquares()
    range_test(p, start_lr=1e-3, end_lr=1.0, num_iter=5, progress=False)
    assert "LR range test" not in capsys.readouterr().err
    range_test(p, start_lr=1e-3, end_lr=1.0, num_iter=5, progress=True)
    assert "LR range test" in capsys.readouterr().err


def test_range_test_on_digits_softmax_regression():
    from lrlearn.data import digits
    from lrlearn.problems import SoftmaxRegression

    data = digits()
    p = SoftmaxRegression(data)
    r = quiet(p, start_lr=1e-4, end_lr=100.0, num_iter=100, batch_size=64)
    # curvature at zero weights (uniform softmax, covariance I/K - 11'/K^2 with top eigenvalue
    # 1/K): L = lambda_max([X 1]'[X 1] / n) / K, K = 10 classes
    X1 = np.hstack([data.X_train, np.ones((len(data.X_train), 1))])
    L = float(np.linalg.eigvalsh(X1.T @ X1 / len(X1)).max()) / 10
    assert r.diverged and r.lrs[-1] > 2 / L
    assert r.losses[0] == pytest.approx(np.log(10), rel=1e-12)  # zero weights: uniform over 10
    assert 1e-4 < r.suggest("valley") < 2 / L
    assert 1e-4 < r.suggest("minimum/10") < 2 / L


# ---------------------------------------------------------------------------------------------
# suggestions on curves with known answers

def curve(losses, lrs=None):
    losses = np.asarray(losses, dtype=float)
    lrs = np.geomspace(1e-4, 1.0, len(losses)) if lrs is None else np.asarray(lrs)
    return RangeTestResult(lrs, losses, losses.copy(), diverged=False, settings={"step_mode": "exp"})


def test_steepest_is_argmin_of_the_gradient_inside_the_window():
    x = np.linspace(-6, 6, 60)
    losses = 1.0 / (1.0 + np.exp(2 * (x - 1.0)))  # steepest fall at x = 1
    r = curve(losses)
    k = int(np.argmin(np.abs(x - 1.0)))
    assert r.suggest("steepest") == r.lrs[k]
    # the window: a steeper drop inside the skipped start is ignored
    spiked = losses.copy()
    spiked[2] = 10.0
    assert curve(spiked).suggest("steepest", skip_start=10) == r.lrs[k]
    assert curve(spiked).suggest("steepest", skip_start=0) == r.lrs[3]


def test_minimum_over_ten():
    losses = (np.linspace(-1, 1, 50) - 0.4) ** 2
    r = curve(losses)
    assert r.suggest("minimum/10") == pytest.approx(r.lrs[int(np.argmin(losses))] / 10, rel=1e-15)


def fastai_valley(lrs, losses):
    """fastai.callback.schedule.valley, transcribed loop for loop."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if (losses[i] < losses[j]) and (lds[i] < lds[j] + 1):
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return float(lrs[idx])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), min_size=2, max_size=70), st.integers(0, 3))
def test_valley_equals_fastai_reference(losses, skip):
    losses = np.array(losses)
    r = curve(losses)
    if len(losses) < 2 * skip + 2:
        with pytest.raises(ValueError, match="skip_start"):
            r.suggest("valley", skip, skip)
        return
    window = slice(skip, len(losses) - skip)
    assert r.suggest("valley", skip, skip) == fastai_valley(r.lrs[window], losses[window])


def test_valley_on_a_u_shaped_curve_is_inside_the_descent():
    lrs = np.geomspace(1e-5, 10, 100)
    losses = 2.0 - np.tanh(np.log10(lrs) + 2) + 0.5 * np.maximum(np.log10(lrs), 0) ** 2 * 10
    r = curve(losses, lrs)
    v = r.suggest("valley", 0, 0)
    assert 1e-4 < v < 1.0 and v < lrs[int(np.argmin(losses))]


def test_suggest_bad_input():
    r = curve(np.linspace(2, 1, 16))
    with pytest.raises(ValueError, match="skip_start"):
        r.suggest("steepest", skip_start=10, skip_end=5)  # 16 < 17
    with pytest.raises(ValueError, match="method"):
        r.suggest("fastest", 0, 0)
    with pytest.raises(ValueError, match="skip_end"):
        r.suggest("steepest", 0, -1)


def test_plot_marks_the_suggestion_and_stays_finite():
    import matplotlib.pyplot as plt

    p = LeastSquares()
    r = quiet(p, start_lr=1e-4, end_lr=100.0, num_iter=120, batch_size=16)
    for method in ("steepest", "valley", "minimum/10"):
        ax = r.plot(method=method)
        labels = [ln.get_label() for ln in ax.get_lines()]
        assert any(lb.startswith(method) for lb in labels)
        assert ax.get_xscale() == "log"
        for ln in ax.get_lines():
            assert np.all(np.isfinite(np.asarray(ln.get_ydata(), dtype=float)))
        vline = next(ln for ln in ax.get_lines() if ln.get_linestyle() == "--")
        assert vline.get_xdata()[0] == pytest.approx(r.suggest(method))
    assert r.plot(method=None).get_legend() is not None
    plt.close("all")


@pytest.mark.parametrize(
    ("kw", "exc", "match"),
    [
        ({"start_lr": 0.0}, ValueError, "start_lr"),
        ({"start_lr": -1e-3}, ValueError, "start_lr"),
        ({"start_lr": 1.0, "end_lr": 1.0}, ValueError, "end_lr"),
        ({"end_lr": 1e-9}, ValueError, "end_lr"),
        ({"num_iter": 1}, ValueError, "num_iter"),
        ({"num_iter": 10.0}, TypeError, "num_iter"),
        ({"step_mode": "log"}, ValueError, "step_mode"),
        ({"smooth_f": 1.0}, ValueError, "smooth_f"),
        ({"diverge_th": 1.0}, ValueError, "diverge_th"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 65}, ValueError, "batch_size"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_bad_arguments(kw, exc, match):
    with pytest.raises(exc, match=match):
        quiet(LeastSquares(), **kw)


def test_start_lr_already_divergent_is_a_clear_error():
    p = LeastSquares()
    with pytest.raises(ValueError, match="start_lr"):
        quiet(p, start_lr=1e200, end_lr=1e210, num_iter=10, batch_size=64)
