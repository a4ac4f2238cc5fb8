"""Every claim the book makes, the experiment that checks it, and a verdict computed from numbers.

>>> from lrlearn import claims
>>> ev = claims.check("worked-example")          # runs the fast setting
>>> ev.verdict.value
'does not hold here'

``claims.claims()`` lists the registry; ``claims.check_all(fast=False)`` runs the book's setting;
``claims.verdict_table(evidence)`` renders a table (Markdown or HTML) from the measured numbers.
"""

from __future__ import annotations

from . import learning_rate, seed_examples  # noqa: F401  (each module registers its claims)
from .registry import (
    Claim,
    ClaimVerdict,
    Evidence,
    Measurement,
    Source,
    check,
    check_all,
    claims,
    get,
    register,
)
from .render import Table, detail_table, fmt, numbers_table, verdict_table

__all__ = [
    "Claim",
    "ClaimVerdict",
    "Evidence",
    "Measurement",
    "Source",
    "Table",
    "check",
    "check_all",
    "claims",
    "detail_table",
    "fmt",
    "get",
    "numbers_table",
    "register",
    "verdict_table",
]
