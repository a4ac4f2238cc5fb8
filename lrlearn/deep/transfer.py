"""Transfer learning with discriminative learning rates.

Pre-train a small MLP on the digits (default: all ten, upright), replace its last layer by a new
head, and fine-tune on a few examples of a shifted target task (default: the same ten digits as
negative images, 1 - x, a change of domain) with parameter groups: a lower learning rate for the
pre-trained body than for the new head (``body_lr = body_factor * head_lr``, as in ULMFiT, Howard
& Ruder 2018), against one learning rate for all, a frozen body, and training from scratch.
The comparison is measured over seeds (``transfer_over_seeds``), not assumed.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _checks
from ..plots import new_axes
from .device import resolve_device
from .train import TrainHistory, evaluate, train

__all__ = [
    "DOMAINS",
    "STRATEGIES",
    "TransferResult",
    "TransferSeeds",
    "TransferTuned",
    "param_groups",
    "transfer_experiment",
    "transfer_over_seeds",
    "tune_head_lr",
]

STRATEGIES = ("discriminative", "single", "frozen", "scratch")
#: how the target task's images differ from the source's: "original" (none) or "negative" (1 - x)
DOMAINS = ("original", "negative")


def param_groups(model: nn.Sequential, head_lr: float, body_factor: float) -> list[dict]:
    """Two optimizer parameter groups: the body (every layer but the last) at
    ``body_factor * head_lr`` and the head (the last layer) at ``head_lr``."""
    head_lr = _checks.positive("head_lr", head_lr)
    body_factor = _checks.non_negative("body_factor", body_factor)
    _checks.instance("model", model, nn.Sequential, "a torch.nn.Sequential (body layers, then a head)")
    if len(model) < 2 or not list(model[-1].parameters()):
        raise ValueError(f"model must end in a head layer with parameters after a body, got {model!r}")
    body = [p for layer in list(model)[:-1] for p in layer.parameters()]
    head = list(model[-1].parameters())
    return [{"params": body, "lr": body_factor * head_lr, "name": "body"},
            {"params": head, "lr": head_lr, "name": "head"}]


@dataclass
class TransferResult:
    """Fine-tuning histories per strategy, the lrs used, and the pre-trained model's accuracy on
    the source task. ``test_accuracy[name]`` is the target-task test accuracy after each epoch."""

    histories: dict[str, TrainHistory]
    lrs: dict[str, dict[str, float]]
    pretrain_accuracy: float
    source: tuple[int, ...]
    target: tuple[int, ...]
    n_finetune: int
    target_domain: str = "original"

    @property
    def test_accuracy(self) -> dict[str, np.ndarray]:
        return {k: h.test_accuracy for k, h in self.histories.items()}

    @property
    def final_accuracy(self) -> dict[str, float]:
        return {k: float(h.test_accuracy[-1]) for k, h in self.histories.items()}

    def summary(self) -> str:
        lines = [f"pre-trained on digits {self.source}: test accuracy {self.pretrain_accuracy:.3f}",
                 f"fine-tuned on {self.n_finetune} examples of digits {self.target}"
                 + (" as negative images:" if self.target_domain == "negative" else ":")]
        for name, acc in self.final_accuracy.items():
            lr = ", ".join(f"{k} lr {v:g}" for k, v in self.lrs[name].items())
            lines.append(f"  {name:>15}: test accuracy {acc:.3f}  ({lr})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def plot(self, ax: Any = None) -> Any:
        """Target-task test accuracy against the fine-tuning epoch, one line per strategy."""
        ax = new_axes(ax, (6, 3.6), pyplot=True)
        fig = ax.figure
        for name, acc in self.test_accuracy.items():
            ax.plot(np.arange(1, len(acc) + 1), acc, "o-", ms=3, label=name)
        ax.set(xlabel="fine-tuning epoch", ylabel="test accuracy on the target task",
               ylim=(0, 1.02), title=_task_title(self.source, self.target, self.target_domain))
        ax.legend(loc="lower right")
        return fig


def _digits_text(classes: tuple[int, ...]) -> str:
    if classes == tuple(range(classes[0], classes[0] + len(classes))):
        return f"{classes[0]}-{classes[-1]}"
    return ",".join(map(str, classes))


def _task_title(source: tuple[int, ...], target: tuple[int, ...], domain: str) -> str:
    tail = " (negatives)" if domain == "negative" else ""
    return f"transfer: digits {_digits_text(source)} -> {_digits_text(target)}{tail}"


#: pre-trained bodies by their settings (pre-training is deterministic given them), so that a
#: sweep over fine-tuning settings pre-trains once per seed
_PRETRAINED: dict[tuple, tuple[nn.Sequential, float]] = {}


def _classes(name: str, classes: Sequence[int]) -> tuple[int, ...]:
    if isinstance(classes, str) or not isinstance(classes, Sequence):
        raise TypeError(f"{name} must be a sequence of digits in [0, 9], got {classes!r}")
    values = tuple(_checks.integer(name, c, minimum=0, maximum=9) for c in classes)
    if len(values) < 2 or len(set(values)) != len(values):
        raise ValueError(f"{name} must be at least two distinct digits in [0, 9], got {values!r}")
    return values


def transfer_experiment(
    *,
    source: Sequence[int] = tuple(range(10)),
    target: Sequence[int] = tuple(range(10)),
    target_domain: str = "negative",
    hidden: Sequence[int] = (256,),
    n_finetune: int = 30,
    pretrain_epochs: int = 5,
    pretrain_lr: float = 0.03,
    finetune_epochs: int = 40,
    head_lr: float = 0.03,
    body_factor: float = 0.1,
    momentum: float = 0.9,
    batch_size: int = 10,
    strategies: Sequence[str] = STRATEGIES,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> TransferResult:
    """Pre-train on the ``source`` digits (all their training examples, SGD at ``pretrain_lr``
    for ``pretrain_epochs``), then fine-tune on
    ``n_finetune`` training examples of the ``target`` digits, drawn at random with ``seed``, shown
    as ``target_domain`` images ("negative": 1 - x, white digits become black on white), with SGD
    (``momentum``) under each strategy:

    - ``"discriminative"``: body at ``body_factor * head_lr``, new head at ``head_lr``;
    - ``"single"``: everything at ``head_lr``;
    - ``"frozen"``: body frozen, head at ``head_lr``;
    - ``"scratch"``: a fresh network, everything at ``head_lr`` (no transfer).

    Every strategy starts from the same pre-trained weights and the same new head, and sees the
    same examples in the same order. Test accuracy is on all test examples of the target digits
    (in the target domain). ``body_factor=0`` makes "discriminative" the same as "frozen",
    ``body_factor=1`` the same as "single". ``seed`` sets the initial weights, the fine-tuning
    examples and their order; ``transfer_over_seeds`` repeats the experiment over seeds.

    With the defaults, features learned on upright digits carry over to their negatives, so with
    30 target examples every strategy that starts from them beats training from scratch; on
    new classes (``source=(0, 1, 2, 3, 4), target=(5, 6, 7, 8, 9), target_domain="original"``)
    a small network from scratch catches up within a few epochs and transfer buys nothing.
    """
    from .models import digits_tensors, mlp

    progress = _checks.flag("progress", progress)
    source, target = _classes("source", source), _classes("target", target)
    if isinstance(hidden, str) or not isinstance(hidden, Sequence):
        raise TypeError(f"hidden must be a sequence of widths, got {hidden!r}")
    if isinstance(strategies, str) or not isinstance(strategies, Sequence):
        raise TypeError(f"strategies must be a sequence of names from {list(STRATEGIES)}, got "
                        f"{strategies!r}")
    batch_size = _checks.integer("batch_size", batch_size, minimum=1)
    hidden = tuple(_checks.integer("hidden", h, minimum=1) for h in hidden)
    if not hidden:
        raise ValueError("hidden must have at least one layer (a body to transfer)")
    pretrain_epochs = _checks.integer("pretrain_epochs", pretrain_epochs, minimum=1)
    finetune_epochs = _checks.integer("finetune_epochs", finetune_epochs, minimum=1)
    head_lr = _checks.positive("head_lr", head_lr)
    pretrain_lr = _checks.positive("pretrain_lr", pretrain_lr)
    body_factor = _checks.non_negative("body_factor", body_factor)
    momentum = _checks.in_range("momentum", momentum, 0.0, 1.0, high_open=True)
    seed = _checks.integer("seed", seed, minimum=0)
    target_domain = _checks.choice("target_domain", target_domain, DOMAINS)
    names = [_checks.choice("strategies", s, STRATEGIES) for s in strategies]
    if not names:
        raise ValueError(f"strategies must name at least one of {list(STRATEGIES)}")
    dev = resolve_device(device)

    Xs, ys = digits_tensors("train", classes=source, relabel=True, device=dev)
    Xs_test, ys_test = digits_tensors("test", classes=source, relabel=True, device=dev)
    Xt_all, yt_all = digits_tensors("train", classes=target, relabel=True, device=dev)
    n_finetune = _checks.integer("n_finetune", n_finetune, minimum=1, maximum=len(yt_all))
    pick = np.random.default_rng(seed).permutation(len(yt_all))[:n_finetune]
    pick = torch.as_tensor(pick, device=dev)
    Xt, yt = _domain(Xt_all[pick], target_domain), yt_all[pick]
    Xt_test, yt_test = digits_tensors("test", classes=target, relabel=True, device=dev)
    Xt_test = _domain(Xt_test, target_domain)

    key = (source, hidden, pretrain_epochs, pretrain_lr, momentum, batch_size, seed, str(dev))
    if key not in _PRETRAINED:  # the fine-tuning settings do not change the pre-trained body
        base = mlp(64, hidden, len(source), seed=seed).to(dev)
        train(base, (Xs, ys),
              torch.optim.SGD(base.parameters(), lr=pretrain_lr, momentum=momentum),
              batch_size=batch_size, epochs=pretrain_epochs, seed=seed, device=dev,
              progress=progress)
        if len(_PRETRAINED) >= 32:
            _PRETRAINED.pop(next(iter(_PRETRAINED)))
        _PRETRAINED[key] = (base, evaluate(base, Xs_test, ys_test))
    base, pretrain_accuracy = copy.deepcopy(_PRETRAINED[key][0]), _PRETRAINED[key][1]
    new_head = mlp(hidden[-1], (), len(target), seed=seed + 1)[-1]

    histories: dict[str, TrainHistory] = {}
    lrs: dict[str, dict[str, float]] = {}
    for name in names:
        if name == "scratch":
            model = mlp(64, hidden, len(target), seed=seed + 2).to(dev)
        else:
            model = copy.deepcopy(base)
            model[-1] = copy.deepcopy(new_head).to(dev)
        if name == "discriminative":
            groups = param_groups(model, head_lr, body_factor)
        elif name == "frozen":
            for layer in list(model)[:-1]:
                layer.requires_grad_(False)
            groups = [{"params": list(model[-1].parameters()), "lr": head_lr, "name": "head"}]
        else:
            groups = [{"params": list(model.parameters()), "lr": head_lr, "name": "all"}]
        lrs[name] = {g["name"]: g["lr"] for g in groups}
        opt = torch.optim.SGD(groups, lr=head_lr, momentum=momentum)
        histories[name] = train(model, (Xt, yt), opt, batch_size=batch_size,
                                epochs=finetune_epochs, test_data=(Xt_test, yt_test),
                                seed=seed, device=dev, progress=progress)
    return TransferResult(histories=histories, lrs=lrs, pretrain_accuracy=pretrain_accuracy,
                          source=source, target=target, n_finetune=n_finetune,
                          target_domain=target_domain)


def _domain(X: torch.Tensor, domain: str) -> torch.Tensor:
    """The images of a target domain: as they are, or as negatives (pixels in [0, 1])."""
    return 1.0 - X if domain == "negative" else X


class _OverSeeds:
    """Intervals over seeds from ``final`` (strategy -> final accuracy per seed, paired)."""

    final: dict[str, np.ndarray]

    def mean(self, name: str) -> Any:
        """Mean final accuracy of a strategy over the seeds, with its 95 % interval."""
        from ..stats import mean_ci

        return mean_ci(self.final[_checks.choice("name", name, list(self.final))])

    def paired(self, a: str, b: str) -> Any:
        """95 % interval of the paired difference of final accuracy, strategy ``a`` minus ``b``."""
        from ..stats import paired_ci

        names = list(self.final)
        a, b = _checks.choice("a", a, names), _checks.choice("b", b, names)
        return paired_ci(self.final[a], self.final[b])

    def _lines(self) -> list[str]:
        out = []
        for name in self.final:
            ci = self.mean(name)
            lr = f"  (head lr {self.best_lr[name]:g})" if hasattr(self, "best_lr") else ""
            out.append(f"  {name:>15}: {ci.mean:.3f} ({ci.low:.3f} to {ci.high:.3f}){lr}")
        return out

    def __repr__(self) -> str:
        return self.summary()


@dataclass(repr=False)
class TransferSeeds(_OverSeeds):
    """``transfer_experiment`` repeated over ``seeds`` (same settings). ``final[name]``: the final
    target test accuracy of each strategy, one entry per seed. Strategies run with the same seed
    share the pre-trained body, the new head and the fine-tuning examples, so they are compared
    by paired intervals (``lrlearn.stats.paired_ci``)."""

    seeds: tuple[int, ...]
    results: list[TransferResult]

    @property
    def final(self) -> dict[str, np.ndarray]:
        names = self.results[0].final_accuracy
        return {k: np.array([r.final_accuracy[k] for r in self.results]) for k in names}

    def summary(self) -> str:
        r = self.results[0]
        return "\n".join([f"{_task_title(r.source, r.target, r.target_domain)}, {r.n_finetune} "
                          f"fine-tuning examples, {len(self.seeds)} seeds: final test accuracy, "
                          f"mean (95% CI)", *self._lines()])


@dataclass(repr=False)
class TransferTuned(_OverSeeds):
    """Each strategy at its own best head lr: ``by_lr[lr]`` the runs over the seeds at each head
    lr tried, ``best_lr[name]`` the one with the highest mean final accuracy, ``final[name]`` the
    per-seed final accuracies there (still paired by seed across strategies)."""

    by_lr: dict[float, TransferSeeds]
    best_lr: dict[str, float]

    @property
    def final(self) -> dict[str, np.ndarray]:
        return {k: self.by_lr[lr].final[k] for k, lr in self.best_lr.items()}

    def summary(self) -> str:
        any_run = next(iter(self.by_lr.values()))
        r = any_run.results[0]
        return "\n".join([f"{_task_title(r.source, r.target, r.target_domain)}, {r.n_finetune} "
                          f"fine-tuning examples, {len(any_run.seeds)} seeds, head lr tuned over "
                          f"{', '.join(f'{x:g}' for x in self.by_lr)}: final test accuracy, mean "
                          f"(95% CI)", *self._lines()])


def tune_head_lr(head_lrs: Sequence[float] = (0.01, 0.03, 0.1),
                 seeds: Sequence[int] = (0, 1, 2, 3, 4), **settings: Any) -> TransferTuned:
    """``transfer_over_seeds`` at each head lr; each strategy keeps its best (by the mean)."""
    if isinstance(head_lrs, str) or not isinstance(head_lrs, Sequence) or not head_lrs:
        raise ValueError(f"head_lrs must be a non-empty sequence of rates, got {head_lrs!r}")
    lrs = [_checks.positive(f"head_lrs[{i}]", x) for i, x in enumerate(head_lrs)]
    if "head_lr" in settings:
        raise TypeError("tune_head_lr takes head_lrs=..., not head_lr=")
    by_lr = {lr: transfer_over_seeds(seeds, head_lr=lr, **settings) for lr in lrs}
    names = list(by_lr[lrs[0]].final)
    best = {k: max(lrs, key=lambda lr, k=k: float(by_lr[lr].final[k].mean())) for k in names}
    return TransferTuned(by_lr, best)


def transfer_over_seeds(seeds: Sequence[int] = (0, 1, 2, 3, 4), **settings: Any) -> TransferSeeds:
    """``transfer_experiment(seed=s, **settings)`` for each of ``seeds`` (at least two)."""
    if isinstance(seeds, str) or not isinstance(seeds, Sequence) or len(seeds) < 2:
        raise ValueError(f"seeds must be a sequence of at least two seeds, got {seeds!r}")
    seeds = tuple(_checks.integer(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(seeds))
    if "seed" in settings:
        raise TypeError("transfer_over_seeds takes seeds=..., not seed=")
    return TransferSeeds(seeds, [transfer_experiment(seed=s, **settings) for s in seeds])
