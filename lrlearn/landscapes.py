"""Loss landscapes f(x) with value, gradient and Hessian, batched over leading axes.

Every landscape works on points ``x`` of shape ``(..., dim)``: ``value`` returns shape ``(...)``,
``grad`` returns ``(..., dim)`` and ``hessian`` returns ``(..., dim, dim)``. Each knows its local
minima (``minima``), its global minimum and the loss there, and a sensible plotting window.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property, wraps

import numpy as np

from . import _checks

__all__ = [
    "DoubleWell",
    "Landscape",
    "Quadratic",
    "Ravine",
    "Rosenbrock",
    "Saddle",
]


class Landscape(ABC):
    """A differentiable loss ``f: R^dim -> R`` evaluated on batches of points."""

    dim: int
    name: str = "landscape"
    #: plotting window, one ``(low, high)`` pair per dimension
    bounds: tuple[tuple[float, float], ...]
    #: a start point that shows the landscape's character
    default_start: np.ndarray

    def __init_subclass__(cls, **kwargs) -> None:
        # huge-but-finite points overflow to inf quietly: no RuntimeWarning reaches the caller
        super().__init_subclass__(**kwargs)
        for method in ("value", "grad", "hessian", "value_and_grad"):
            fn = cls.__dict__.get(method)
            if fn is not None and not getattr(fn, "_quiet", False):
                setattr(cls, method, _quiet(fn))

    @abstractmethod
    def value(self, x: np.ndarray) -> np.ndarray:
        """f(x) for points of shape (..., dim)."""

    @abstractmethod
    def grad(self, x: np.ndarray) -> np.ndarray:
        """The gradient, shape (..., dim)."""

    @abstractmethod
    def hessian(self, x: np.ndarray) -> np.ndarray:
        """The Hessian, shape (..., dim, dim)."""

    def value_and_grad(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both at once; subclasses share work where they can."""
        return self.value(x), self.grad(x)

    @property
    @abstractmethod
    def minima(self) -> np.ndarray:
        """All local minima, shape (k, dim); the global one first. Empty if unbounded below."""

    @property
    def global_minimum(self) -> np.ndarray:
        """The point of lowest loss, shape (dim,)."""
        return self.minima[0]

    @property
    def min_value(self) -> float:
        """The lowest loss f(global_minimum)."""
        return float(self.value(self.global_minimum))

    def _points(self, x: np.ndarray | float) -> np.ndarray:
        if x is None or isinstance(x, str | bytes):
            raise TypeError(f"x must be points of shape (..., {self.dim}), got {x!r}")
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"x must be points of shape (..., {self.dim}), got {x!r}") from exc
        if arr.ndim == 0 and self.dim != 1:
            raise ValueError(f"x must have shape (..., {self.dim}) for {self.name}, got {x!r}")
        if self.dim == 1 and (arr.ndim == 0 or arr.shape[-1] != 1):
            arr = arr[..., None]
        if arr.shape[-1] != self.dim:
            raise ValueError(
                f"x must have shape (..., {self.dim}) for {self.name}, got shape {arr.shape}"
            )
        return arr

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim={self.dim})"


def _quiet(fn):
    """``fn`` under ``np.errstate(all="ignore")``: overflow gives inf, as in the simulator."""

    value_first = fn.__name__ in ("value", "value_and_grad")

    @wraps(fn)
    def quiet(self, x):
        with np.errstate(all="ignore"):
            out = fn(self, x)
            if value_first:
                # every landscape here is bounded below: a loss that overflowed as inf - inf
                # at a finite point is +inf, not NaN
                v = out[0] if isinstance(out, tuple) else out
                nan = np.isnan(v)
                if nan.any():
                    nan &= np.isfinite(self._points(x)).all(-1)
                    v = np.where(nan, np.inf, v)
                    out = (v, out[1]) if isinstance(out, tuple) else v
            return out

    quiet._quiet = True
    return quiet


class Quadratic(Landscape):
    """f(x) = 1/2 (x - c)^T A (x - c), with A symmetric positive definite.

    Give either ``curvatures`` (the eigenvalues; A is then diagonal) or a full symmetric ``matrix``.
    Gradient descent on it converges exactly when ``0 < lr < 2 / L`` with ``L = lipschitz``, the
    largest curvature, and each eigen-direction contracts by ``|1 - lr * lambda_i|`` per step.

    >>> Quadratic(curvatures=[2.0], center=[2.0]).value(0.0)   # (x - 2)^2 at x = 0
    array(4.)
    """

    name = "quadratic"

    def __init__(
        self,
        curvatures: np.ndarray | list[float] | None = None,
        *,
        matrix: np.ndarray | list[list[float]] | None = None,
        center: np.ndarray | list[float] | float | None = None,
    ) -> None:
        if (curvatures is None) == (matrix is None):
            raise ValueError(
                "Quadratic needs exactly one of curvatures=... or matrix=..., got "
                f"curvatures={curvatures!r}, matrix={matrix!r}"
            )
        if curvatures is not None:
            lam = _checks.positive_array("curvatures", curvatures)
            a = np.diag(lam)
        else:
            a = _checks.array("matrix", matrix, ndim=2, finite=False)
            if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
                raise ValueError(f"matrix must be square (d, d), got shape {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError("matrix must contain only finite numbers")
            if not np.allclose(a, a.T, rtol=1e-12, atol=1e-12):
                raise ValueError("matrix must be symmetric")
            a = 0.5 * (a + a.T)
            lam = np.linalg.eigvalsh(a)
            if lam[0] <= 0:
                raise ValueError(
                    f"matrix must be positive definite (all eigenvalues > 0), smallest is {lam[0]:g}"
                )
        self.matrix = a
        self.dim = a.shape[0]
        self._halves = np.full(self.dim, 0.5)
        c = (
            np.zeros(self.dim)
            if center is None
            else np.atleast_1d(_checks.array("center", center, ndim=(0, 1), finite=False))
        )
        if c.shape != (self.dim,) or not np.all(np.isfinite(c)):
            raise ValueError(f"center must be {self.dim} finite numbers, got {center!r}")
        self.center = c
        self.curvatures = np.sort(np.asarray(lam, float))[::-1].copy()
        width = 3.0 / np.sqrt(self.curvatures[-1]) + 1.0
        self.bounds = tuple((float(ci - width), float(ci + width)) for ci in c)
        self.default_start = c + np.where(np.arange(self.dim) % 2 == 0, -1.0, 0.8) * width * 0.8

    @property
    def lipschitz(self) -> float:
        """L, the largest curvature: the Lipschitz constant of the gradient."""
        return float(self.curvatures[0])

    @property
    def strong_convexity(self) -> float:
        """mu, the smallest curvature."""
        return float(self.curvatures[-1])

    @property
    def condition_number(self) -> float:
        """kappa = L / mu."""
        return self.lipschitz / self.strong_convexity

    def value(self, x):
        return self.value_and_grad(x)[0]

    def grad(self, x):
        return (self._points(x) - self.center) @ self.matrix

    def _centers_like(self, x: np.ndarray) -> np.ndarray:
        """The centre repeated to ``x``'s shape, cached: subtracting an array of the same shape
        is several times faster in numpy than broadcasting a short last axis over many rows."""
        tiled = getattr(self, "_tiled_center", None)
        if tiled is None or tiled.shape != x.shape:
            tiled = np.broadcast_to(self.center, x.shape).copy()
            self._tiled_center = tiled
        return tiled

    def value_and_grad(self, x):
        x = self._points(x)
        r = x - (self._centers_like(x) if x.ndim > 1 else self.center)
        g = r @ self.matrix
        # (r * g) @ (ones / 2) is half the row-wise dot product; faster than einsum or .sum(-1)
        return (r * g) @ self._halves, g

    def hessian(self, x):
        x = self._points(x)
        return np.broadcast_to(self.matrix, (*x.shape[:-1], self.dim, self.dim)).copy()

    @property
    def minima(self):
        return self.center[None, :].copy()

    @property
    def min_value(self) -> float:
        return 0.0

    def __repr__(self) -> str:
        return f"Quadratic(curvatures={self.curvatures.tolist()}, center={self.center.tolist()})"


class Ravine(Quadratic):
    """An ill-conditioned quadratic valley: curvatures ``(condition, 1)`` rotated by ``angle``.

    The steep walls limit the learning rate to ``2 / condition`` while the valley floor, with
    curvature 1, then needs about ``condition`` steps: the classic zig-zag of plain gradient
    descent that momentum and adaptive methods were invented to fix.
    """

    name = "ravine"

    def __init__(self, condition: float = 25.0, angle: float = np.pi / 6) -> None:
        condition = _checks.in_range("condition", condition, 1.0, 1e8)
        angle = _checks.real("angle", angle)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        super().__init__(matrix=rot @ np.diag([condition, 1.0]) @ rot.T)
        self.condition = condition
        self.angle = angle
        self.bounds = ((-4.0, 4.0), (-4.0, 4.0))
        self.default_start = np.array([-3.0, 2.5])

    def __repr__(self) -> str:
        return f"Ravine(condition={self.condition:g}, angle={self.angle:g})"


class Rosenbrock(Landscape):
    """f(x, y) = (a - x)^2 + b (y - x^2)^2: a curved banana valley, minimum (a, a^2) with f = 0."""

    name = "rosenbrock"
    dim = 2

    def __init__(self, a: float = 1.0, b: float = 100.0) -> None:
        self.a = _checks.in_range("a", a, -1e100, 1e100)
        self.b = _checks.in_range("b", b, 0.0, 1e100, low_open=True)
        self.bounds = ((-2.0, 2.0), (-1.0, 3.0))
        self.default_start = np.array([-1.5, 2.0])

    def value(self, x):
        x = self._points(x)
        u, v = x[..., 0], x[..., 1]
        return (self.a - u) ** 2 + self.b * (v - u**2) ** 2

    def grad(self, x):
        x = self._points(x)
        u, v = x[..., 0], x[..., 1]
        w = v - u**2
        return np.stack([-2 * (self.a - u) - 4 * self.b * u * w, 2 * self.b * w], axis=-1)

    def hessian(self, x):
        x = self._points(x)
        u, v = x[..., 0], x[..., 1]
        h = np.empty((*x.shape[:-1], 2, 2))
        h[..., 0, 0] = 2 - 4 * self.b * (v - u**2) + 8 * self.b * u**2
        h[..., 0, 1] = h[..., 1, 0] = -4 * self.b * u
        h[..., 1, 1] = 2 * self.b
        return h

    @property
    def minima(self):
        return np.array([[self.a, self.a**2]])

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"


class DoubleWell(Landscape):
    """A tilted double well in 1-D: f(x) = (x^2 - 1)^2 + tilt * x.

    With ``0 < tilt < 8 / (3 sqrt 3)`` (about 1.54) it has two minima: a global one near x = -1
    and a local one near x = +1, separated by a bump near x = 0. Which one gradient descent finds
    depends on where it starts and how large its steps are, not on "small learning rates getting
    stuck": a small step follows the slope into the nearer basin.
    """

    name = "double well"
    dim = 1

    def __init__(self, tilt: float = 0.3) -> None:
        self.tilt = _checks.in_range("tilt", tilt, 0.0, 8 / (3 * np.sqrt(3)), high_open=True)
        self.bounds = ((-1.8, 1.8),)
        self.default_start = np.array([1.6])

    def value(self, x):
        x = self._points(x)[..., 0]
        return (x**2 - 1) ** 2 + self.tilt * x

    def grad(self, x):
        x = self._points(x)[..., 0]
        return (4 * x * (x**2 - 1) + self.tilt)[..., None]

    def hessian(self, x):
        x = self._points(x)[..., 0]
        return (12 * x**2 - 4)[..., None, None]

    @cached_property
    def stationary_points(self) -> np.ndarray:
        """Real roots of f'(x) = 4x^3 - 4x + tilt, ascending."""
        roots = np.roots([4.0, 0.0, -4.0, self.tilt])
        return np.sort(roots[np.abs(roots.imag) < 1e-9].real)

    @property
    def minima(self):
        pts = [p for p in self.stationary_points if 12 * p**2 - 4 > 0]
        pts.sort(key=lambda p: float(self.value(p)))
        return np.array(pts)[:, None]

    @property
    def barrier(self) -> float:
        """The local maximum between the wells (the top of the bump)."""
        return float(self.stationary_points[1])

    def __repr__(self) -> str:
        return f"DoubleWell(tilt={self.tilt:g})"


class Saddle(Landscape):
    """f(x, y) = a/2 x^2 + b (y^4/4 - y^2/2 + 1/4): a saddle at the origin, minima at (0, +-1).

    Along y the origin is a maximum, along x a minimum. Gradient descent started exactly on the
    line y = 0 never leaves it and stalls at the saddle; the smallest nudge in y escapes, slowly
    at first because the gradient there is tiny (the plateau of saddle points).
    """

    name = "saddle"
    dim = 2

    def __init__(self, a: float = 1.0, b: float = 1.0) -> None:
        self.a = _checks.positive("a", a)
        self.b = _checks.positive("b", b)
        self.bounds = ((-2.0, 2.0), (-1.8, 1.8))
        self.default_start = np.array([-1.8, 1e-3])

    def value(self, x):
        x = self._points(x)
        u, v = x[..., 0], x[..., 1]
        return 0.5 * self.a * u**2 + 0.25 * self.b * (v**2 - 1) ** 2

    def grad(self, x):
        x = self._points(x)
        u, v = x[..., 0], x[..., 1]
        return np.stack([self.a * u, self.b * (v**3 - v)], axis=-1)

    def hessian(self, x):
        x = self._points(x)
        v = x[..., 1]
        h = np.zeros((*x.shape[:-1], 2, 2))
        h[..., 0, 0] = self.a
        h[..., 1, 1] = self.b * (3 * v**2 - 1)
        return h

    @property
    def saddle_point(self) -> np.ndarray:
        return np.zeros(2)

    @property
    def minima(self):
        return np.array([[0.0, 1.0], [0.0, -1.0]])

    def __repr__(self) -> str:
        return f"Saddle(a={self.a:g}, b={self.b:g})"
