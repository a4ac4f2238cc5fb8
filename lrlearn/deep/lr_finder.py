"""LR range test for a PyTorch model: ``range_test(model, optimizer, criterion, loader)``.

Same procedure, argument names and recorded numbers as ``torch_lr_finder.LRFinder.range_test``
(see :mod:`lrlearn.lr_finder` for the method), but a plain function: it restores the model's
weights, its device and the optimizer's state when it returns, and it stops at a NaN loss.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

import torch

from .. import _checks
from ..lr_finder import RangeTestResult, Recorder, check_args, lr_at, make_result

__all__ = ["range_test"]


def _resolve_device(device: Any) -> torch.device:
    try:
        from .device import resolve_device
    except ImportError:  # pragma: no cover - only without lrlearn.deep.device
        return torch.device("cpu") if device is None else torch.device(device)
    return resolve_device(device)


def _batches(loader: Iterable) -> Iterator[tuple[Any, Any]]:
    """(inputs, labels) forever, starting the loader again when it runs out."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            if not isinstance(batch, list | tuple) or len(batch) < 2:
                raise TypeError(
                    f"loader must yield (inputs, labels, ...) tuples, got {batch!r} "
                    f"({type(batch).__name__})"
                )
            yield batch[0], batch[1]
        if empty:
            raise ValueError(f"loader yielded no batches, got {loader!r}")


def _to(obj: Any, device: torch.device) -> Any:
    if hasattr(obj, "to"):
        return obj.to(device, non_blocking=True)
    if isinstance(obj, list | tuple):
        return type(obj)(_to(o, device) for o in obj)
    if isinstance(obj, dict):
        return {k: _to(v, device) for k, v in obj.items()}
    return obj


def range_test(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    criterion: Any,
    loader: Iterable,
    *,
    start_lr: float | None = None,
    end_lr: float = 10,
    num_iter: int = 100,
    step_mode: str = "exp",
    smooth_f: float = 0.05,
    diverge_th: float = 5,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> RangeTestResult:
    """Train ``model`` on ``num_iter`` mini-batches from ``loader`` while every param group's rate
    grows from ``start_lr`` (default: the group's current lr) to ``end_lr``; returns the recorded
    rates (of param group 0) and smoothed losses. ``device=None`` picks CUDA, MPS or CPU.

    The model, its device and the optimizer (state and rates) are restored afterwards.
    """
    _checks.module("model", model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {optimizer!r} "
                        f"({type(optimizer).__name__})")
    if isinstance(loader, str | bytes) or not isinstance(loader, Iterable):
        raise TypeError(f"loader must be an iterable of (inputs, labels) batches, got {loader!r}")
    progress = _checks.flag("progress", progress)
    if not callable(criterion):
        raise TypeError(f"criterion must be a loss function (e.g. nn.CrossEntropyLoss()), got {criterion!r}")
    groups = optimizer.param_groups
    bases = [float(g["lr"]) for g in groups] if start_lr is None else [start_lr] * len(groups)
    for i, base in enumerate(bases):  # each group sweeps from its own start to end_lr
        name = "start_lr" if start_lr is not None else f"start_lr (lr of param group {i})"
        end_lr, num_iter, step_mode, smooth_f, diverge_th = check_args(
            base, end_lr, num_iter, step_mode, smooth_f, diverge_th, name)
    bases = [float(b) for b in bases]
    target = _resolve_device(device)
    home = next(model.parameters()).device
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(optimizer.state_dict())
    rec = Recorder(smooth_f, diverge_th)
    from tqdm.auto import tqdm

    try:
        model.to(target)
        batches = _batches(loader)
        for k in tqdm(range(num_iter), disable=not progress, desc="LR range test"):
            lrs = [lr_at(k, b, end_lr, num_iter, step_mode) for b in bases]
            for group, lr in zip(groups, lrs, strict=True):
                group["lr"] = lr
            model.train()
            optimizer.zero_grad()
            inputs, labels = next(batches)
            try:
                out = model(_to(inputs, target))
                loss = criterion(out, _to(labels, target))
            except (RuntimeError, TypeError, ValueError, IndexError) as exc:
                if k:  # a later failure is the caller's own: it propagates as it is
                    raise
                raise ValueError(f"loader: its first batch does not fit the model and criterion "
                                 f"(shapes, dtypes or label range): {exc}") from exc
            if not torch.isfinite(loss):
                rec.add(lrs[0], float("nan"))  # divergence is a result: stop here
                break
            loss.backward()
            try:
                optimizer.step()
            except RuntimeError as exc:  # lr * grad beyond the parameters' dtype: diverged
                if "overflow" not in str(exc):
                    raise
                rec.add(lrs[0], loss.item())
                rec.diverged = True
                break
            if rec.add(lrs[0], loss.item()):
                break
    finally:
        model.load_state_dict(saved_model)
        model.to(home)
        optimizer.load_state_dict(saved_opt)
    settings = dict(start_lr=bases[0], end_lr=float(end_lr), num_iter=num_iter,
                    step_mode=step_mode, smooth_f=smooth_f, diverge_th=diverge_th,
                    device=str(target))
    return make_result(rec, settings)
