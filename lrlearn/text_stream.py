"""A text stream the code generates: a Zipf bigram language with a known entropy floor.

Each token's successor is drawn from a Markov chain whose rows are Zipf distributions over a
per-token permutation of the vocabulary: ``P(next = perm_t[r] | current = t) ∝ (r + 1)^(-s)``.
Fresh tokens are drawn every step, so a model never sees the same batch twice (no memorisation)
and the best achievable next-token cross-entropy is the chain's entropy rate

    H = Σ_t π_t · H(P(· | t)),

with π the stationary distribution. The "excess loss" of a model, ``loss - H``, is therefore exact,
which is what separates schedules that the digits (which memorise) cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from . import _checks

__all__ = ["ZipfBigram"]


@dataclass(frozen=True)
class ZipfBigram:
    """A Zipf bigram Markov chain over ``vocab`` tokens with exponent ``exponent``.

    >>> lang = ZipfBigram(vocab=32, exponent=1.1, seed=0)
    >>> x = lang.sample(batch=4, length=16, rng=np.random.default_rng(0))   # (4, 17) int64
    >>> lang.entropy_floor > 0             # nats per token: the best cross-entropy any model gets
    True
    """

    vocab: int = 64
    exponent: float = 1.1
    seed: int = 0

    def __post_init__(self) -> None:
        _checks.integer("vocab", self.vocab, minimum=2, maximum=100_000)
        _checks.in_range("exponent", self.exponent, 0.0, 10.0)
        _checks.integer("seed", self.seed, minimum=0)

    @cached_property
    def transition(self) -> np.ndarray:
        """Row-stochastic ``(vocab, vocab)`` matrix ``P[t, u] = P(next = u | current = t)``."""
        rng = np.random.default_rng(self.seed)
        weights = (np.arange(1, self.vocab + 1, dtype=np.float64)) ** (-self.exponent)
        weights /= weights.sum()
        matrix = np.empty((self.vocab, self.vocab))
        for t in range(self.vocab):
            matrix[t, rng.permutation(self.vocab)] = weights
        return matrix

    @cached_property
    def stationary(self) -> np.ndarray:
        """The stationary distribution π (π P = π), from the leading left eigenvector."""
        values, vectors = np.linalg.eig(self.transition.T)
        pi = np.real(vectors[:, np.argmax(np.real(values))])
        pi = np.abs(pi)
        return pi / pi.sum()

    @cached_property
    def entropy_floor(self) -> float:
        """The entropy rate H = Σ π_t H(P_t) in nats: no model's expected loss can go below it."""
        p = self.transition
        row_entropy = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=1)
        return float(self.stationary @ row_entropy)

    @cached_property
    def unigram_entropy(self) -> float:
        """Entropy of π in nats: the loss of the best model that ignores context."""
        pi = self.stationary
        return float(-np.sum(pi * np.log(pi)))

    def sample(self, batch: int, length: int, rng: np.random.Generator) -> np.ndarray:
        """``(batch, length + 1)`` int64 token sequences, started from π (so every position is
        stationary); inputs are ``[:, :-1]`` and next-token targets ``[:, 1:]``."""
        _checks.integer("batch", batch, minimum=1, maximum=1_000_000)
        _checks.integer("length", length, minimum=1, maximum=100_000)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        cdf = np.cumsum(self.transition, axis=1)
        cdf[:, -1] = 1.0
        out = np.empty((batch, length + 1), dtype=np.int64)
        start_cdf = np.cumsum(self.stationary)
        start_cdf[-1] = 1.0
        out[:, 0] = np.searchsorted(start_cdf, rng.random(batch), side="right")
        uniforms = rng.random((batch, length))
        for i in range(length):
            rows = cdf[out[:, i]]
            out[:, i + 1] = (uniforms[:, i, None] >= rows).sum(axis=1)
        return out

    def cross_entropy(self, probs: np.ndarray, tokens: np.ndarray) -> float:
        """Mean next-token cross-entropy (nats) of predicted ``probs[b, i, :]`` on ``tokens``."""
        targets = tokens[:, 1:]
        picked = np.take_along_axis(probs, targets[..., None], axis=-1)[..., 0]
        return float(-np.mean(np.log(np.clip(picked, 1e-300, None))))
