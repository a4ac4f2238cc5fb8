"""Every claim the book makes, the experiment that checks it, and a verdict computed from numbers.

>>> from lrlearn import claims
>>> ev = claims.check("worked-example")          # runs the fast setting
>>> ev.verdict.value
'does not hold here'

``claims.claims()`` lists the registry; ``claims.check_all(fast=False)`` runs the book's setting;
``claims.verdict_table(evidence)`` renders a table (Markdown or HTML) from the measured numbers.
"""

from __future__ import annotations

from . import (  # noqa: F401  (modules register their claims)
    adam_era,
    at_scale,
    batch_size,
    edge_of_stability,
    errata,
    figures,
    learning_rate,
    scaling_papers,
)
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
from .render import (
    Summary,
    Table,
    detail_table,
    fmt,
    numbers_table,
    published_table,
    show,
    summary,
    verdict_table,
)

__all__ = [
    "Claim",
    "ClaimVerdict",
    "Evidence",
    "Measurement",
    "Source",
    "Summary",
    "Table",
    "check",
    "check_all",
    "claims",
    "detail_table",
    "figures",
    "fmt",
    "get",
    "numbers_table",
    "published_table",
    "register",
    "show",
    "summary",
    "verdict_table",
]
