"""Sharpness by power iteration against exact eigenvalues; the edge of stability really happens."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep.models import digits_tensors, mlp  # noqa: E402
from lrlearn.deep.sharpness import (  # noqa: E402
    EdgeOfStabilityResult,
    edge_of_stability,
    exact_hessian_eigenvalues,
    top_hessian_eigenvalue,
)

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]


@pytest.mark.parametrize("n", [37, 150])
def test_linear_model_matches_closed_form(n):
    # square loss 0.5 * mean ||W x + b - t||^2: the Hessian is I_10 (x) (1/n) [X 1]^T [X 1]
    X, y = digits_tensors(n=n, dtype=torch.float64)
    model = mlp(hidden=(), dtype=torch.float64, seed=n)
    A = np.hstack([X.numpy(), np.ones((n, 1))])
    expected = np.linalg.eigvalsh(A.T @ A / n)[-1]
    got = top_hessian_eigenvalue(model, X, y, loss="mse", iters=2000, tol=1e-12)
    assert got == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
@pytest.mark.parametrize("seed", [3, 4])
def test_power_iteration_matches_exact_hessian(loss, seed):
    X, y = digits_tensors(n=30, dtype=torch.float64)
    model = mlp(hidden=(5,), dtype=torch.float64, seed=seed)
    eig = exact_hessian_eigenvalues(model, X, y, loss=loss)
    assert eig.shape == (64 * 5 + 5 + 5 * 10 + 10,)
    top = eig[np.argmax(np.abs(eig))]
    assert top == eig[-1] > 0  # the top positive eigenvalue dominates here
    got = top_hessian_eigenvalue(model, X, y, loss=loss, iters=3000, tol=1e-12)
    assert got == pytest.approx(top, rel=1e-6)


def test_warm_start_and_vector():
    X, y = digits_tensors(n=30, dtype=torch.float64)
    model = mlp(hidden=(5,), dtype=torch.float64, seed=3)
    value, v = top_hessian_eigenvalue(model, X, y, iters=2000, tol=1e-12, return_vector=True)
    assert float(sum((a * a).sum() for a in v)) == pytest.approx(1.0)
    again = top_hessian_eigenvalue(model, X, y, iters=1, start=v)
    assert again == pytest.approx(value, rel=1e-6)


@pytest.fixture(scope="module")
def eos():
    return edge_of_stability(0.15, steps=600, progress=False)


def test_edge_of_stability_hovers_at_two_over_lr(eos):
    assert isinstance(eos, EdgeOfStabilityResult)
    assert eos.threshold == pytest.approx(2 / 0.15)
    # progressive sharpening: starts well below 2/lr ...
    assert eos.sharpness[0] < 0.7 * eos.threshold
    assert eos.first_crossing is not None and eos.first_crossing > 50
    # ... and over the last 30% of the run every measurement is within 20% of 2/lr
    tail = eos.tail(0.3)
    assert len(tail) >= 10
    assert np.all(np.abs(tail / eos.threshold - 1) < 0.2), tail / eos.threshold
    assert abs(eos.hover_ratio() - 1) < 0.1
    # the loss still goes down overall, though not monotonically (the mark of the edge)
    assert eos.loss[-1] < 0.3 * eos.loss[0]
    assert np.any(np.diff(eos.loss[eos.first_crossing:]) > 0)


def test_small_lr_stays_below_the_edge():
    small = edge_of_stability(0.05, steps=300, progress=False)
    assert np.all(small.sharpness < 0.5 * small.threshold)
    assert np.all(np.diff(small.loss) <= 1e-12)  # stable GD: the loss falls monotonically


def test_plot(eos):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = eos.plot()
    line = fig.axes[1].lines[1]
    assert np.allclose(line.get_ydata(), eos.threshold)
    plt.close(fig)
    assert "2/lr=13.33" in repr(eos)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"lr": 0}, ValueError, "lr must be > 0"),
        ({"lr": float("nan")}, ValueError, "lr must be finite"),
        ({"steps": 0}, ValueError, "steps must be >= 1"),
        ({"every": 0}, ValueError, "every must be >= 1"),
        ({"loss": "l1"}, ValueError, "loss must be one of"),
        ({"n": 10_000}, ValueError, "n must be in"),
        ({"device": "tpu"}, ValueError, "device must be one of"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        edge_of_stability(**{"progress": False, **kwargs})


def test_exact_refuses_big_models():
    X, y = digits_tensors(n=10, dtype=torch.float64)
    with pytest.raises(ValueError, match="small models"):
        exact_hessian_eigenvalues(mlp(hidden=(100,)), X, y)


def test_divergence_is_a_result():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = edge_of_stability(3.0, steps=60, progress=False)  # 2/lr = 0.67, far below the start
    assert r.diverged and 0 < r.diverged_at < 60
    assert np.all(np.isfinite(r.loss[:r.diverged_at]))
    assert np.all(np.isnan(r.loss[r.diverged_at:]))
    assert np.all(np.isfinite(r.sharpness))
    assert f"diverged at step {r.diverged_at}" in repr(r)
    fig = r.plot()  # no NaN on the axes, no overflow warning
    assert np.all(np.isfinite(fig.axes[0].get_ylim()))
    plt.close(fig)


def test_stable_run_does_not_diverge(eos):
    assert not eos.diverged and eos.diverged_at is None
