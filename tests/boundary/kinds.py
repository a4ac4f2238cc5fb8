"""Parameter kinds, their bad and extreme values, and the spec entry type.

A *bad* value must be refused with a ValueError or TypeError that names the parameter. An
*extreme* value (valid but at the edge: 0, negative, tiny, huge) may be refused the same way or
accepted; when accepted the call must finish in time, warn nothing and return a sane result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

NAN = float("nan")
INF = float("inf")
HUGE_INT = 10**400


class Junk:
    """An object of no expected type."""

    def __repr__(self) -> str:
        return "<junk>"


@dataclass(frozen=True)
class Kind:
    """What a parameter is: strategies for values that must be refused and edge values."""

    name: str
    bad: st.SearchStrategy
    extreme: st.SearchStrategy | None = None

    def optional(self) -> Kind:
        """The same kind with None allowed (so None is not bad)."""
        return Kind(self.name + "?", self.bad.filter(lambda v: v is not None), self.extreme)

    def values(self) -> st.SearchStrategy:
        """(value, must_fail) pairs."""
        bad = self.bad.map(lambda v: (v, True))
        if self.extreme is None:
            return bad
        return st.one_of(bad, self.extreme.map(lambda v: (v, False)))


def _s(*values: Any) -> st.SearchStrategy:
    return st.sampled_from(values)


_WRONG = _s(None, "0.1", b"1", [], {}, Junk())

#: a float (any range): wrong types, bools, NaN and infinities are bad
FLOAT = Kind(
    "float",
    st.one_of(_WRONG, _s(True, False, NAN, INF, -INF, HUGE_INT, -HUGE_INT, complex(1, 1))),
    st.one_of(
        _s(0.0, -0.0, -1.0, 1e-300, 5e-324, 1e300, -1e300, 1e308, np.float32(2.5), 3),
        st.floats(allow_nan=False, allow_infinity=False),
    ),
)
#: an int: floats (even 2.0), strings, bools and NaN are bad
INT = Kind(
    "int",
    st.one_of(_WRONG, _s(True, False, 1.5, 2.0, NAN, INF, "3")),
    st.one_of(_s(0, -1, 1, 2, 10**12, HUGE_INT, -HUGE_INT, np.int64(3)), st.integers()),
)
#: a flag: only True/False (and numpy bools)
BOOL = Kind("bool", _s("no", "yes", "False", 0, 1, 1.0, None, [], Junk()), _s(np.bool_(True)))
#: a string choice
STR = Kind("str", _s(None, 3, 1.5, True, b"cos", ["a"], Junk()), _s("", "no-such-option", "ÄÖ"))
#: a callable
FUNC = Kind("callable", _s(None, 3, "f", [], Junk()))
#: an object of a library type: wrong objects are bad
OBJ = Kind("object", _s(None, 3, 0.5, "x", [], Junk()))
#: a 1-D sequence of positive numbers (learning rates, batch sizes, curvatures)
POS_ARRAY = Kind(
    "positive array",
    st.one_of(
        _WRONG.filter(lambda v: not isinstance(v, list)),
        _s([], [NAN], [INF], [-1.0], [0.0], [[1.0, 2.0], [3.0, 4.0]], ["a"], [1.0, NAN]),
    ),
    _s([1e-300], [1e300], [1.0] * 3),
)
#: an int sequence of sizes or class ids
INT_ARRAY = Kind(
    "int array",
    st.one_of(
        _WRONG.filter(lambda v: not isinstance(v, list)),
        _s([], [1.5], [NAN], [-1], ["a"], [[1, 2]]),
    ),
    _s([HUGE_INT], [10**9]),
)
#: a real vector (points, centres)
VECTOR = Kind(
    "vector",
    _s(None, "x", Junk(), [NAN, 0.0], [INF, 0.0], [[1.0]], [1.0, 2.0, 3.0, 4.0, 5.0], []),
    _s([1e300, 1e300], [-1e300, 1e300], [1e154, 1e154]),
)
#: a loss curve / series of numbers
SERIES = Kind(
    "series",
    _s(None, "x", Junk(), [], [1.0], [[1.0, 2.0], [3.0, 4.0]], [1.0, NAN], [1.0, INF]),
    _s([1e300, 1e300, 1e300], [1.0, 1e300], [0.0, 0.0, 0.0], [-1.0, -2.0]),
)


def choice(options: Sequence[Any]) -> Kind:
    """One of the given options; anything else (None, numbers, bools, other strings) is bad."""
    return Kind(
        "choice",
        _s(None, 3, True, "no-such-option", "", b"x", Junk()).filter(lambda v: v not in options),
    )


def kind_of(value: Any, extra: Sequence[Any] = ()) -> Kind:
    """Custom: these values must be refused."""
    return Kind("custom", _s(*extra) if extra else _s(value))


def bad(*values: Any) -> Kind:
    """Exactly these values must be refused."""
    return Kind("custom", _s(*values))


def edge(*values: Any) -> Kind:
    """These values are valid edges: refuse by name or return sensibly."""
    return Kind("custom", st.nothing(), _s(*values))


def mix(
    kind: Kind,
    *,
    bad: Sequence[Any] = (),
    extreme: Sequence[Any] = (),
    allow: Callable[[Any], bool] | None = None,
) -> Kind:
    """A kind with more bad/extreme values, and optionally some of its bad values allowed."""
    b = kind.bad if allow is None else kind.bad.filter(lambda v: not allow(v))
    if bad:
        b = st.one_of(b, _s(*bad))
    e = kind.extreme
    if extreme:
        e = _s(*extreme) if e is None else st.one_of(e, _s(*extreme))
    return Kind(kind.name, b, e)


_BY_ANNOTATION = {
    "float": FLOAT,
    "int": INT,
    "bool": BOOL,
    "str": STR,
}


def from_annotation(annotation: Any) -> Kind | None:
    """The kind an annotation string implies, or None when it is not a plain scalar."""
    if not isinstance(annotation, str):
        return None
    parts = [p.strip() for p in annotation.split("|")]
    optional = "None" in parts
    parts = [p for p in parts if p != "None"]
    if len(parts) != 1 or parts[0] not in _BY_ANNOTATION:
        return None
    kind = _BY_ANNOTATION[parts[0]]
    return kind.optional() if optional else kind


class Lazy:
    """A value made fresh for each call (models, landscapes, results)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self.factory = factory

    def __call__(self) -> Any:
        return self.factory()


def cached(factory: Callable[[], Any]) -> Lazy:
    """A value made once, on first use (for slow results that calls only read)."""
    box: list[Any] = []

    def get() -> Any:
        if not box:
            box.append(factory())
        return box[0]

    return Lazy(get)


@dataclass
class Entry:
    """How to call one public callable validly, and which parameters to perturb.

    ``target`` is the dotted name of the callable under test (``module.qualname``); ``call`` is
    what is called (defaults to the object itself; give a function of the keyword arguments for
    methods). ``args`` is a valid call; ``kinds`` overrides the kinds derived from annotations;
    ``skip`` names parameters not perturbed, each with the reason. ``then`` is applied to an
    accepted result (plot it, read its status) and must not fail or warn either.
    """

    target: str
    args: dict[str, Any] = field(default_factory=dict)
    kinds: dict[str, Kind] = field(default_factory=dict)
    call: Callable[..., Any] | None = None
    then: Callable[[Any], Any] | None = None
    skip: dict[str, str] = field(default_factory=dict)
    examples: int = 10
    timeout: float = 10.0
    #: names the message may use for a parameter (an alias's own name is required)
    aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    id: str | None = None
    #: a NaN in an accepted result is fine (gradients that overflow at huge parameters)
    nan_ok: bool = False
    #: too slow to run here: the valid call is skipped and only bad values are drawn, each of
    #: which must be refused (before any work: the time limit is short)
    refuse_only: bool = False

    @property
    def name(self) -> str:
        return self.id or self.target


@dataclass
class Covered:
    """A public callable whose checks live in another entry (a result type built by a function,
    an exception class, an enum): ``reason`` says where and why."""

    target: str
    reason: str


def resolve(dotted: str) -> Any:
    """The object at ``module.qualname``."""
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def finite_or_none(value: Any) -> bool:
    """A float result that is not NaN."""
    if isinstance(value, float):
        return not math.isnan(value)
    return True
