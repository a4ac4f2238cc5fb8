"""Numpy optimizers with the exact update rules, argument names and defaults of ``torch.optim``.

Functional style: an optimizer holds only hyperparameters. ``state = opt.init(params)`` makes the
state, ``params, state = opt.step(params, grad, state)`` applies one update and returns new objects
(inputs are never modified). ``params`` has shape ``(..., dim)``; ``lr`` may be a scalar or an
array of shape ``params.shape[:-1]``, one learning rate per run, so that many runs advance at once.

References: the pseudo-code in the documentation of ``torch.optim`` (PyTorch 2.x).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, ClassVar

import numpy as np

from . import _checks

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "State", "make_optimizer"]

State = dict[str, Any]


def _lr_array(lr: float | np.ndarray, params: np.ndarray) -> float | np.ndarray:
    """A scalar, or per-run rates of shape ``params.shape[:-1]`` given a trailing axis to broadcast
    against ``params`` (rates that already have it pass through)."""
    if isinstance(lr, float):
        return lr
    arr = np.asarray(lr, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return arr[..., None] if arr.ndim == np.ndim(params) - 1 else arr


@dataclass(frozen=True)
class Optimizer:
    """Base class: hyperparameters are dataclass fields, checked on construction."""

    name: ClassVar[str] = "optimizer"
    lr: float = 1e-3

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", _checks.positive("lr", self.lr))
        for f in fields(self):
            if f.type in ("bool", bool):
                _checks.flag(f.name, getattr(self, f.name))
        self._check()

    def _check(self) -> None:
        """Subclasses validate their own hyperparameters."""

    def init(self, params: np.ndarray) -> State:
        """The initial state for parameters of this shape."""
        return {"step": 0}

    def step(
        self, params: np.ndarray, grad: np.ndarray, state: State, lr: float | np.ndarray | None = None
    ) -> tuple[np.ndarray, State]:
        """One update. ``lr`` overrides ``self.lr`` (for schedules and sweeps): a finite rate
        >= 0, or one per run (shape ``params.shape[:-1]``)."""
        params, grad = _step_arrays(params, grad, state)
        if lr is not None:
            lr = _step_lr(lr, params)
        return self._update(params, grad, state, lr)

    def _update(
        self, params: np.ndarray, grad: np.ndarray, state: State, lr: float | np.ndarray | None
    ) -> tuple[np.ndarray, State]:
        """The update rule on checked arguments (subclasses)."""
        raise NotImplementedError

    def hyperparameters(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def describe(self) -> str:
        defaults = type(self)()
        changed = {
            k: v for k, v in self.hyperparameters().items()
            if k != "lr" and v != getattr(defaults, k)
        }
        args = ", ".join(f"{k}={v}" for k, v in changed.items())
        return f"{type(self).__name__}({args})" if args else type(self).__name__


def _step_arrays(params: Any, grad: Any, state: Any) -> tuple[np.ndarray, np.ndarray]:
    p = _checks.array("params", params, min_size=0, finite=False)
    g = _checks.array("grad", grad, min_size=0, finite=False)
    if g.shape != p.shape:
        raise ValueError(f"grad must have the shape of params {p.shape}, got shape {g.shape}")
    if not isinstance(state, dict) or "step" not in state:
        raise TypeError(f"state must be the dict made by opt.init(params), got {state!r}")
    return p, g


def _step_lr(lr: Any, params: np.ndarray) -> float | np.ndarray:
    if isinstance(lr, float | int | np.floating | np.integer) and not isinstance(lr, bool):
        value = _checks.non_negative("lr", lr)
        return value
    arr = _checks.array("lr", lr, min_size=0, non_negative=True)
    if arr.ndim and arr.shape not in (params.shape[:-1], params.shape):
        raise ValueError(
            f"lr must be a number or one rate per run, shape {params.shape[:-1]}, "
            f"got shape {arr.shape}"
        )
    return arr


def _momentum_like(name: str, value: float) -> None:
    _checks.in_range(name, value, 0.0, 1.0, high_open=True)


@dataclass(frozen=True)
class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    g = grad + weight_decay * p;  b = g (first step) or momentum * b + (1 - dampening) * g;
    g = g + momentum * b (Nesterov) or b;  p = p - lr * g.
    """

    name: ClassVar[str] = "sgd"
    lr: float = 1e-3
    momentum: float = 0.0
    dampening: float = 0.0
    weight_decay: float = 0.0
    nesterov: bool = False
    maximize: bool = False

    def _check(self) -> None:
        _momentum_like("momentum", self.momentum)
        _checks.in_range("dampening", self.dampening, 0.0, 1.0)
        _checks.non_negative("weight_decay", self.weight_decay)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening = 0, got momentum={self.momentum}"
                f", dampening={self.dampening}"
            )

    def init(self, params):
        return {"step": 0, "momentum_buffer": None}

    def _update(self, params, grad, state, lr=None):
        lr = _lr_array(self.lr if lr is None else lr, params)
        g = -grad if self.maximize else grad
        if self.weight_decay:
            g = g + self.weight_decay * params
        buf = state["momentum_buffer"]
        if self.momentum:
            if buf is None:
                buf = np.array(g, dtype=float, copy=True)
            else:
                buf = self.momentum * buf + (1 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        return params - lr * g, {"step": state["step"] + 1, "momentum_buffer": buf}


@dataclass(frozen=True)
class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    clr = lr / (1 + (t - 1) * lr_decay);  s = s + g^2;  p = p - clr * g / (sqrt(s) + eps).
    """

    name: ClassVar[str] = "adagrad"
    lr: float = 1e-2
    lr_decay: float = 0.0
    weight_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10
    maximize: bool = False

    def _check(self) -> None:
        _checks.non_negative("lr_decay", self.lr_decay)
        _checks.non_negative("weight_decay", self.weight_decay)
        _checks.non_negative("initial_accumulator_value", self.initial_accumulator_value)
        _checks.non_negative("eps", self.eps)

    def init(self, params):
        return {"step": 0, "sum": np.full(np.shape(params), self.initial_accumulator_value)}

    def _update(self, params, grad, state, lr=None):
        lr = _lr_array(self.lr if lr is None else lr, params)
        t = state["step"] + 1
        g = -grad if self.maximize else grad
        if self.weight_decay:
            g = g + self.weight_decay * params
        clr = lr / (1 + (t - 1) * self.lr_decay)
        s = state["sum"] + g * g
        return params - clr * g / (np.sqrt(s) + self.eps), {"step": t, "sum": s}


@dataclass(frozen=True)
class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    v = alpha v + (1 - alpha) g^2;  centered: m = alpha m + (1 - alpha) g, v~ = v - m^2;
    d = sqrt(v~) + eps;  momentum: b = momentum b + g / d, p = p - lr b;  else p = p - lr g / d.
    """

    name: ClassVar[str] = "rmsprop"
    lr: float = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False
    maximize: bool = False

    def _check(self) -> None:
        _checks.in_range("alpha", self.alpha, 0.0, 1.0)
        _checks.non_negative("eps", self.eps)
        _checks.non_negative("weight_decay", self.weight_decay)
        _momentum_like("momentum", self.momentum)

    def init(self, params):
        zeros = np.zeros(np.shape(params))
        return {
            "step": 0,
            "square_avg": zeros,
            "grad_avg": zeros.copy() if self.centered else None,
            "momentum_buffer": zeros.copy() if self.momentum > 0 else None,
        }

    def _update(self, params, grad, state, lr=None):
        lr = _lr_array(self.lr if lr is None else lr, params)
        g = -grad if self.maximize else grad
        if self.weight_decay:
            g = g + self.weight_decay * params
        sq = self.alpha * state["square_avg"] + (1 - self.alpha) * g * g
        grad_avg = state["grad_avg"]
        if self.centered:
            grad_avg = grad_avg + (1 - self.alpha) * (g - grad_avg)
            denom = np.sqrt(sq - grad_avg * grad_avg) + self.eps
        else:
            denom = np.sqrt(sq) + self.eps
        buf = state["momentum_buffer"]
        if self.momentum > 0:
            buf = self.momentum * buf + g / denom
            new = params - lr * buf
        else:
            new = params - lr * g / denom
        return new, {
            "step": state["step"] + 1, "square_avg": sq, "grad_avg": grad_avg,
            "momentum_buffer": buf,
        }


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (and AMSGrad), as ``torch.optim.Adam``; weight decay is L2 added to the gradient.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (amsgrad: v^ = max(v^, v));
    p = p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).   (Kingma & Ba, 2015)
    """

    name: ClassVar[str] = "adam"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    maximize: bool = False

    def _check(self) -> None:
        if not isinstance(self.betas, tuple | list) or len(self.betas) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), got {self.betas!r}")
        betas = tuple(_checks.real(f"betas[{i}]", b) for i, b in enumerate(self.betas))
        object.__setattr__(self, "betas", betas)
        _momentum_like("betas[0]", self.betas[0])
        _momentum_like("betas[1]", self.betas[1])
        _checks.non_negative("eps", self.eps)
        _checks.non_negative("weight_decay", self.weight_decay)

    def init(self, params):
        zeros = np.zeros(np.shape(params))
        return {
            "step": 0, "exp_avg": zeros, "exp_avg_sq": zeros.copy(),
            "max_exp_avg_sq": zeros.copy() if self.amsgrad else None,
        }

    def _decay(self, params, lr):
        """Coupled L2: Adam adds weight_decay * p to the gradient."""
        return params, self.weight_decay

    def _update(self, params, grad, state, lr=None):
        lr = _lr_array(self.lr if lr is None else lr, params)
        t = state["step"] + 1
        b1, b2 = self.betas
        g = -grad if self.maximize else grad
        params, l2 = self._decay(params, lr)
        if l2:
            g = g + l2 * params
        m = state["exp_avg"] + (1 - b1) * (g - state["exp_avg"])
        v = b2 * state["exp_avg_sq"] + (1 - b2) * g * g
        vmax = state["max_exp_avg_sq"]
        if self.amsgrad:
            vmax = np.maximum(vmax, v)
        bias2_sqrt = np.sqrt(1 - b2**t)
        denom = np.sqrt(vmax if self.amsgrad else v) / bias2_sqrt + self.eps
        new = params - (lr / (1 - b1**t)) * m / denom
        return new, {"step": t, "exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": vmax}


@dataclass(frozen=True)
class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: decoupled weight decay p = p (1 - lr wd), then Adam.

    (Loshchilov & Hutter, 2019.)
    """

    name: ClassVar[str] = "adamw"
    weight_decay: float = 1e-2

    def _decay(self, params, lr):
        return params * (1 - lr * self.weight_decay), 0.0


_REGISTRY: dict[str, tuple[type[Optimizer], dict[str, Any]]] = {
    "sgd": (SGD, {}),
    "gd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (Adagrad, {}),
    "rmsprop": (RMSprop, {}),
    "adam": (Adam, {}),
    "adamw": (AdamW, {}),
}

OPTIMIZER_NAMES = tuple(_REGISTRY)


def make_optimizer(optimizer: str | Optimizer, lr: float | None = None, **options: Any) -> Optimizer:
    """An optimizer from a name (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adagrad"``,
    ``"rmsprop"``, ``"adam"``, ``"adamw"``) and torch-style options, or an instance passed through.
    """
    if isinstance(optimizer, Optimizer):
        if options:
            raise TypeError(f"options {sorted(options)} given with an optimizer instance")
        # a rate given beside an instance is the rate the caller wants: a copy with it
        return optimizer if lr is None else replace(optimizer, lr=lr)
    key = _checks.choice("optimizer", optimizer, OPTIMIZER_NAMES)
    cls, preset = _REGISTRY[key]
    kwargs = {**preset, **options}
    if lr is not None:
        kwargs["lr"] = lr
    valid = {f.name for f in fields(cls)}
    unknown = sorted(set(kwargs) - valid)
    if unknown:
        raise TypeError(f"unknown option(s) {unknown} for {cls.__name__}; valid: {sorted(valid)}")
    return cls(**kwargs)
