"""Landscapes: gradients and Hessians against finite differences, known minima, batching, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn.landscapes import DoubleWell, Quadratic, Ravine, Rosenbrock, Saddle

LANDSCAPES = [
    Quadratic(curvatures=[3.0, 0.5, 1.0], center=[1.0, -2.0, 0.5]),
    Quadratic(matrix=[[2.0, 0.5], [0.5, 1.0]], center=[0.3, 0.2]),
    Ravine(condition=40, angle=0.4),
    Rosenbrock(),
    DoubleWell(tilt=0.3),
    Saddle(a=2.0, b=0.5),
]


def numeric_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("scape", LANDSCAPES, ids=repr)
def test_grad_and_hessian_match_finite_differences(scape):
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.uniform(-1.5, 1.5, scape.dim)
        g = scape.grad(x)
        np.testing.assert_allclose(g, numeric_grad(lambda z: float(scape.value(z)), x),
                                   rtol=1e-6, atol=1e-6)
        h = scape.hessian(x)
        h_num = np.stack([numeric_grad(lambda z, i=i: float(scape.grad(z)[i]), x)
                          for i in range(scape.dim)])
        np.testing.assert_allclose(h, h_num, rtol=1e-5, atol=1e-5)
        f, g2 = scape.value_and_grad(x)
        assert f == pytest.approx(float(scape.value(x)))
        np.testing.assert_allclose(g2, g)


@pytest.mark.parametrize("scape", LANDSCAPES, ids=repr)
def test_batched_over_leading_axes(scape):
    x = np.random.default_rng(1).normal(size=(4, 3, scape.dim))
    assert scape.value(x).shape == (4, 3)
    assert scape.grad(x).shape == (4, 3, scape.dim)
    assert scape.hessian(x).shape == (4, 3, scape.dim, scape.dim)
    np.testing.assert_allclose(scape.value(x)[2, 1], scape.value(x[2, 1]))
    np.testing.assert_allclose(scape.grad(x)[3, 0], scape.grad(x[3, 0]))


@pytest.mark.parametrize("scape", LANDSCAPES, ids=repr)
def test_minima_are_stationary_with_positive_definite_hessian(scape):
    for m in scape.minima:
        np.testing.assert_allclose(scape.grad(m), 0.0, atol=1e-9)
        assert np.linalg.eigvalsh(scape.hessian(m)).min() > 0
    values = [float(scape.value(m)) for m in scape.minima]
    assert values[0] == pytest.approx(min(values))
    assert scape.min_value == pytest.approx(values[0], abs=1e-12)


def test_quadratic_closed_forms():
    q = Quadratic(curvatures=[2.0], center=[2.0])  # (x - 2)^2
    assert float(q.value(0.0)) == 4.0
    assert q.lipschitz == 2.0
    r = Ravine(condition=25)
    assert r.lipschitz == pytest.approx(25.0)
    assert r.condition_number == pytest.approx(25.0)
    q2 = Quadratic(matrix=[[2.0, 0.5], [0.5, 1.0]])
    assert q2.lipschitz == pytest.approx(np.linalg.eigvalsh([[2.0, 0.5], [0.5, 1.0]]).max())


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 1.5))
def test_double_well_has_two_minima_global_lower(tilt):
    w = DoubleWell(tilt)
    assert w.minima.shape == (2, 1)
    g, local = w.minima[:, 0]
    assert g < w.barrier < local
    assert float(w.value(g)) < float(w.value(local))


def test_rosenbrock_and_saddle_known_points():
    assert Rosenbrock(a=1.5).global_minimum.tolist() == [1.5, 2.25]
    s = Saddle()
    np.testing.assert_allclose(s.grad(s.saddle_point), 0)
    assert np.linalg.eigvalsh(s.hessian(s.saddle_point)).min() < 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Quadratic(), "exactly one"),
        (lambda: Quadratic(curvatures=[1.0, -1.0]), "curvatures"),
        (lambda: Quadratic(curvatures=[1.0, np.nan]), "curvatures"),
        (lambda: Quadratic(matrix=[[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
        (lambda: Quadratic(matrix=[[1.0, 0.0], [0.0, -1.0]]), "positive definite"),
        (lambda: Quadratic(curvatures=[1.0, 2.0], center=[1.0]), "center"),
        (lambda: DoubleWell(tilt=2.0), "tilt"),
        (lambda: Ravine(condition=0.5), "condition"),
        (lambda: Rosenbrock(b=-1), "b"),
    ],
)
def test_bad_construction(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_point_shape_names_the_shape():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        Rosenbrock().value(np.zeros(3))
