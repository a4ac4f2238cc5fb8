"""Argument checks at the public boundary: clear errors that name the parameter, value and range."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
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
