"""The claims registry: each claim, the experiment that checks it, and a verdict computed by a rule.

A :class:`Claim` pairs a statement with an *experiment* (``experiment(fast, progress) ->``
:class:`Measurement`) and a *judge* that reads only the measured numbers and returns a
:class:`ClaimVerdict`. The rule the judge applies is stated in words (``Claim.rule``), so a reader
can check it against the numbers; no verdict is ever typed in.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import _checks

__all__ = [
    "Claim",
    "ClaimVerdict",
    "Evidence",
    "Measurement",
    "Source",
    "check",
    "check_all",
    "claims",
    "get",
    "register",
]

Number = float | int | bool


class ClaimVerdict(enum.Enum):
    """What the measurement says about a claim."""

    HOLDS = "holds"
    CAVEATS = "holds with caveats"
    FAILS = "does not hold here"

    def __str__(self) -> str:
        return self.value


class Source(enum.Enum):
    """Where a claim comes from. The value is the key ``claims(source=...)`` filters on; the
    text a reader sees (``str``) is ``label``."""

    SEED = "seed guide"
    PAPER = "paper"
    OURS = "ours"

    @property
    def label(self) -> str:
        return {"seed guide": "interview guide"}.get(self.value, self.value)

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Measurement:
    """What an experiment measured.

    ``numbers``: the named results the verdict is computed from (finite floats, ints or bools).
    ``finding``: one or two sentences stating them. ``rows``: an optional detail table, one dict
    per row (same keys in every row). ``setup``: the settings that produced it, in words.
    """

    numbers: Mapping[str, Number]
    finding: str
    rows: tuple[Mapping[str, Any], ...] = ()
    setup: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, value in self.numbers.items():
            if not isinstance(value, bool | int | float):
                raise TypeError(f"measured number {name!r} must be a float, int or bool, got "
                                f"{value!r} ({type(value).__name__})")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"measured number {name!r} must be finite, got {value!r}")
        object.__setattr__(self, "rows", tuple(self.rows))


Experiment = Callable[..., Measurement]
Judge = Callable[[Mapping[str, Number]], ClaimVerdict]


@dataclass(frozen=True)
class Claim:
    """One claim of the material and the experiment that checks it."""

    key: str
    statement: str
    source: Source
    reference: str
    experiment: Experiment
    rule: str
    judge: Judge
    group: str = "learning rate"
    #: modules the experiment needs beyond the core (e.g. ``"lrlearn.batch"``)
    needs: tuple[str, ...] = ()
    #: for papers: (aspect, what the paper reports / used), shown beside our setup and numbers
    published: tuple[tuple[str, str], ...] = ()

    def run(self, fast: bool = True, progress: bool = False) -> Evidence:
        """Run the experiment (``fast=True``: seconds, for tests; ``False``: the book's setting)
        and judge the numbers it returns."""
        if not isinstance(fast, bool):
            raise TypeError(f"fast must be True or False, got {fast!r}")
        start = time.perf_counter()
        measurement = self.experiment(fast=fast, progress=progress)
        seconds = time.perf_counter() - start
        if not isinstance(measurement, Measurement):
            raise TypeError(f"experiment of claim {self.key!r} returned {type(measurement).__name__}, "
                            "not a Measurement")
        return Evidence(self, measurement, self.judge(measurement.numbers), fast, seconds)


@dataclass(frozen=True)
class Evidence:
    """A claim, what its experiment measured, and the verdict computed from the numbers."""

    claim: Claim
    measurement: Measurement
    verdict: ClaimVerdict
    fast: bool
    seconds: float

    @property
    def numbers(self) -> Mapping[str, Number]:
        return self.measurement.numbers

    def __repr__(self) -> str:
        return f"Evidence({self.claim.key!r}: {self.verdict.value}; {self.measurement.finding})"


_CLAIMS: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    """Add a claim to the registry (keys are unique)."""
    if claim.key in _CLAIMS and _CLAIMS[claim.key] is not claim:
        raise ValueError(f"a claim with key {claim.key!r} is already registered")
    _CLAIMS[claim.key] = claim
    return claim


#: the order groups are listed in (registration order within a group)
GROUPS = ("learning rate", "batch size", "paper")


def claims(group: str | None = None, source: Source | str | None = None) -> list[Claim]:
    """The registered claims, group by group (see ``GROUPS``), optionally one group or source."""
    out = sorted(_CLAIMS.values(), key=lambda c: GROUPS.index(c.group) if c.group in GROUPS
                 else len(GROUPS))
    if group is not None:
        groups = sorted({c.group for c in out})
        _checks.choice("group", group, groups)
        out = [c for c in out if c.group == group.lower()]
    if source is not None:
        src = source if isinstance(source, Source) else Source(
            _checks.choice("source", source, [s.value for s in Source]))
        out = [c for c in out if c.source is src]
    return out


def get(key: str) -> Claim:
    """The claim with this key."""
    if not isinstance(key, str):
        raise TypeError(f"key must be a string naming a claim, got {key!r}")
    if key not in _CLAIMS:
        raise ValueError(f"key must be one of {sorted(_CLAIMS)}, got {key!r}")
    return _CLAIMS[key]


def check(key: str, fast: bool = True, progress: bool = False) -> Evidence:
    """Run one claim's experiment and judge it."""
    return get(key).run(fast=fast, progress=progress)


def check_all(
    keys: Iterable[str] | None = None, fast: bool = True, progress: bool = True,
    group: str | None = None,
) -> list[Evidence]:
    """Run several claims (default: every registered one, or one ``group``), with a progress bar."""
    from tqdm.auto import tqdm

    chosen = claims(group) if keys is None else [get(k) for k in keys]
    out = []
    for claim in tqdm(chosen, desc="claims", disable=not progress, leave=False):
        out.append(claim.run(fast=fast, progress=False))
    return out

_checks.check_public(globals())
