"""The order in which a question's options are shown: a fresh shuffle at every presentation,
reproducible from a seed, the question id and the presentation number.

Every front end (terminal, notebook widget, book page, Anki export) shows ``options_in_order``;
the letters a), b), ... are positions in that order, and ``order[position]`` is the option's
index in the bank.
"""

from __future__ import annotations

import zlib

import numpy as np

from .. import _checks
from .schema import Question

__all__ = ["letter", "options_in_order", "shuffled_order"]


def shuffled_order(question: Question, seed: int = 0, presentation: int = 0) -> tuple[int, ...]:
    """A permutation of the option indices of ``question`` (empty if it has no options), drawn
    from ``numpy.random.default_rng([seed, crc32(id), presentation])``."""
    _checks.integer("seed", seed, minimum=0)
    _checks.integer("presentation", presentation, minimum=0)
    n = len(question.choices)
    if n == 0:
        return ()
    rng = np.random.default_rng([int(seed), zlib.crc32(question.id.encode()), int(presentation)])
    return tuple(int(i) for i in rng.permutation(n))


def letter(position: int) -> str:
    """0 -> 'a', 1 -> 'b', ..."""
    if not 0 <= position <= 25:
        raise ValueError(f"position must be in [0, 25], got {position!r}")
    return chr(ord("a") + position)


def options_in_order(question: Question, order: tuple[int, ...]) -> list[tuple[str, str]]:
    """[(letter, option text), ...] in the order shown."""
    return [(letter(pos), question.choices[i]) for pos, i in enumerate(order)]


_checks.check_public(globals())
