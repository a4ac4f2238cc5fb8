"""A small, readable training loop: minibatches, any step -> lr schedule, mixed precision,
gradient accumulation, and a history of what happened.

One optimizer step sees ``batch_size * accumulate`` examples, split into ``accumulate``
micro-batches of ``batch_size``. Each micro-batch loss is weighted by its share of the step's
examples, so the summed gradient is exactly the gradient of the mean loss over the whole step::

    grad = sum_j (n_j / n) * grad(mean loss over micro-batch j) = grad(mean loss over n examples)

(exact for losses that are a mean over examples, as ``cross_entropy`` and ``mse`` are).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import _checks
from ..data import Dataset
from .device import resolve_device

__all__ = ["TrainHistory", "as_torch_scheduler", "autocast_dtype", "train"]

Schedule = Callable[[int], float]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class TrainHistory:
    """What :func:`train` recorded. Per optimizer step: ``loss`` (mean training loss of the step's
    examples), ``accuracy`` (their accuracy; empty for non-classification targets) and ``lr`` (the
    learning rate of the first parameter group used for that step). Per epoch:
    ``examples_per_s`` and ``test_accuracy`` (empty without test data)."""

    loss: np.ndarray
    accuracy: np.ndarray
    lr: np.ndarray
    examples_per_s: np.ndarray
    test_accuracy: np.ndarray
    batch_size: int
    accumulate: int
    epochs: int
    device: str
    amp: str | None = None
    steps_per_epoch: int = field(default=0)
    #: the first optimizer step whose loss was not finite or whose update overflowed; None if the
    #: run went to the end. A diverged run stops there: ``loss`` holds the finite losses before it.
    diverged_at: int | None = None

    @property
    def steps(self) -> int:
        return len(self.loss)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def status(self) -> str:
        """What happened, in words."""
        if self.diverged:
            return (f"diverged at step {self.diverged_at}: the loss or the update overflowed "
                    f"(last finite loss {self.loss[-1]:.3g})" if self.steps else
                    f"diverged at step {self.diverged_at}: the first loss was not finite")
        return f"ran {self.steps} steps; final loss {self.loss[-1]:.4g}"

    @property
    def effective_batch_size(self) -> int:
        """Examples per optimizer step: ``batch_size * accumulate``."""
        return self.batch_size * self.accumulate

    @property
    def mean_examples_per_s(self) -> float:
        """Throughput over the whole run (harmonic mean of the epochs' rates); NaN when no step
        was timed (a run that diverged at its first step)."""
        if not len(self.examples_per_s):
            return float("nan")
        return float(len(self.examples_per_s) / np.sum(1.0 / self.examples_per_s))

    def __repr__(self) -> str:
        last = f"{self.loss[-1]:.4g}" if self.steps else "n/a"
        if self.diverged:
            last += f", diverged at step {self.diverged_at}"
        return (f"TrainHistory({self.steps} steps, {self.epochs} epochs, batch {self.batch_size}"
                f"x{self.accumulate}, final loss {last}, {self.mean_examples_per_s:,.0f} "
                f"examples/s on {self.device})")

    def plot(self, axes: Any = None) -> Any:
        """Loss (log scale), accuracy and learning rate against the step. Returns the Figure."""
        import matplotlib.pyplot as plt

        if axes is None:
            fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), layout="constrained")
        else:
            fig = np.ravel(axes)[0].figure
        ax_loss, ax_acc, ax_lr = np.ravel(axes)[:3]
        steps = np.arange(1, self.steps + 1)
        finite = np.isfinite(self.loss) & (self.loss > 0)
        ax_loss.plot(steps[finite], self.loss[finite], lw=1)
        if self.diverged and finite.any():
            ax_loss.plot(steps[finite][-1], self.loss[finite][-1], "x", color="C3", ms=9, mew=2)
            ax_loss.annotate(f"diverged at step {self.diverged_at}",
                             (steps[finite][-1], self.loss[finite][-1]), textcoords="offset points",
                             xytext=(-6, 6), ha="right", color="C3")
        ax_loss.set(yscale="log", xlabel="step", ylabel="training loss", title="loss")
        if self.accuracy.size:
            ax_acc.plot(steps, self.accuracy, lw=1, alpha=0.6, label="train batch")
        if self.test_accuracy.size:
            ends = np.arange(1, self.epochs + 1) * self.steps_per_epoch
            ax_acc.plot(ends, self.test_accuracy, "o-", label="test")
        ax_acc.set(xlabel="step", ylabel="accuracy", ylim=(0, 1.02), title="accuracy")
        if self.accuracy.size or self.test_accuracy.size:
            ax_acc.legend(loc="lower right")
        ax_lr.plot(steps, self.lr, lw=1.5)
        ax_lr.set(xlabel="step", ylabel="learning rate", title="schedule")
        return fig


def autocast_dtype(device: torch.device, amp: bool | torch.dtype) -> torch.dtype | None:
    """The autocast dtype for ``amp``: None when off; ``True`` means bfloat16 on CPU and MPS and on
    CUDA GPUs that support it, else float16."""
    _checks.torch_device("device", device)
    if amp is False or amp is None:
        return None
    if isinstance(amp, torch.dtype):
        if amp not in (torch.float16, torch.bfloat16):
            raise ValueError(f"amp must be a bool, torch.float16 or torch.bfloat16, got {amp!r}")
        return amp
    if amp is not True:
        raise TypeError(f"amp must be a bool or a torch dtype, got {amp!r}")
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


def as_torch_scheduler(
    optimizer: torch.optim.Optimizer, schedule: Schedule | Any
) -> torch.optim.lr_scheduler.LRScheduler:
    """A torch LR scheduler, stepped once per optimizer step, that follows ``schedule``.

    - a torch scheduler is returned as it is;
    - an lrlearn :class:`~lrlearn.schedules.Schedule` on a one-group optimizer goes through
      :func:`lrlearn.schedules.to_torch` (which also cycles momentum for ``one_cycle_lr``);
    - any other function ``step -> lr`` (or a Schedule on several groups) is wrapped in
      ``torch.optim.lr_scheduler.LambdaLR`` with factor ``schedule(step) / base_lr``, base_lr being
      the first group's initial lr: group 0 follows the schedule exactly and the other groups keep
      their ratio to it, so discriminative learning rates survive scheduling.
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {optimizer!r}")
    if isinstance(schedule, torch.optim.lr_scheduler.LRScheduler):
        return schedule
    from ..schedules import ReduceLROnPlateau, to_torch
    from ..schedules import Schedule as LrlearnSchedule

    if isinstance(schedule, ReduceLROnPlateau):
        raise TypeError("schedule: ReduceLROnPlateau needs a metric after each epoch, which "
                        "train() does not feed; use torch.optim.lr_scheduler.ReduceLROnPlateau "
                        "in your own loop, or a schedule step -> lr")
    if not callable(schedule):
        raise TypeError(f"schedule must be a callable step -> lr or a torch LRScheduler, got "
                        f"{schedule!r}")
    if isinstance(schedule, LrlearnSchedule) and len(optimizer.param_groups) == 1:
        return to_torch(schedule, optimizer)
    group = optimizer.param_groups[0]
    base = float(group.get("initial_lr", group["lr"]))
    if not base > 0:
        raise ValueError(f"the optimizer's lr must be > 0 to follow a schedule, got {base!r}")

    def factor(step: int) -> float:
        lr = _checks.non_negative("schedule(step)", float(schedule(step)))
        return lr / base

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def _loss_fn(loss: str | LossFn) -> tuple[LossFn, str]:
    if callable(loss):
        return loss, getattr(loss, "__name__", "custom")
    name = _checks.choice("loss", loss, ("cross_entropy", "mse"))
    if name == "cross_entropy":
        return F.cross_entropy, name

    def mse_one_hot(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if y.dtype == torch.int64:
            y = F.one_hot(y, out.shape[-1]).to(out.dtype)
        return F.mse_loss(out, y)

    return mse_one_hot, name


def _as_tensors(
    data: Any, name: str, device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(data, Dataset):
        data = (data.X_train, data.y_train) if name == "data" else (data.X_test, data.y_test)
    if not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError(f"{name} must be an lrlearn Dataset or a pair (X, y), got {data!r} "
                        f"({type(data).__name__})")
    tensors = []
    for part, a in zip("Xy", data, strict=True):
        try:
            t = a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a))
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"{name}: {part} must be an array of numbers, got {a!r}") from exc
        if t.ndim == 0:
            raise ValueError(f"{name}: {part} must have one row per example, got {a!r}")
        tensors.append(t)
    X, y = tensors
    if X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"{name}: X and y must have the same, non-zero number of rows, got "
                         f"{X.shape[0]} and {y.shape[0]}")
    X = X.to(device=device, dtype=dtype if X.is_floating_point() else X.dtype)
    y = y.to(device=device, dtype=dtype if y.is_floating_point() else y.dtype)
    return X, y


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@torch.no_grad()
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, batch_size: int = 1024) -> float:
    """Classification accuracy of ``model`` on ``(X, y)`` (eval mode, no grad)."""
    was_training = model.training
    model.eval()
    correct = 0
    for i in range(0, len(y), batch_size):
        correct += int((model(X[i:i + batch_size]).argmax(-1) == y[i:i + batch_size]).sum())
    model.train(was_training)
    return correct / len(y)


#: the most epochs one call trains for
MAX_EPOCHS = 10**4


def _restore_on_error(fn: Callable[..., TrainHistory]) -> Callable[..., TrainHistory]:
    """On any error, put the model's parameters and buffers (and an optimizer instance's state)
    back as they were, as ``range_test`` does: a failed call never leaves a half-trained model."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> TrainHistory:
        try:
            given = signature.bind_partial(*args, **kwargs).arguments
        except TypeError:
            given = {}
        model, opt = given.get("model"), given.get("optimizer")
        saved = None
        if isinstance(model, nn.Module):
            device = next((p.device for p in model.parameters()), None)
            saved = ({k: v.detach().clone() for k, v in model.state_dict().items()}, device,
                     model.training)
        opt_state = (copy.deepcopy(opt.state_dict()) if isinstance(opt, torch.optim.Optimizer)
                     else None)
        try:
            return fn(*args, **kwargs)
        except BaseException:
            if saved is not None:
                model.load_state_dict(saved[0])
                if saved[1] is not None:
                    model.to(saved[1])
                model.train(saved[2])
            if opt_state is not None:
                opt.load_state_dict(opt_state)
            raise

    return wrapper


def _check_schedule_length(schedule: Any, total: int) -> None:
    """A schedule that ends before the run does is refused before the first step."""
    last = getattr(schedule, "last_step", None)  # an lrlearn Schedule: steps 0 .. last_step
    if isinstance(last, int) and last < total - 1:
        raise ValueError(
            f"schedule ends at step {last} but the run takes {total} optimizer steps (epochs x "
            f"steps per epoch): give the schedule at least {total} steps, got {schedule!r}"
        )
    ends = getattr(schedule, "total_steps", None)  # torch's OneCycleLR
    if isinstance(schedule, torch.optim.lr_scheduler.LRScheduler) and isinstance(ends, int):
        if ends < total:
            raise ValueError(
                f"schedule has total_steps={ends} but the run takes {total} optimizer steps"
            )


@_restore_on_error
def train(
    model: nn.Module,
    data: Dataset | tuple[Any, Any],
    optimizer: torch.optim.Optimizer | Callable[[Any], torch.optim.Optimizer],
    *,
    schedule: Schedule | torch.optim.lr_scheduler.LRScheduler | None = None,
    batch_size: int = 32,
    epochs: int = 1,
    loss: str | LossFn = "cross_entropy",
    accumulate: int = 1,
    amp: bool | torch.dtype = False,
    test_data: Dataset | tuple[Any, Any] | None = None,
    shuffle: bool = True,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
    hooks: Sequence[Any] = (),
) -> TrainHistory:
    """Train ``model`` in place and return a :class:`TrainHistory`.

    ``data`` is an lrlearn :class:`~lrlearn.data.Dataset` (its test split is then used for
    ``test_accuracy``) or a pair ``(X, y)`` of arrays or tensors. ``optimizer`` is a
    ``torch.optim`` optimizer over the model's parameters, or a function ``params -> optimizer``.
    ``schedule`` is any function ``step -> lr`` (the lr of optimizer step ``step``, from 0), or a
    torch LR scheduler; it is stepped once per optimizer step (see :func:`as_torch_scheduler`).
    Each optimizer step uses ``batch_size * accumulate`` examples (``accumulate`` micro-batches of
    ``batch_size``, gradients summed with weights so the step equals one at the larger batch);
    an epoch's last step may be smaller. ``amp`` runs forward and loss under ``torch.autocast``
    (bfloat16 on CPU; float16 with a GradScaler on CUDA GPUs without bfloat16).
    The order of examples is a fixed permutation per epoch from ``seed``.
    ``hooks``: objects with ``before_step(model, optimizer)`` (called after backward, on
    unscaled gradients) and ``after_step(model, optimizer)``, e.g. :class:`~.step_log.StepLog`.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {model!r} ({type(model).__name__})")
    if not any(True for _ in model.parameters()):
        raise ValueError(f"model must have parameters to train, got {model!r}")
    shuffle = _checks.flag("shuffle", shuffle)
    progress = _checks.flag("progress", progress)
    batch_size = _checks.integer("batch_size", batch_size, minimum=1)
    epochs = _checks.integer("epochs", epochs, minimum=1)
    if epochs > MAX_EPOCHS:
        raise ValueError(f"epochs must be at most {MAX_EPOCHS}, got {epochs!r}")
    accumulate = _checks.integer("accumulate", accumulate, minimum=1)
    seed = _checks.integer("seed", seed, minimum=0)
    dev = resolve_device(device)
    amp_dtype = autocast_dtype(dev, amp)
    loss_fn, _ = _loss_fn(loss)

    model.to(dev)
    if not isinstance(optimizer, torch.optim.Optimizer):
        if not callable(optimizer):
            raise TypeError(f"optimizer must be a torch.optim.Optimizer or a function params -> "
                            f"optimizer, got {optimizer!r} ({type(optimizer).__name__})")
        made = optimizer(model.parameters())
        if not isinstance(made, torch.optim.Optimizer):
            raise TypeError(f"optimizer must return a torch.optim.Optimizer when called with the "
                            f"parameters, got {made!r} from {optimizer!r}")
        optimizer = made
    scheduler = None if schedule is None else as_torch_scheduler(optimizer, schedule)
    scaler = torch.amp.GradScaler(dev.type) if amp_dtype == torch.float16 else None
    autocast = (torch.autocast(dev.type, dtype=amp_dtype) if amp_dtype is not None
                else contextlib.nullcontext())

    param_dtype = next(model.parameters()).dtype
    X, y = _as_tensors(data, "data", dev, param_dtype)
    if test_data is None and isinstance(data, Dataset):
        test_data = data
    X_test, y_test = (None, None) if test_data is None else _as_tensors(
        test_data, "test_data", dev, param_dtype)
    _checks.model_data(model, X, y, x_name="data: X", y_name="data: y", labels=not callable(loss))
    if X_test is not None:
        _checks.model_data(model, X_test, y_test, x_name="test_data: X", y_name="test_data: y",
                           labels=not callable(loss))
    classify = not y.is_floating_point()
    loss_dtype = torch.float64 if param_dtype == torch.float64 else torch.float32

    n = len(y)
    step_size = batch_size * accumulate
    steps_per_epoch = math.ceil(n / step_size)
    if schedule is not None:
        _check_schedule_length(schedule, epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(seed)
    losses: list[torch.Tensor] = []
    hits: list[torch.Tensor] = []
    step_n: list[int] = []
    lrs: list[float] = []
    rates: list[float] = []
    test_acc: list[float] = []
    diverged_at = None

    from tqdm.auto import tqdm

    model.train()
    with tqdm(total=epochs * steps_per_epoch, disable=not progress, unit="step",
              desc="train") as bar:
        for _epoch in range(epochs):
            order = (torch.randperm(n, generator=generator) if shuffle else torch.arange(n)).to(dev)
            predictions: list[torch.Tensor] = []
            _sync(dev)
            start = time.perf_counter()
            done = 0  # examples of this epoch in recorded steps
            for first in range(0, n, step_size):
                m = min(step_size, n - first)
                idx = order[first:first + m]
                lrs.append(optimizer.param_groups[0]["lr"])
                optimizer.zero_grad(set_to_none=True)
                step_loss = None
                for j in range(0, m, batch_size):
                    part = idx if m <= batch_size else idx[j:j + batch_size]
                    with autocast:
                        out = model(X[part])
                        micro = loss_fn(out, y[part])
                    if m > batch_size:  # several micro-batches: weight each by its share
                        micro = micro * (min(batch_size, m - j) / m)
                    (scaler.scale(micro) if scaler is not None else micro).backward()
                    step_loss = micro.detach() if step_loss is None else step_loss + micro.detach()
                    if classify:
                        predictions.append(out.detach().argmax(-1))
                if not torch.isfinite(step_loss):  # divergence is a result: stop before it
                    diverged_at = len(losses)
                    break
                if scaler is not None and hooks:
                    scaler.unscale_(optimizer)
                for hook in hooks:
                    hook.before_step(model, optimizer)
                try:
                    if scaler is not None:
                        scaler.step(optimizer)
                        scaler.update()
                    else:
                        optimizer.step()
                except RuntimeError as exc:  # lr * grad beyond the parameters' dtype
                    if "overflow" not in str(exc):
                        raise
                    losses.append(step_loss)
                    step_n.append(m)
                    done += m
                    diverged_at = len(losses)
                    break
                for hook in hooks:
                    hook.after_step(model, optimizer)
                if scheduler is not None:
                    scheduler.step()
                losses.append(step_loss)
                step_n.append(m)
                done += m
                bar.update(1)
            if classify and done:  # one comparison per epoch; split into steps at the end
                hits.append(torch.cat(predictions)[:done] == y[order[:done]])
            _sync(dev)
            if done:
                rates.append(done / (time.perf_counter() - start))
            if diverged_at is not None:
                break
            if X_test is not None and classify:
                test_acc.append(evaluate(model, X_test, y_test))
            epoch_loss = torch.stack(losses[-steps_per_epoch:]).float().mean().item()
            bar.set_postfix(loss=f"{epoch_loss:.4g}", refresh=False)

    loss_arr = (torch.stack([v.to(loss_dtype) for v in losses]).cpu().double().numpy() if losses
                else np.empty(0))
    lrs = lrs[: len(losses)]
    if classify and step_n:
        sizes = np.asarray(step_n)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        acc_arr = np.add.reduceat(torch.cat(hits).cpu().numpy().astype(float), starts) / sizes
    else:
        acc_arr = np.empty(0)
    return TrainHistory(
        loss=loss_arr, accuracy=acc_arr, lr=np.asarray(lrs, dtype=float),
        examples_per_s=np.asarray(rates), test_accuracy=np.asarray(test_acc, dtype=float),
        batch_size=batch_size, accumulate=accumulate, epochs=epochs, device=str(dev),
        amp=None if amp_dtype is None else str(amp_dtype).replace("torch.", ""),
        steps_per_epoch=steps_per_epoch, diverged_at=diverged_at,
    )
