"""Small numpy models with exact gradients, for minibatch experiments on real and generated data.

Every problem follows one protocol (the LR range test and ``lrlearn.batch`` rely on it):

- ``n_examples`` (training examples) and ``n_params`` (length of the flat parameter vector);
- ``init_params(seed=0)``: a 1-D float64 starting point;
- ``loss_and_grad(params, idx=None)``: mean loss over the training examples ``idx`` (all if None)
  and its exact gradient. ``params`` may also be a stack of shape ``(..., n_params)``: then the
  loss has shape ``(...)`` and the gradient ``(..., n_params)``, one per run, on the same examples;
- ``loss(params, idx=None, split="train")``, ``accuracy(params, split="train")`` (classifiers);
- ``per_example_grads(params, idx=None)``: the ``(len(idx), n_params)`` matrix of gradients of each
  example's loss (their mean is the minibatch gradient), for measuring gradient noise;
- ``hvp(params, v)`` (Hessian-vector product by central differences of the exact gradient) and
  ``hessian(params)`` (exact for least squares and softmax regression).

The L2 penalty ``l2 / 2 * |w|^2`` (weights only, not biases) is part of every example's loss.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

import numpy as np

from . import _checks
from .data import Dataset

__all__ = ["MLP", "LeastSquares", "Problem", "SoftmaxRegression"]


def _cross_entropy(logits: np.ndarray, Y: np.ndarray, probs: bool) -> tuple[np.ndarray, Any]:
    """Mean cross-entropy over the example axis (-2) of one-hot targets ``Y``, computed stably as
    logsumexp(z) - z_y, and the softmax probabilities if ``probs`` (one exp either way)."""
    m = logits.max(axis=-1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=-1, keepdims=True)
    per_example = (np.log(s) + m)[..., 0] - np.sum(logits * Y, axis=-1)
    return per_example.mean(axis=-1), (e / s if probs else None)


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _check_eps(eps: Any) -> float:
    """A finite-difference step: > 0 and small (the step is eps * max(1, |params|))."""
    return _checks.in_range("eps", eps, 0.0, 1.0, low_open=True)


def _quiet(fn):
    """``fn`` under ``np.errstate(all="ignore")``: huge parameters give inf, not a RuntimeWarning.
    The losses here are bounded below, so a loss that overflowed to NaN (inf - inf) at finite
    parameters is reported as +inf."""
    loss_first = fn.__name__ in ("loss", "loss_and_grad")

    @wraps(fn)
    def quiet(self, *args, **kwargs):
        with np.errstate(all="ignore"):
            out = fn(self, *args, **kwargs)
            if loss_first:
                loss = out[0] if isinstance(out, tuple) else out
                nan = np.isnan(loss)
                if np.any(nan):
                    params = args[0] if args else kwargs["params"]
                    nan &= np.isfinite(np.asarray(params, dtype=float)).all(-1)
                    loss = float(np.where(nan, np.inf, loss)) if np.ndim(loss) == 0 else np.where(
                        nan, np.inf, loss
                    )
                    out = (loss, out[1]) if isinstance(out, tuple) else loss
            return out

    return quiet


class Problem:
    """Base class: a model, a data set and an (L2-regularised) mean loss over training examples."""

    name = "problem"
    is_classifier = True

    def __init__(self, data: Dataset, l2: float = 0.0) -> None:
        if not isinstance(data, Dataset):
            raise TypeError(
                f"data must be a lrlearn.data.Dataset, got {data!r} ({type(data).__name__})"
            )
        if data.X_train.ndim != 2 or data.X_train.shape[0] == 0:
            raise ValueError(
                f"data must hold at least one training example, got X_train of shape "
                f"{data.X_train.shape}"
            )
        if len(data.y_train) != data.X_train.shape[0]:
            raise ValueError(
                f"data: X_train has {data.X_train.shape[0]} rows but y_train has "
                f"{len(data.y_train)}"
            )
        self.data = data
        self.l2 = _checks.non_negative("l2", l2)
        self._X = np.asarray(data.X_train, dtype=np.float64)
        self._y = np.asarray(data.y_train)

    # --- protocol -------------------------------------------------------------------------
    @property
    def n_examples(self) -> int:
        return int(self._X.shape[0])

    @property
    def n_params(self) -> int:
        raise NotImplementedError

    def init_params(self, seed: int = 0) -> np.ndarray:
        """The starting point (zeros for convex models; seeded random for networks)."""
        _checks.integer("seed", seed, minimum=0)
        return np.zeros(self.n_params)

    def loss_and_grad(
        self, params: np.ndarray, idx: np.ndarray | None = None
    ) -> tuple[Any, np.ndarray]:
        """Mean loss over examples ``idx`` (all training examples if None) and its gradient."""
        params = self._check_params(params)
        X, y = self._batch(idx)
        loss, grad = self._loss_and_grad(params, X, y)
        return (float(loss) if params.ndim == 1 else loss), grad

    def loss(self, params: np.ndarray, idx: np.ndarray | None = None, split: str = "train") -> Any:
        """Mean loss (with the L2 penalty) over ``idx`` of the training set, or over a whole split."""
        params = self._check_params(params)
        X, y = self._split(split, idx)
        loss = self._loss(params, X, y)
        return float(loss) if params.ndim == 1 else loss

    def per_example_grads(self, params: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        """Gradients of each example's loss, shape ``(n, n_params)``; their mean is the gradient."""
        params = self._check_params(params)
        if params.ndim != 1:
            raise ValueError(f"params must be 1-D here, got shape {params.shape}")
        X, y = self._batch(idx)
        return self._per_example(params, X, y)

    def accuracy(self, params: np.ndarray, split: str = "train") -> Any:
        """Fraction of the split classified correctly (argmax of the logits)."""
        if not self.is_classifier:
            raise TypeError(f"{self.name} is a regression problem: it has a loss, no accuracy")
        params = self._check_params(params)
        X, y = self._split(split, None)
        acc = (self._logits(params, X).argmax(axis=-1) == y).mean(axis=-1)
        return float(acc) if params.ndim == 1 else acc

    def hvp(
        self, params: np.ndarray, v: np.ndarray, idx: np.ndarray | None = None, eps: float = 1e-4
    ) -> np.ndarray:
        """Hessian-vector product H v by central differences of the exact gradient:
        (g(p + h u) - g(p - h u)) / (2 h) * |v|, u = v / |v|, h = eps * max(1, |p|)."""
        params = self._check_params(params)
        if params.ndim != 1:
            raise ValueError(f"params must be 1-D here, got shape {params.shape}")
        v = _checks.array("v", v, shape=(self.n_params,))
        eps = _check_eps(eps)
        X, y = self._batch(idx)
        return self._hvp(params, v, X, y, eps)

    def hessian(self, params: np.ndarray, eps: float = 1e-4) -> np.ndarray:
        """The full Hessian of the training loss; here by central differences of the exact
        gradient, one column per parameter (subclasses override with the exact formula)."""
        params = self._check_params(params)
        if params.ndim != 1:
            raise ValueError(f"params must be 1-D here, got shape {params.shape}")
        eps = _check_eps(eps)
        eye = np.eye(self.n_params)
        H = np.stack([self._hvp(params, e, self._X, self._y, eps) for e in eye], axis=1)
        return 0.5 * (H + H.T)

    # --- helpers ----------------------------------------------------------------------------
    def _hvp(self, params, v, X, y, eps):
        norm = float(np.linalg.norm(v))
        if norm == 0.0:
            return np.zeros_like(v)
        h = eps * max(1.0, float(np.linalg.norm(params)))
        u = v / norm
        g_plus = self._loss_and_grad(params + h * u, X, y)[1]
        g_minus = self._loss_and_grad(params - h * u, X, y)[1]
        return (g_plus - g_minus) / (2.0 * h) * norm

    def _check_params(self, params: Any) -> np.ndarray:
        # not-finite parameters are allowed: a diverged run's loss is inf or NaN, not an error
        arr = _checks.array("params", params, min_size=0, finite=False)
        if arr.ndim == 0 or arr.shape[-1] != self.n_params:
            raise ValueError(
                f"params must have shape (..., {self.n_params}) for {self.name}, got shape "
                f"{arr.shape}"
            )
        return arr

    def _batch(self, idx: Any) -> tuple[np.ndarray, np.ndarray]:
        if idx is None:
            return self._X, self._y
        if isinstance(idx, str | bytes | dict) or np.ndim(idx) == 0:
            raise TypeError(f"idx must be a 1-D array of example indices, got {idx!r}")
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(
                f"idx must be a non-empty 1-D array of integer example indices, got {idx!r}"
            )
        if idx.min() < 0 or idx.max() >= self.n_examples:
            raise ValueError(
                f"idx must hold indices in [0, {self.n_examples - 1}], got values from "
                f"{idx.min()} to {idx.max()}"
            )
        return self._X[idx], self._y[idx]

    def _split(self, split: str, idx: Any) -> tuple[np.ndarray, np.ndarray]:
        split = _checks.choice("split", split, ["train", "test"])
        if split == "train":
            return self._batch(idx)
        if idx is not None:
            raise ValueError("idx selects training examples; give idx=None with split='test'")
        if len(self.data.y_test) == 0:
            raise ValueError(f"split='test' but {self.data.name} has no test examples")
        return np.asarray(self.data.X_test, dtype=np.float64), np.asarray(self.data.y_test)

    def _penalty(self, weights: np.ndarray) -> np.ndarray:
        """l2 / 2 * |w|^2 over the trailing axis of flattened weights."""
        return 0.5 * self.l2 * np.sum(weights * weights, axis=-1)

    # subclasses implement these on raw arrays (no checks; batched over leading param axes)
    def _loss_and_grad(self, params, X, y):
        raise NotImplementedError

    def _loss(self, params, X, y):
        return self._loss_and_grad(params, X, y)[0]

    def _per_example(self, params, X, y):
        raise NotImplementedError

    def _logits(self, params, X):
        raise NotImplementedError

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.data.name}, n_examples={self.n_examples}, "
            f"n_params={self.n_params}, l2={self.l2:g})"
        )


class LeastSquares(Problem):
    """Linear regression without intercept: loss = mean_i (x_i . w - y_i)^2 / 2 + l2 / 2 |w|^2.

    Gradient X^T (X w - y) / n + l2 w; Hessian X^T X / n + l2 I (constant); the optimum solves
    (X^T X / n + l2 I) w = X^T y / n (``optimum()``).
    """

    name = "least squares"
    is_classifier = False

    def __init__(self, data: Dataset, l2: float = 0.0) -> None:
        super().__init__(data, l2)
        if not data.is_regression:
            raise ValueError(f"LeastSquares needs a regression data set, got {data!r}")
        self._y = self._y.astype(np.float64)

    @property
    def n_params(self) -> int:
        return int(self._X.shape[1])

    def optimum(self) -> np.ndarray:
        """The exact minimiser of the training loss (least squares, ridge if l2 > 0)."""
        n = self.n_examples
        A = self._X.T @ self._X / n + self.l2 * np.eye(self.n_params)
        b = self._X.T @ self._y / n
        return np.linalg.lstsq(A, b, rcond=None)[0]

    def hessian(self, params: np.ndarray | None = None, eps: float = 1e-4) -> np.ndarray:
        """X^T X / n + l2 I (exact; the same everywhere)."""
        if params is not None:
            self._check_params(params)
        _check_eps(eps)
        return self._X.T @ self._X / self.n_examples + self.l2 * np.eye(self.n_params)

    def _residual(self, params, X, y):
        return np.matmul(params[..., None, :], X.T)[..., 0, :] - y

    def _loss_and_grad(self, params, X, y):
        r = self._residual(params, X, y)
        loss = 0.5 * np.mean(r * r, axis=-1) + self._penalty(params)
        grad = np.matmul(r, X) / X.shape[0] + self.l2 * params
        return loss, grad

    def _per_example(self, params, X, y):
        r = X @ params - y
        return r[:, None] * X + self.l2 * params


class _Classifier(Problem):
    def __init__(self, data: Dataset, l2: float = 0.0) -> None:
        super().__init__(data, l2)
        if data.is_regression:
            raise ValueError(f"{type(self).__name__} needs class labels, got {data!r}")
        self.n_classes = int(data.n_classes)
        self._onehot = np.eye(self.n_classes)[self._y]

    def _onehot_of(self, X, y):
        return self._onehot if X is self._X else np.eye(self.n_classes)[y]


class SoftmaxRegression(_Classifier):
    """Multinomial logistic regression: logits = x W + b, loss = mean cross-entropy + l2/2 |W|^2.

    Parameters are ``[W.ravel(), b]`` with W of shape (n_features, n_classes). Gradient
    X^T (P - Y) / n + l2 W and mean(P - Y) for b, with P the softmax probabilities and Y one-hot.
    Convex; the Hessian is mean_i (diag p_i - p_i p_i^T) (x) x~_i x~_i^T, x~ = [x, 1] (``hessian``).
    """

    name = "softmax regression"

    @property
    def n_params(self) -> int:
        return (self._X.shape[1] + 1) * self.n_classes

    def _unpack(self, params):
        d, k = self._X.shape[1], self.n_classes
        W = params[..., : d * k].reshape(*params.shape[:-1], d, k)
        return W, params[..., d * k :]

    def _logits(self, params, X):
        W, b = self._unpack(params)
        return np.matmul(X, W) + b[..., None, :]

    def _loss_and_grad(self, params, X, y):
        W, _ = self._unpack(params)
        n, d = X.shape
        Y = self._onehot_of(X, y)
        ce, P = _cross_entropy(self._logits(params, X), Y, probs=True)
        loss = ce + self._penalty(params[..., : d * self.n_classes])
        delta = (P - Y) / n  # (..., n, k)
        gW = np.matmul(X.T, delta) + self.l2 * W
        gb = delta.sum(axis=-2)
        grad = np.concatenate([gW.reshape(*params.shape[:-1], -1), gb], axis=-1)
        return loss, grad

    def _loss(self, params, X, y):
        ce = _cross_entropy(self._logits(params, X), self._onehot_of(X, y), probs=False)[0]
        return ce + self._penalty(params[..., : X.shape[1] * self.n_classes])

    def _per_example(self, params, X, y):
        W, _ = self._unpack(params)
        delta = np.exp(_log_softmax(self._logits(params, X))) - self._onehot_of(X, y)
        gW = (X[:, :, None] * delta[:, None, :]).reshape(X.shape[0], -1) + self.l2 * W.ravel()
        return np.concatenate([gW, delta], axis=1)

    def hessian(self, params: np.ndarray, eps: float = 1e-4) -> np.ndarray:
        """The exact Hessian (closed form above)."""
        params = self._check_params(params)
        _check_eps(eps)
        if params.ndim != 1:
            raise ValueError(f"params must be 1-D here, got shape {params.shape}")
        X, k = self._X, self.n_classes
        n, d = X.shape
        p = np.exp(_log_softmax(self._logits(params, X)))
        A = np.einsum("nc,ce->nce", p, np.eye(k)) - p[:, :, None] * p[:, None, :]
        Xt = np.hstack([X, np.ones((n, 1))])
        # H[(j, c), (l, e)] = mean_n Xt[n, j] Xt[n, l] A[n, c, e], as one matrix product
        XA = (Xt[:, :, None, None] * A[:, None, :, :]).reshape(n, -1)  # (n, (d+1) k k)
        H = (Xt.T @ XA).reshape(d + 1, d + 1, k, k).transpose(0, 2, 1, 3).reshape((d + 1) * k, -1) / n
        H[np.arange(d * k), np.arange(d * k)] += self.l2
        return H


class MLP(_Classifier):
    """One hidden layer of ``hidden`` tanh units, softmax output, mean cross-entropy loss.

    Parameters are ``[W1.ravel(), b1, W2.ravel(), b2]`` (W1: features x hidden, W2: hidden x
    classes), initialised like ``torch.nn.Linear`` (uniform in +-1/sqrt(fan_in)). Exact backprop:
    d = (P - Y) / n; gW2 = Z^T d; gb2 = sum d; dA = (d W2^T) (1 - Z^2); gW1 = X^T dA; gb1 = sum dA.
    The L2 penalty applies to W1 and W2.
    """

    name = "MLP"

    def __init__(self, data: Dataset, hidden: int = 32, l2: float = 0.0) -> None:
        super().__init__(data, l2)
        self.hidden = _checks.integer("hidden", hidden, minimum=1, maximum=4096)
        d, h, k = self._X.shape[1], self.hidden, self.n_classes
        self._sizes = (d * h, h, h * k, k)
        self._offsets = np.cumsum((0, *self._sizes))
        self._weight_mask = np.zeros(self.n_params, dtype=bool)
        self._weight_mask[: d * h] = True
        self._weight_mask[d * h + h : d * h + h + h * k] = True

    @property
    def n_params(self) -> int:
        return int(sum(self._sizes))

    def init_params(self, seed: int = 0) -> np.ndarray:
        seed = _checks.integer("seed", seed, minimum=0)
        rng = np.random.default_rng(seed)
        d, h = self._X.shape[1], self.hidden
        bounds = np.repeat([1 / np.sqrt(d), 1 / np.sqrt(d), 1 / np.sqrt(h), 1 / np.sqrt(h)],
                           self._sizes)
        return rng.uniform(-1.0, 1.0, self.n_params) * bounds

    def _unpack(self, params):
        d, h, k = self._X.shape[1], self.hidden, self.n_classes
        lead = params.shape[:-1]
        o = self._offsets
        return (
            params[..., o[0] : o[1]].reshape(*lead, d, h),
            params[..., o[1] : o[2]],
            params[..., o[2] : o[3]].reshape(*lead, h, k),
            params[..., o[3] : o[4]],
        )

    def _forward(self, params, X):
        W1, b1, W2, b2 = self._unpack(params)
        Z = np.tanh(np.matmul(X, W1) + b1[..., None, :])
        return Z, np.matmul(Z, W2) + b2[..., None, :]

    def _logits(self, params, X):
        return self._forward(params, X)[1]

    def _loss_and_grad(self, params, X, y):
        W1, _, W2, _ = self._unpack(params)
        n = X.shape[0]
        Z, logits = self._forward(params, X)
        Y = self._onehot_of(X, y)
        ce, P = _cross_entropy(logits, Y, probs=True)
        loss = ce + self._penalty(params[..., self._weight_mask])
        delta = (P - Y) / n
        gW2 = np.matmul(np.swapaxes(Z, -1, -2), delta) + self.l2 * W2
        gb2 = delta.sum(axis=-2)
        dA = np.matmul(delta, np.swapaxes(W2, -1, -2)) * (1.0 - Z * Z)
        gW1 = np.matmul(X.T, dA) + self.l2 * W1
        gb1 = dA.sum(axis=-2)
        lead = params.shape[:-1]
        grad = np.concatenate(
            [gW1.reshape(*lead, -1), gb1, gW2.reshape(*lead, -1), gb2], axis=-1
        )
        return loss, grad

    def _loss(self, params, X, y):
        ce = _cross_entropy(self._logits(params, X), self._onehot_of(X, y), probs=False)[0]
        return ce + self._penalty(params[..., self._weight_mask])

    def _per_example(self, params, X, y):
        W1, _, W2, _ = self._unpack(params)
        n = X.shape[0]
        Z, logits = self._forward(params, X)
        delta = np.exp(_log_softmax(logits)) - self._onehot_of(X, y)  # (n, k)
        dA = (delta @ W2.T) * (1.0 - Z * Z)  # (n, h)
        gW1 = (X[:, :, None] * dA[:, None, :]).reshape(n, -1) + self.l2 * W1.ravel()
        gW2 = (Z[:, :, None] * delta[:, None, :]).reshape(n, -1) + self.l2 * W2.ravel()
        return np.concatenate([gW1, dA, gW2, delta], axis=1)


for _cls in (Problem, LeastSquares, SoftmaxRegression, MLP):
    for _name in ("loss_and_grad", "loss", "per_example_grads", "accuracy", "hvp", "hessian"):
        if _name in _cls.__dict__:
            setattr(_cls, _name, _quiet(_cls.__dict__[_name]))
