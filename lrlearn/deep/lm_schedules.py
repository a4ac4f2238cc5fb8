"""Schedules on a text stream: constant, cosine, warmup-stable-decay, linear decay to zero and
schedule-free AdamW, compared at equal budgets on the Zipf bigram stream (``lrlearn.text_stream``).

The model is a bigram network, ``logits = W2 relu(W1 E[token] + b1) + b2`` (embedding 32, hidden
64): it sees only the current token, like the language itself, so its exact expected loss is

    L = sum_t pi_t sum_u P(u | t) (-log q(u | t)),

computed from its full table ``q(. | t)``, never from a sample; ``L - H`` (``H`` the stream's
entropy rate) is the exact excess loss. Every step draws a fresh batch, so nothing is memorised
and the differences between schedules are the ones Hägele et al. 2024 (arXiv:2405.18392) and
Defazio et al. 2024 (arXiv:2405.15682) study: the noise floor a rate leaves, and how fast it goes.

Several seeds and learning rates train at once (one parameter group per model; Adam's update is
per coordinate, so this is exactly separate runs). :func:`train` can stop at a step and hand back
its state, so cooldowns branch from one constant run (:func:`branch_cooldowns`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _checks
from .. import schedules as S
from ..text_stream import ZipfBigram

__all__ = [
    "SHAPES",
    "StreamRuns",
    "branch_cooldowns",
    "compare_schedules",
    "expected_loss",
    "make_schedule",
    "train",
]

#: the schedules compared at an equal budget
SHAPES = ("constant", "cosine", "wsd linear", "wsd 1-sqrt", "linear to zero")
EMBED, HIDDEN = 32, 64
WARMUP_FRACTION, COOLDOWN_FRACTION = 0.05, 0.2


@contextmanager
def _one_thread() -> Iterator[None]:
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def make_schedule(shape: str, lr: float, total_steps: int) -> S.Schedule:
    """``shape`` at peak ``lr`` over ``total_steps``: 5% warmup for all (constant too), WSD with
    the cooldown over the last 20% (Hägele et al.'s default)."""
    shape = _checks.choice("shape", shape, SHAPES)
    w = max(1, round(WARMUP_FRACTION * total_steps))
    if shape == "constant":
        return S.warmup(lr, w)
    if shape == "cosine":
        return S.warmup_cosine(lr, w, total_steps)
    if shape == "linear to zero":
        return S.linear_decay(lr, total_steps, w)
    decay = "1-sqrt" if shape.endswith("1-sqrt") else "linear"
    cool = max(1, round(COOLDOWN_FRACTION * total_steps))
    return S.warmup_stable_decay(lr, total_steps, w, cool, decay)


def _init(vocab: int, seeds: Sequence[int]) -> list[torch.Tensor]:
    """``E, W1, b1, W2, b2`` of one network per seed (PyTorch's default init, seeded), stacked
    along a leading seed axis."""
    per_seed = []
    for s in seeds:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s)
            emb = nn.Embedding(vocab, EMBED)
            fc1, fc2 = nn.Linear(EMBED, HIDDEN), nn.Linear(HIDDEN, vocab)
        per_seed.append([emb.weight, fc1.weight, fc1.bias, fc2.weight, fc2.bias])
    return [torch.stack([m[i].detach() for m in per_seed]).requires_grad_() for i in range(5)]


def _logits(params: Sequence[torch.Tensor], tokens: torch.Tensor) -> torch.Tensor:
    """``tokens`` (S, N) -> logits (S, N, vocab), network ``s`` on row ``s``."""
    emb, w1, b1, w2, b2 = params
    n, vocab, width = emb.shape
    rows = tokens + vocab * torch.arange(n)[:, None]  # row of network s's table in the flat one
    x = nn.functional.embedding(rows, emb.reshape(n * vocab, width))
    h = torch.relu(torch.baddbmm(b1[:, None], x, w1.transpose(1, 2)))
    return torch.baddbmm(b2[:, None], h, w2.transpose(1, 2))


def expected_loss(params: Sequence[torch.Tensor], lang: ZipfBigram) -> np.ndarray:
    """Exact expected next-token cross-entropy (nats) of each stacked network on ``lang``."""
    n = params[0].shape[0]
    with torch.no_grad():
        tokens = torch.arange(lang.vocab).expand(n, -1)
        logq = torch.log_softmax(_logits(params, tokens), dim=-1).double().numpy()
    return -np.einsum("t,tu,stu->s", lang.stationary, lang.transition, logq)


_DATA: dict[tuple[Any, ...], list[torch.Tensor]] = {}
_BLOCK = 50


def stream_batches(
    lang: ZipfBigram, seed: int, steps: int, batch: int, length: int
) -> torch.Tensor:
    """The minibatches of seed ``seed``: ``(steps, batch, length + 1)`` tokens. Drawn in blocks of
    ``_BLOCK`` steps, block ``i`` from its own generator ``(seed, i)``, so step ``t``'s batch does
    not depend on how many steps are asked for; cached (the same data for every schedule and
    learning rate of that seed: paired runs)."""
    key = (lang, seed, batch, length)
    blocks = _DATA.setdefault(key, [])
    while len(blocks) * _BLOCK < steps:
        rng = np.random.default_rng([seed, len(blocks)])
        tokens = lang.sample(_BLOCK * batch, length, rng)
        blocks.append(torch.from_numpy(tokens).view(_BLOCK, batch, length + 1))
    return torch.cat(blocks)[:steps]


@dataclass
class StreamRuns:
    """Exact expected loss of each network at each of ``eval_steps``: ``loss[l, s, e]`` for rate
    ``lrs[l]`` and seed ``seeds[s]``; ``state`` holds what :func:`train` needs to continue."""

    lang: ZipfBigram
    lrs: np.ndarray
    seeds: tuple[int, ...]
    eval_steps: np.ndarray
    loss: np.ndarray
    state: Any = None

    @property
    def excess(self) -> np.ndarray:
        return self.loss - self.lang.entropy_floor


def train(
    schedule: S.Schedule | str,
    lrs: Sequence[float],
    seeds: Sequence[int] = (0, 1, 2),
    steps: int = 1000,
    *,
    lang: ZipfBigram | None = None,
    batch: int = 16,
    length: int = 32,
    n_evals: int = 20,
    start: StreamRuns | None = None,
    start_step: int = 0,
) -> StreamRuns:
    """Train a bigram network per rate of ``lrs`` and seed on fresh batches of ``lang``, steps
    ``start_step .. steps - 1``, with Adam under ``schedule`` (a ``Schedule``, scaled to each rate:
    ``rate * schedule(t) / schedule.base_lr``) or with ``"schedule-free"``
    (``schedulefree.AdamWScheduleFree`` at each rate, warmup 5% of ``steps``, evaluated at its
    averaged point). ``start``: a run stopped at ``start_step`` to continue (a branch)."""
    lang = lang or ZipfBigram()
    if not isinstance(lang, ZipfBigram):
        raise TypeError(f"lang must be a ZipfBigram, got {type(lang).__name__}")
    lrs = _checks.positive_array("lrs", lrs)
    seeds = tuple(_checks.integer("seeds", s, minimum=0) for s in seeds)
    steps = _checks.integer("steps", steps, minimum=1)
    start_step = _checks.integer("start_step", start_step, minimum=0, maximum=steps)
    free = isinstance(schedule, str)
    if free:
        _checks.choice("schedule", schedule, ("schedule-free",))
    elif not isinstance(schedule, S.Schedule):
        raise TypeError(
            f"schedule must be an lrlearn Schedule or 'schedule-free', got {schedule!r}"
        )
    if start is None:
        runs = []
        for lr in lrs:  # one stack of seeds (and one optimizer) per rate
            params = _init(lang.vocab, seeds)
            if free:
                import schedulefree

                opt = schedulefree.AdamWScheduleFree(
                    params,
                    lr=float(lr),
                    warmup_steps=max(1, round(WARMUP_FRACTION * steps)),
                    weight_decay=0.0,
                )
            else:
                opt = torch.optim.Adam(params, lr=float(lr))
            runs.append((params, opt))
    else:
        runs = start.state
    data = torch.stack([stream_batches(lang, s, steps, batch, length) for s in seeds], 1)
    evals = np.unique(np.linspace(start_step, steps, n_evals + 1).round().astype(int))
    loss = np.empty((lrs.size, len(seeds), evals.size))
    with _one_thread():
        for i, (lr, (params, opt)) in enumerate(zip(lrs, runs, strict=True)):
            if free:
                opt.train()
            j = 0
            for t in range(start_step, steps + 1):
                if j < evals.size and evals[j] == t:
                    if free:
                        opt.eval()
                    loss[i, :, j] = expected_loss(params, lang)
                    if free:
                        opt.train()
                    j += 1
                if t == steps:
                    break
                if not free:
                    opt.param_groups[0]["lr"] = float(lr * schedule(t) / schedule.base_lr)
                tok = data[t].reshape(len(seeds), batch, length + 1)
                logits = _logits(params, tok[:, :, :-1].reshape(len(seeds), -1))
                per_seed = (
                    nn.functional.cross_entropy(
                        logits.reshape(-1, lang.vocab), tok[:, :, 1:].reshape(-1), reduction="none"
                    )
                    .view(len(seeds), -1)
                    .mean(1)
                )
                opt.zero_grad()
                per_seed.sum().backward()  # each network gets its own gradient
                opt.step()
            if free:
                opt.eval()
    return StreamRuns(lang, lrs, seeds, evals, loss, runs)


def compare_schedules(
    lrs: Sequence[float],
    steps: int,
    seeds: Sequence[int] = (0, 1, 2),
    shapes: Sequence[str] = SHAPES,
    schedule_free_lrs: Sequence[float] | None = None,
    lang: ZipfBigram | None = None,
    progress: bool = False,
) -> dict[str, StreamRuns]:
    """Each shape (and schedule-free, if ``schedule_free_lrs``) over ``lrs`` x ``seeds`` at an equal
    budget of ``steps``."""
    from tqdm.auto import tqdm

    names = [*shapes, *(["schedule-free"] if schedule_free_lrs is not None else [])]
    out = {}
    for name in tqdm(names, desc="schedules", disable=not progress, leave=False):
        if name == "schedule-free":
            out[name] = train("schedule-free", schedule_free_lrs, seeds, steps, lang=lang)
        else:
            out[name] = train(make_schedule(name, 1.0, steps), lrs, seeds, steps, lang=lang)
    return out


def branch_cooldowns(
    lr: float,
    steps: int,
    fractions: Sequence[float] = (0.25, 0.5, 0.75),
    seeds: Sequence[int] = (0, 1, 2),
    decay: str = "1-sqrt",
    lang: ZipfBigram | None = None,
) -> tuple[StreamRuns, dict[float, StreamRuns]]:
    """One constant run at ``lr`` (5% warmup) for ``steps``, and from it, at each fraction ``f``
    of the run, a cooldown to 0 of shape ``decay`` lasting a quarter of the steps so far (so the
    branch is a WSD run of length ``f * steps * 5 / 4`` with a 20% cooldown). Returns the
    constant run and the branches by fraction."""
    base = make_schedule("constant", lr, steps)
    marks = sorted(round(f * steps) for f in fractions)
    runs: dict[float, StreamRuns] = {}
    prev, state = 0, None
    pieces = []
    for f, m in zip(sorted(fractions), marks, strict=True):
        part = train(base, [lr], seeds, m, lang=lang, start=state, start_step=prev, n_evals=5)
        pieces.append(part)
        state, prev = part, m
        cool = max(1, round(0.25 * m))
        wsd = _branch_schedule(lr, m, cool, decay, steps)
        branch = StreamRuns(
            part.lang, part.lrs, part.seeds, part.eval_steps, part.loss, _copy_state(part.state)
        )
        runs[f] = train(
            wsd, [lr], seeds, m + cool, lang=lang, start=branch, start_step=m, n_evals=10
        )
    last = train(base, [lr], seeds, steps, lang=lang, start=state, start_step=prev, n_evals=5)
    pieces.append(last)
    evals = np.concatenate(
        [p.eval_steps if i == 0 else p.eval_steps[1:] for i, p in enumerate(pieces)]
    )
    loss = np.concatenate(
        [p.loss if i == 0 else p.loss[..., 1:] for i, p in enumerate(pieces)], axis=-1
    )
    constant = StreamRuns(last.lang, last.lrs, last.seeds, evals, loss)
    return constant, runs


def _copy_state(state: Any) -> Any:
    """Independent copies of stacked Adam runs (parameters and optimizer state)."""
    out = []
    for params, opt in state:
        new = [p.detach().clone().requires_grad_() for p in params]
        new_opt = torch.optim.Adam(new, lr=opt.param_groups[0]["lr"])
        new_opt.load_state_dict(copy.deepcopy(opt.state_dict()))
        out.append((new, new_opt))
    return out


def _branch_schedule(lr: float, start: int, cool: int, decay: str, steps: int) -> S.Schedule:
    """The constant run's rate until ``start``, then a cooldown of ``cool`` steps to 0."""
    w = max(1, round(WARMUP_FRACTION * steps))
    total = start + cool
    if w + cool > total:
        raise ValueError(f"a branch at step {start} is inside the warmup ({w} steps)")
    return S.warmup_stable_decay(lr, total, w, cool, decay)

_checks.check_public(globals())
