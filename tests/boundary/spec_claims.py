"""lrlearn.claims: hand-written entries where the automatic ones (tests/boundary/auto.py) do not
fit; every other claims callable gets an automatic refusal-only entry."""

from __future__ import annotations

from boundary.kinds import Covered

ENTRIES = [
    Covered(
        "lrlearn.claims.render.fmt",
        "formats any value for a table by design: numbers to "
        "'digits' significant digits, anything else as str(value)",
    ),
]
