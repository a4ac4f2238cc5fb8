"""Automatic entries for public callables that have no hand-written entry.

Each gets refusal-only checks derived from its signature: every parameter annotated as a plain
scalar (float, int, bool, str, optionally None) is given values of the wrong kind (a string for a
number, a bool for a count, NaN and infinities for a float, "no" for a flag, None where None is
not allowed), the other arguments keeping their defaults; each must be refused, quickly, by name.
A callable whose required arguments are not scalars is called with an object of no expected type
for each of them at once, which must be refused naming one of them. Exception classes, enums
and the records (dataclasses) that functions return are listed as covered, with that reason.
A hand-written entry in a ``spec_<module>.py`` replaces the automatic one and goes further
(valid calls, edge values, results plotted).
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
from typing import Any

from hypothesis import strategies as st

from boundary.kinds import HUGE_INT, NAN, Covered, Entry, Junk, Kind

INF = float("inf")
_PLACEHOLDER = {"float": 0.1, "int": 2, "bool": False}
_BAD = {
    "float": (None, "0.1", True, NAN, INF, -INF, HUGE_INT, [], Junk()),
    "int": (None, "3", True, 1.5, NAN, [], Junk()),
    "bool": ("no", "yes", 1, 0, None, Junk()),
    "str": (3, 1.5, True, None, b"x", Junk()),
}


def _scalar(annotation: Any) -> tuple[str, bool] | None:
    """('float' | 'int' | 'bool' | 'str', optional) for a plain scalar annotation, else None."""
    if not isinstance(annotation, str):
        return None
    parts = [p.strip() for p in annotation.split("|")]
    optional = "None" in parts
    parts = [p for p in parts if p != "None"]
    if len(parts) == 1 and parts[0] in _BAD:
        return parts[0], optional
    return None


def _kind(name: str, optional: bool) -> Kind:
    values = [v for v in _BAD[name] if not (optional and v is None)]
    return Kind(name, st.sampled_from(values))


def _is_record(obj: Any) -> bool:
    return dataclasses.is_dataclass(obj) and "__post_init__" not in vars(obj)


def entries_for(module_name: str, covered: set[str]) -> list[Entry | Covered]:
    """Automatic entries for the callables in ``module_name.__all__`` not in ``covered``."""
    mod = importlib.import_module(module_name)
    out: list[Entry | Covered] = []
    for name in getattr(mod, "__all__", ()):
        obj = getattr(mod, name)
        if inspect.ismodule(obj) or not callable(obj):
            continue
        owner = getattr(obj, "__module__", "") or ""
        if not owner.startswith("lrlearn"):
            continue
        key = f"{owner}.{obj.__qualname__}"
        if key in covered:
            continue
        covered.add(key)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            out.append(Covered(key, "an exception class: raised by lrlearn, not fed user input"))
            continue
        if inspect.isclass(obj) and issubclass(obj, enum.Enum):
            out.append(Covered(key, "an enum of outcomes returned by lrlearn"))
            continue
        if _is_record(obj):
            out.append(
                Covered(
                    key,
                    "a record (dataclass, no checks of its own) that the "
                    "module's functions return; their inputs are checked",
                )
            )
            continue
        try:
            params = list(inspect.signature(obj).parameters.values())
        except (TypeError, ValueError):
            params = []
        params = [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        required = [p for p in params if p.default is p.empty]
        scalars = {p.name: _scalar(p.annotation) for p in params}
        fillable = all(scalars[p.name] and scalars[p.name][0] in _PLACEHOLDER for p in required)
        if fillable:
            args = {p.name: _PLACEHOLDER[scalars[p.name][0]] for p in required}
            kinds = {n: _kind(*s) for n, s in scalars.items() if s}
            if not kinds:
                out.append(
                    Covered(key, "takes no scalar arguments and requires none: nothing to refuse")
                )
                continue
            out.append(
                Entry(
                    key,
                    args=args,
                    kinds=kinds,
                    refuse_only=True,
                    examples=6,
                    timeout=5.0,
                    id=f"{key} (auto)",
                    skip={p.name: "not a scalar" for p in params if not scalars[p.name]},
                )
            )
        else:
            names = tuple(p.name for p in required)
            first = names[0]
            out.append(
                Entry(
                    key,
                    args={n: Junk() for n in names[1:]},
                    refuse_only=True,
                    examples=1,
                    timeout=5.0,
                    id=f"{key} (auto, junk for {', '.join(names)})",
                    kinds={first: Kind("junk", st.just(Junk()))},
                    skip={p.name: "kept at its default" for p in params if p.name != first},
                    aliases={first: names[1:]},
                )
            )
    return out
