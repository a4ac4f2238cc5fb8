"""Argument checks at the public boundary: clear errors that name the parameter, value and range."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

INT64_MAX = 2**63 - 1


def real(name: str, value: Any) -> float:
    """A finite real number (bool refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    try:
        value = float(value)
    except OverflowError:
        size = f"{'-' if value < 0 else ''}1e{int(math.log10(abs(value)))}"
        raise ValueError(f"{name} must be a finite float, got an integer of about {size}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def positive(name: str, value: Any) -> float:
    """A finite number > 0."""
    value = real(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0 (a finite positive number), got {value!r}")
    return value


def non_negative(name: str, value: Any) -> float:
    """A finite number >= 0."""
    value = real(name, value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return value


def in_range(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite number in [low, high] (or with open ends)."""
    value = real(name, value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {left}{low}, {high}{right}, got {value!r}")
    return value


def integer(name: str, value: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (numpy integers accepted, bools and floats refused) within optional bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if maximum is None and abs(value) > INT64_MAX:
        maximum = INT64_MAX  # beyond this numpy and float conversions overflow
    if minimum is not None and value < minimum:
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    if maximum is not None and value > maximum:
        bound = f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return value


def choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """One of a fixed set of strings (case-insensitive)."""
    choices = list(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}, got {value!r}")
    key = value.lower()
    if key not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return key


def positive_array(name: str, values: Any) -> np.ndarray:
    """A non-empty 1-D array of finite numbers > 0."""
    if values is None or isinstance(values, str | bytes | dict | set):
        raise TypeError(f"{name} must be a sequence of positive numbers, got {values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(
            f"{name} must be a sequence of positive numbers, got {_short(values)}"
        ) from exc
    arr = np.atleast_1d(arr)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {arr.shape}")
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise ValueError(
            f"{name} must contain only finite numbers > 0, got {float(arr[bad][0])!r} at index "
            f"{int(np.flatnonzero(bad)[0])}"
        )
    return arr


def flag(name: str, value: Any) -> bool:
    """A real bool (numpy bools accepted); strings such as "no" and numbers such as 0 are refused."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def optional_flag(name: str, value: Any) -> bool | None:
    """None, or a real bool."""
    return None if value is None else flag(name, value)


def instance(name: str, value: Any, types: type | tuple[type, ...], what: str | None = None) -> Any:
    """An object of the given type(s); ``what`` describes it in the message."""
    if not isinstance(value, types):
        if what is None:
            kinds = types if isinstance(types, tuple) else (types,)
            what = " or ".join(t.__name__ for t in kinds)
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")
    return value


def function(name: str, value: Any) -> Any:
    """A callable."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {value!r} ({type(value).__name__})")
    return value


def string(name: str, value: Any, *, empty: bool = False) -> str:
    """A string (non-empty unless ``empty``)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")
    if not empty and not value:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return value


def probability(name: str, value: Any) -> float:
    """A number in [0, 1]."""
    return in_range(name, value, 0.0, 1.0)


def count(name: str, value: Any, minimum: int = 1, maximum: int = 10**7) -> int:
    """An integer count in [minimum, maximum]: the cap turns a typo such as 10**12 into a clear
    error instead of an allocation failure or an hour-long loop."""
    return integer(name, value, minimum=minimum, maximum=maximum)


def array(
    name: str,
    values: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    shape: tuple[int | None, ...] | None = None,
    min_size: int = 1,
    finite: bool = True,
    positive: bool = False,
    non_negative: bool = False,
    low: float | None = None,
    high: float | None = None,
) -> np.ndarray:
    """A float array with the given number of axes (or shape, ``None`` = any length), at least
    ``min_size`` entries, finite (and optionally > 0, >= 0, or within [low, high])."""
    if values is None or isinstance(values, str | bytes | dict | set):
        raise TypeError(f"{name} must be an array of numbers, got {values!r}")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {_short(values)}") from exc
    if shape is not None:
        ok = arr.ndim == len(shape) and all(
            s is None or s == a for s, a in zip(shape, arr.shape, strict=False)
        )
        if not ok:
            want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}")
    elif ndim is not None:
        dims = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in dims:
            raise ValueError(
                f"{name} must have {' or '.join(map(str, dims))} axes, got shape {arr.shape}"
            )
    if arr.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries, got shape {arr.shape}")
    checks = []
    if finite:
        checks.append((~np.isfinite(arr), "finite numbers"))
    if positive:
        checks.append((~(arr > 0), "numbers > 0"))
    if non_negative:
        checks.append((~(arr >= 0), "numbers >= 0"))
    if low is not None:
        checks.append((~(arr >= low), f"numbers >= {low}"))
    if high is not None:
        checks.append((~(arr <= high), f"numbers <= {high}"))
    for bad, what in checks:
        if bad.any():
            i = np.unravel_index(int(np.flatnonzero(bad)[0]), arr.shape)
            where = i[0] if len(i) == 1 else tuple(int(k) for k in i)
            raise ValueError(
                f"{name} must contain only {what}, got {float(arr[i])!r} at index {where}"
            )
    return arr


def labels(name: str, values: Any, n_classes: int, length: int | None = None) -> np.ndarray:
    """Integer class labels in [0, n_classes), 1-D, optionally of a given length."""
    if values is None or isinstance(values, str | bytes | dict):
        raise TypeError(f"{name} must be a 1-D array of integer class labels, got {values!r}")
    arr = np.asarray(values)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of labels, got shape {arr.shape}")
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(int)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if length is not None and arr.size != length:
        raise ValueError(f"{name} must have {length} labels (one per example), got {arr.size}")
    bad = (arr < 0) | (arr >= n_classes)
    if bad.any():
        raise ValueError(
            f"{name} must be class labels in [0, {n_classes - 1}], got {int(arr[bad][0])} at index "
            f"{int(np.flatnonzero(bad)[0])}"
        )
    return arr


def _short(values: Any) -> str:
    text = repr(values)
    return text if len(text) <= 80 else text[:77] + "..."


# --- torch (imported only when these are called) --------------------------------------------


def module(name: str, value: Any) -> Any:
    """A ``torch.nn.Module`` with parameters."""
    from torch import nn

    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {_short(value)} "
                        f"({type(value).__name__})")
    if not any(True for _ in value.parameters()):
        raise ValueError(f"{name} must have parameters, got {_short(value)}")
    return value


def torch_device(name: str, value: Any) -> Any:
    """A ``torch.device``."""
    import torch

    if not isinstance(value, torch.device):
        raise TypeError(f"{name} must be a torch.device, got {value!r} ({type(value).__name__})")
    return value


def torch_dtype(name: str, value: Any, *, floating: bool = True) -> Any:
    """A torch dtype (a floating-point one by default)."""
    import torch

    if not isinstance(value, torch.dtype):
        raise TypeError(f"{name} must be a torch dtype such as torch.float32, got {value!r}")
    if floating and not value.is_floating_point:
        raise ValueError(f"{name} must be a floating-point dtype (torch.float32, torch.float64), "
                         f"got {value!r}")
    return value


def tensors(name: str, values: Any, like: Any = None) -> list:
    """A non-empty sequence of tensors (with the shapes of ``like``'s tensors, if given)."""
    import torch

    if isinstance(values, torch.Tensor | str | bytes) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of tensors, got {_short(values)}")
    out = list(values)
    if not out or not all(isinstance(t, torch.Tensor) for t in out):
        raise TypeError(f"{name} must be a non-empty list of tensors, got {_short(values)}")
    if like is not None:
        shapes = [tuple(t.shape) for t in like]
        if [tuple(t.shape) for t in out] != shapes:
            raise ValueError(f"{name} must hold one tensor per parameter with shapes {shapes}, "
                             f"got {[tuple(t.shape) for t in out]}")
    return out


def model_data(model: Any, X: Any, y: Any, *, x_name: str = "X", y_name: str = "y",
               labels: bool = True) -> None:
    """Features and targets a model can train on, checked with a two-example forward pass, so
    that torch's own messages (shape mismatches, "Target 7 is out of bounds") never surface:
    ``X`` a finite floating-point tensor with one row per example; ``y`` integer class labels in
    [0, outputs) (1-D) or finite float targets shaped like the output (``labels=False``: any
    shape, for a custom loss)."""
    import torch

    for name, t in ((x_name, X), (y_name, y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch tensor, got {_short(t)} ({type(t).__name__})")
        if t.ndim == 0 or t.shape[0] == 0:
            raise ValueError(f"{name} must have one row per example, got shape {tuple(t.shape)}")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"{x_name} and {y_name} must have the same number of rows, got "
                         f"{X.shape[0]} and {y.shape[0]}")
    if not X.is_floating_point():
        raise TypeError(f"{x_name} must hold floating-point features, got dtype {X.dtype}")
    if not bool(torch.isfinite(X).all()):
        raise ValueError(f"{x_name} must contain only finite numbers, got NaN or inf")
    if y.dtype == torch.bool or y.is_complex():
        raise TypeError(f"{y_name} must hold class labels (integers) or float targets, got "
                        f"dtype {y.dtype}")
    if y.is_floating_point() and not bool(torch.isfinite(y).all()):
        raise ValueError(f"{y_name} must contain only finite numbers, got NaN or inf")
    was_training = model.training
    model.eval()  # no dropout randomness, no batch-norm statistics touched
    try:
        with torch.no_grad():
            out = model(X[:2])
    except (RuntimeError, ValueError, TypeError, IndexError) as exc:
        raise ValueError(f"{x_name}: the model cannot take inputs of shape {tuple(X.shape)}: "
                         f"{exc}") from exc
    finally:
        model.train(was_training)
    if not labels:
        return
    if not y.is_floating_point():
        k = out.shape[-1]
        if y.ndim != 1:
            raise ValueError(f"{y_name} must be one class label per example (1-D), got shape "
                             f"{tuple(y.shape)}")
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= k:
            raise ValueError(f"{y_name} must hold class labels in [0, {k - 1}] for a model with "
                             f"{k} outputs, got {low if low < 0 else high}")
    elif tuple(y.shape[1:]) != tuple(out.shape[1:]):
        raise ValueError(f"{y_name} must have the shape of the model's output per example "
                         f"{tuple(out.shape[1:])}, got {tuple(y.shape[1:])}")


def at_most(name: str, value: Any, maximum: float) -> Any:
    """``value`` (already checked) if it is at most ``maximum``: a cap on sizes and budgets that
    turns a typo such as 10**12 into a clear error instead of an hour-long loop."""
    if value > maximum:
        raise ValueError(f"{name} must be at most {maximum:g}, got {value!r}")
    return value


# --- checks read from a public function's annotations -----------------------------------------

_SCALARS = {"float", "int", "bool", "str"}


def _split_union(annotation: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in annotation:
        depth += 1 if ch in "[(" else 0
        depth -= 1 if ch in "])" else 0
        if ch == "|" and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    parts.append(cur.strip())
    return parts


def _number(name: str, value: Any, integral: bool) -> Any:
    if integral:
        return integer(name, value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    real(name, value)  # finite, and an integer within float range
    return value


_GENERIC_ITERABLES = ("Sequence", "Iterable", "Collection", "list", "tuple", "set", "frozenset")
_GENERIC_MAPPINGS = ("Mapping", "dict")


def _part_predicate(part: str, namespace: dict[str, Any]):
    """(accepts(value) -> bool, description) for one member of a union, or None for 'anything'."""
    head = part.split("[", 1)[0].strip()
    head = head.rsplit(".", 1)[-1] if head.startswith(("collections.abc.", "typing.")) else head
    if part in ("Any", "object") or head in ("Any", "TypeVar"):
        return None
    if part == "None":
        return (lambda v: v is None), "None"
    if part == "bool":
        return (lambda v: isinstance(v, bool | np.bool_)), "True or False"
    if part == "int":
        return (lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool | np.bool_)
                and abs(v) <= INT64_MAX), "an integer"
    if part == "float":
        return (lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)
                and abs(v) <= 1e308 and math.isfinite(float(v))), "a finite number"
    if part == "str":
        return (lambda v: isinstance(v, str)), "a string"
    if head in _GENERIC_ITERABLES:
        inner = part[len(head) + 1:-1] if "[" in part else ""
        str_ok = head in ("Iterable", "Collection", "Sequence") and inner.strip() == ""
        return (lambda v: not (isinstance(v, str | bytes) and not str_ok)
                and hasattr(v, "__iter__")), f"a sequence ({part})"
    if head in _GENERIC_MAPPINGS:
        from collections.abc import Mapping

        return (lambda v: isinstance(v, Mapping)), f"a mapping ({part})"
    if head == "Callable":
        return callable, "a function"
    if part in ("np.ndarray", "numpy.ndarray"):
        def numeric(v):
            if isinstance(v, np.ndarray):
                return v.dtype.kind in "biuf"
            if v is None or isinstance(v, str | bytes | dict | set):
                return False
            try:
                np.asarray(v, dtype=float)
            except (TypeError, ValueError, OverflowError):
                return False
            return True

        return numeric, "an array of numbers"
    if "[" in part:
        return None
    try:
        cls = eval(part, namespace)  # an annotation of lrlearn's own code
    except Exception:
        return None
    if not isinstance(cls, type) or getattr(cls, "_is_protocol", False):
        return None
    article = "an" if cls.__name__[0] in "AEIOU" else "a"
    return (lambda v, _c=cls: isinstance(v, _c)), f"{article} {cls.__name__}"


def _annotation_check(annotation: Any, namespace: dict[str, Any]):
    """A check ``(name, value) -> None`` for an annotation, or None when there is none to make:
    scalars (``float``, ``int``, ``bool``, ``str``), classes that exist at run time, sequences,
    mappings, callables and numeric arrays, and unions of them (``| None``); ``Any`` and what
    cannot be resolved at run time are left alone."""
    if not isinstance(annotation, str):
        return None
    parts = _split_union(annotation)
    plain = [p for p in parts if p != "None"]
    optional = len(plain) < len(parts)
    if len(plain) == 1 and plain[0] in _SCALARS:  # the specific messages of the checks above
        kind = plain[0]
        if kind == "bool":
            check = flag
        elif kind == "str":
            def check(name, value):
                return string(name, value, empty=True)
        else:
            def check(name, value, _integral=kind == "int"):
                return _number(name, value, _integral)
        if optional:
            inner = check

            def check(name, value, _inner=inner):
                return None if value is None else _inner(name, value)

        return check
    predicates = []
    for p in parts:
        pred = _part_predicate(p, namespace)
        if pred is None:
            return None
        predicates.append(pred)
    what = " or ".join(d for _, d in predicates)
    tests = tuple(t for t, _ in predicates)

    def check(name, value, _tests=tests, _what=what):
        if not any(t(value) for t in _tests):
            raise TypeError(f"{name} must be {_what}, got {_short(value)} ({type(value).__name__})")
        return value

    return check


def checked(fn):
    """``fn`` with its annotated arguments checked at each call (see ``_annotation_check``):
    the part of the boundary that the signature already states. Range checks stay in ``fn``."""
    import functools
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn
    namespace = getattr(fn, "__globals__", {})
    checks = []
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        check = _annotation_check(p.annotation, namespace)
        if check is not None:
            checks.append((p.name, check, p.default))
    if not checks:
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            given = sig.bind(*args, **kwargs).arguments
        except TypeError as exc:
            raise TypeError(f"{fn.__qualname__}(): {exc}") from None
        for name, check, default in checks:
            if name in given and given[name] is not default:
                check(name, given[name])
        return fn(*args, **kwargs)

    wrapper._checked = True
    return wrapper


def check_public(namespace: dict[str, Any]) -> None:
    """Wrap every function (and the constructor of every class with checks of its own) that a
    module lists in ``__all__`` with :func:`checked`. Called at the end of a public module."""
    import dataclasses
    import enum
    import inspect

    here = namespace.get("__name__")
    for name in namespace.get("__all__", ()):
        obj = namespace.get(name)
        if getattr(obj, "__module__", None) != here or getattr(obj, "_checked", False):
            continue
        if inspect.isfunction(obj):
            namespace[name] = checked(obj)
        elif inspect.isclass(obj) and not issubclass(obj, BaseException | enum.Enum):
            if dataclasses.is_dataclass(obj) and "__post_init__" not in vars(obj):
                continue  # a record: built by the module's functions
            init = vars(obj).get("__init__")
            if init is not None and not getattr(init, "_checked", False):
                obj.__init__ = checked(init)


def result_like(name: str, value: Any, attributes: Iterable[str], what: str) -> Any:
    """An object with the given attributes (a result from ``what``), else a TypeError naming it."""
    missing = [a for a in attributes if not hasattr(value, a)]
    if missing:
        raise TypeError(f"{name} must be {what} (with {', '.join(missing)}), got {_short(value)} "
                        f"({type(value).__name__})")
    return value
