"""Slider descriptions shared by the live and the precomputed view of a figure.

A :class:`Control` knows its valid range, its default and a small grid of values. The live view
turns it into an ipywidgets slider constrained to the range; the kernel-free view precomputes one
figure per grid value and switches between them in the browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _checks

__all__ = ["Control", "choice", "float_slider", "int_slider", "log_slider", "value_label"]

_STYLE = {"description_width": "initial"}
# d3-format of the live sliders' readout (no type: 4 significant digits, trailing zeros
# dropped), so a batch size reads 1024 or 1348 and a learning rate 0.003 (never 1.02e+3)
_READOUT = ".4"


def value_label(value: Any) -> str:
    """A control value as a reader reads it: whole numbers in full (1024, 1348, never
    1.02e+03), others to 3 significant digits (0.003, 0.0316), strings as they are."""
    if isinstance(value, str):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"value must be a number or a string, got {value!r}") from exc
    if number.is_integer() and abs(number) < 1e7:
        return str(int(number))
    return f"{number:.3g}"


@dataclass(frozen=True)
class Control:
    """One input of a view: ``kind`` is ``"float"``, ``"log"``, ``"int"`` or ``"choice"``.

    ``low``/``high`` bound numeric kinds (inclusive); ``options`` lists a choice's values;
    ``grid`` holds the values the precomputed view renders (default: a few spread over the range).
    """

    name: str
    label: str
    kind: str
    value: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    options: tuple[Any, ...] = ()
    grid: tuple[Any, ...] = field(default=())

    def __post_init__(self) -> None:
        _checks.choice("kind", self.kind, ("float", "log", "int", "choice"))
        if self.kind == "choice":
            if not self.options:
                raise ValueError(f"control {self.name!r}: a choice needs options")
            if not self.grid:
                object.__setattr__(self, "grid", tuple(self.options))
        else:
            if not (self.low is not None and self.high is not None and self.low < self.high):
                raise ValueError(
                    f"control {self.name!r}: needs low < high, got low={self.low}, high={self.high}"
                )
            if self.kind == "log" and self.low <= 0:
                raise ValueError(
                    f"control {self.name!r}: a log slider needs low > 0, got {self.low}"
                )
            if not self.grid:
                object.__setattr__(self, "grid", self._default_grid())
        object.__setattr__(self, "value", self.validate(self.value))
        object.__setattr__(self, "grid", tuple(self.validate(v) for v in self.grid))

    def _default_grid(self, n: int = 7) -> tuple[Any, ...]:
        if self.kind == "log":
            values = np.geomspace(self.low, self.high, n)
        else:
            values = np.linspace(self.low, self.high, n)
        if self.kind == "int":
            return tuple(sorted({round(v) for v in values}))
        # readable 3-digit values, kept inside the range (rounding 1728 gives 1730)
        return tuple(min(max(float(f"{v:.3g}"), self.low), self.high) for v in values)

    def validate(self, value: Any) -> Any:
        """``value`` if it is valid for this control, else a ValueError/TypeError naming it."""
        if self.kind == "choice":
            if value not in self.options:
                raise ValueError(f"{self.name} must be one of {list(self.options)}, got {value!r}")
            return value
        if self.kind == "int":
            return _checks.integer(self.name, value, int(self.low), int(self.high))
        if isinstance(value, float) and math.isfinite(value):
            # a log slider's ends are 10**log10(bound), a rounding away from the bound itself
            for bound in (float(self.low), float(self.high)):
                if math.isclose(value, bound, rel_tol=1e-12):
                    value = bound
        return _checks.in_range(self.name, value, float(self.low), float(self.high))

    def widget(self) -> Any:
        """An ipywidgets control bound to this range (values outside it cannot be chosen)."""
        import ipywidgets as w

        common = {
            "description": self.label,
            "style": _STYLE,
            "continuous_update": True,
            "layout": w.Layout(width="min(100%, 460px)"),
        }
        if self.kind == "choice":
            if len(self.options) <= 4:
                return w.ToggleButtons(
                    options=list(self.options),
                    value=self.value,
                    description=self.label,
                    style=_STYLE,
                )
            return w.Dropdown(
                options=list(self.options), value=self.value, description=self.label, style=_STYLE
            )
        if self.kind == "int":
            return w.IntSlider(
                value=self.value,
                min=int(self.low),
                max=int(self.high),
                step=int(self.step or 1),
                **common,
            )
        if self.kind == "log":
            lo, hi = math.log10(self.low), math.log10(self.high)
            return w.FloatLogSlider(
                value=self.value,
                base=10,
                min=lo,
                max=hi,
                step=self.step or (hi - lo) / 100,
                readout_format=_READOUT,
                **common,
            )
        step = self.step or (self.high - self.low) / 100
        return w.FloatSlider(
            value=self.value,
            min=self.low,
            max=self.high,
            step=step,
            readout_format=_READOUT,
            **common,
        )

    def grid_labels(self) -> list[str]:
        """Readable labels for the precomputed view's selection slider."""
        return [value_label(v) for v in self.grid]


def log_slider(
    name: str, label: str, value: float, low: float, high: float, *, grid: Sequence[float] = ()
) -> Control:
    """A positive number chosen on a log scale (learning rates)."""
    return Control(name, label, "log", value, low, high, grid=tuple(grid))


def float_slider(
    name: str,
    label: str,
    value: float,
    low: float,
    high: float,
    *,
    step: float | None = None,
    grid: Sequence[float] = (),
) -> Control:
    """A number in [low, high]."""
    return Control(name, label, "float", value, low, high, step=step, grid=tuple(grid))


def int_slider(
    name: str,
    label: str,
    value: int,
    low: int,
    high: int,
    *,
    step: int = 1,
    grid: Sequence[int] = (),
) -> Control:
    """An integer in [low, high]."""
    return Control(name, label, "int", value, low, high, step=step, grid=tuple(grid))


def choice(
    name: str, label: str, value: Any, options: Sequence[Any], *, grid: Sequence[Any] = ()
) -> Control:
    """One of a few options (an optimizer's name, a landscape)."""
    return Control(name, label, "choice", value, options=tuple(options), grid=tuple(grid))

_checks.check_public(globals())
