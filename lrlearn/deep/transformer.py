"""A tiny causal transformer language model (``torch.nn.TransformerEncoderLayer`` blocks under a
causal mask), post-LN or pre-LN, and a loop that trains it on a generated text stream.

Post-LN (the original transformer, ``norm_first=False``) normalises after each residual sum:
``x <- LN(x + f(x))``. Pre-LN (``norm_first=True``) normalises inside the branch,
``x <- x + f(LN(x))``, and adds a final LayerNorm before the output layer. Xiong et al. (2020,
"On layer normalization in the transformer architecture", arXiv:2002.04745) show that at
initialisation post-LN's gradients near the output are large, which is why it needs a warmup of
the learning rate and pre-LN much less.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import _checks
from ..text_stream import ZipfBigram

__all__ = ["LMRun", "TinyTransformerLM", "train_lm", "warmup_schedule"]


class TinyTransformerLM(nn.Module):
    """Token and learned position embeddings, ``layers`` encoder blocks with a causal mask, and
    a linear read-out to next-token logits ``(batch, length, vocab)``. Weights are drawn from a
    generator seeded with ``seed`` (the global RNG is left alone)."""

    def __init__(
        self,
        vocab: int = 64,
        *,
        d_model: int = 64,
        heads: int = 4,
        layers: int = 2,
        d_ff: int = 128,
        max_len: int = 128,
        norm_first: bool = False,
        seed: int = 0,
    ) -> None:
        super().__init__()
        vocab = _checks.integer("vocab", vocab, minimum=2)
        d_model = _checks.integer("d_model", d_model, minimum=1)
        heads = _checks.integer("heads", heads, minimum=1)
        if d_model % heads:
            raise ValueError(f"d_model must be divisible by heads ({heads}), got {d_model}")
        if not isinstance(norm_first, bool):
            raise TypeError(f"norm_first must be True or False, got {norm_first!r}")
        self.norm_first = norm_first
        self.max_len = _checks.integer("max_len", max_len, minimum=1)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(_checks.integer("seed", seed, minimum=0))
            self.embed = nn.Embedding(vocab, d_model)
            self.position = nn.Parameter(0.02 * torch.randn(self.max_len, d_model))
            block = nn.TransformerEncoderLayer(
                d_model,
                heads,
                _checks.integer("d_ff", d_ff, minimum=1),
                dropout=0.0,
                batch_first=True,
                norm_first=norm_first,
            )
            self.blocks = nn.TransformerEncoder(
                block, _checks.integer("layers", layers, minimum=1), enable_nested_tensor=False
            )
            for layer in self.blocks.layers:  # TransformerEncoder deep-copies: redraw each
                for module in layer.modules():
                    if isinstance(module, nn.Linear):
                        module.reset_parameters()
                layer.self_attn._reset_parameters()
            self.final_norm = nn.LayerNorm(d_model) if norm_first else nn.Identity()
            self.head = nn.Linear(d_model, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        length = tokens.shape[1]
        if length > self.max_len:
            raise ValueError(f"tokens: sequences must be at most {self.max_len} long, got {length}")
        x = self.embed(tokens) + self.position[:length]
        mask = nn.Transformer.generate_square_subsequent_mask(
            length, dtype=x.dtype, device=x.device
        )
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.final_norm(x))


def warmup_schedule(lr: float, warmup: int) -> Any:
    """``step -> lr * min(1, (step + 1) / warmup)`` (linear warmup; constant without it)."""
    lr = _checks.positive("lr", lr)
    warmup = _checks.integer("warmup", warmup, minimum=0)
    return lambda step: lr * min(1.0, (step + 1) / warmup) if warmup else lr


@dataclass
class LMRun:
    """Next-token cross-entropy per step of a run on a :class:`~lrlearn.text_stream.ZipfBigram`
    stream; ``floor`` is the stream's entropy rate, so ``loss - floor`` is the exact excess.
    ``diverged_at``: the step the loss stopped being finite (what follows is NaN)."""

    loss: np.ndarray
    floor: float
    unigram: float
    diverged_at: int | None = None

    def final_excess(self, fraction: float = 0.1) -> float:
        """Mean excess loss over the last ``fraction`` of the steps (inf after a divergence)."""
        if self.diverged_at is not None:
            return float("inf")
        tail = self.loss[int(len(self.loss) * (1 - fraction)) :]
        return float(np.mean(tail) - self.floor)


def train_lm(
    model: nn.Module,
    *,
    lr: float = 1e-3,
    warmup: int = 0,
    steps: int = 300,
    betas: tuple[float, float] = (0.9, 0.999),
    batch: int = 32,
    length: int = 32,
    stream: ZipfBigram | None = None,
    optimizer: str = "adam",
    seed: int = 0,
    hooks: Any = (),
) -> LMRun:
    """Train ``model`` with ``torch.optim.Adam`` (or ``"radam"``) at ``lr`` after a linear
    ``warmup`` of that many steps, on fresh batches of the stream (drawn from ``seed``)."""
    stream = stream or ZipfBigram()
    steps = _checks.integer("steps", steps, minimum=1)
    schedule = warmup_schedule(lr, warmup)
    name = _checks.choice("optimizer", optimizer, ("adam", "radam"))
    cls = torch.optim.Adam if name == "adam" else torch.optim.RAdam
    opt = cls(model.parameters(), lr=schedule(0), betas=betas)
    rng = np.random.default_rng(_checks.integer("seed", seed, minimum=0))
    losses = np.full(steps, np.nan)
    diverged_at = None
    for step in range(steps):
        for group in opt.param_groups:
            group["lr"] = schedule(step)
        tokens = torch.as_tensor(stream.sample(batch, length, rng))
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))
        value = float(loss.detach())
        if not np.isfinite(value):
            diverged_at = step
            break
        losses[step] = value
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for hook in hooks:
            hook.before_step(model, opt)
        opt.step()
        for hook in hooks:
            hook.after_step(model, opt)
    return LMRun(losses, stream.entropy_floor, stream.unigram_entropy, diverged_at)

_checks.check_public(globals())
