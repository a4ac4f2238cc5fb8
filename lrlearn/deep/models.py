"""Small models and the digits data as tensors: what the demos in ``lrlearn.deep`` train."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .. import _checks
from ..data import digits

__all__ = ["digits_tensors", "mlp"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "elu": nn.ELU}
MAX_WIDTH = 10**6  # the widest layer mlp() builds
MAX_PARAMS = 10**8  # the most parameters it builds (400 MB in float32)


def mlp(
    n_in: int = 64,
    hidden: int | Sequence[int] = (64,),
    n_out: int = 10,
    *,
    activation: str = "relu",
    dtype: torch.dtype = torch.float32,
    seed: int = 0,
) -> nn.Sequential:
    """A multilayer perceptron ``Linear -> act -> ... -> Linear`` with PyTorch's default init,
    drawn from a generator seeded with ``seed`` (same seed, same weights; the global RNG is
    left alone). ``hidden`` is one width or a sequence of widths (``()`` gives a linear model).
    """
    n_in = _checks.integer("n_in", n_in, minimum=1, maximum=MAX_WIDTH)
    n_out = _checks.integer("n_out", n_out, minimum=1, maximum=MAX_WIDTH)
    if isinstance(hidden, str | bytes) or not isinstance(hidden, int | Sequence):
        raise TypeError(f"hidden must be a width or a sequence of widths, got {hidden!r}")
    widths = [hidden] if isinstance(hidden, int) else list(hidden)
    widths = [_checks.integer("hidden", w, minimum=1, maximum=MAX_WIDTH) for w in widths]
    sizes = [n_in, *widths, n_out]
    n_params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    if n_params > MAX_PARAMS:
        raise ValueError(f"n_in, hidden and n_out must give at most {MAX_PARAMS:.0e} parameters, "
                         f"got {n_params:.3g} (n_in={n_in}, hidden={widths}, n_out={n_out})")
    act = _ACTIVATIONS[_checks.choice("activation", activation, _ACTIVATIONS)]
    seed = _checks.integer("seed", seed, minimum=0)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")

    layers: list[nn.Module] = []
    sizes = [n_in, *widths]
    for a, b in itertools.pairwise(sizes):
        layers += [nn.Linear(a, b), act()]
    layers.append(nn.Linear(sizes[-1], n_out))
    model = nn.Sequential(*layers)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for layer in model:
            if isinstance(layer, nn.Linear):
                layer.reset_parameters()
    return model.to(dtype)


def digits_tensors(
    split: str = "train",
    *,
    classes: Sequence[int] | None = None,
    relabel: bool = False,
    n: int | None = None,
    dtype: torch.dtype = torch.float32,
    device: str | torch.device | None = "cpu",
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(X, y)`` from :func:`lrlearn.data.digits` as tensors: X (n, 64) in [0, 1], y int64 labels.

    ``classes`` keeps only those digits (``relabel=True`` maps them to 0..k-1 in the order given);
    ``n`` keeps the first ``n`` examples of the (already shuffled) split.
    """
    split = _checks.choice("split", split, ("train", "test"))
    relabel = _checks.flag("relabel", relabel)
    dtype = _checks.torch_dtype("dtype", dtype)
    if classes is not None and (isinstance(classes, str) or not isinstance(classes, Sequence)):
        raise TypeError(f"classes must be a sequence of digits in [0, 9], got {classes!r}")
    data = digits(seed=seed)
    X, y = (data.X_train, data.y_train) if split == "train" else (data.X_test, data.y_test)
    if classes is not None:
        classes = [_checks.integer("classes", c, minimum=0, maximum=9) for c in classes]
        if not classes or len(set(classes)) != len(classes):
            raise ValueError(f"classes must be distinct digits in [0, 9], got {classes!r}")
        keep = np.isin(y, classes)
        X, y = X[keep], y[keep]
        if relabel:
            lookup = np.full(10, -1, dtype=np.int64)
            lookup[classes] = np.arange(len(classes))
            y = lookup[y]
    if n is not None:
        n = _checks.integer("n", n, minimum=1, maximum=len(y))
        X, y = X[:n], y[:n]
    from .device import resolve_device

    dev = resolve_device(device)
    return (torch.as_tensor(np.array(X), dtype=dtype, device=dev),
            torch.as_tensor(np.array(y), dtype=torch.int64, device=dev))
