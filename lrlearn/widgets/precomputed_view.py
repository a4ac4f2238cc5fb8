"""The kernel-free view: one figure per grid value, switched in the browser with no Python.

Each control's ``grid`` values are rendered once (through the same ``View.update`` the live view
calls); a selection slider is ``jslink``-ed to the ``selected_index`` of a ``Stack`` of ``Image``
widgets, so a static page (the book) switches figures client-side. Two controls nest Stacks:
one outer entry per value of the first, each an inner Stack over the second, the second slider
linked to every inner Stack. The images are drawn at twice their layout size (``DENSITY``, sharp
on high-density screens) and stored as PNGs of at most ``COLORS`` colours: about 20-40 KB per
figure, so keep grids small. Each image carries the words for what it shows (``View.describe``)
in its PNG ``Description``, which the book's script turns into alt text.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from tqdm.auto import tqdm

from .controls import Control, value_label
from .view import View, figure_png

__all__ = ["Precomputed", "precomputed"]

MAX_FIGURES = 120
DENSITY = 2  # image pixels per layout (CSS) pixel
COLORS = 64  # palette size of the stored PNGs


class Precomputed:
    """Sliders over the grid values + a Stack of the precomputed images (see module docstring)."""

    def __init__(
        self, view: View, grid: dict[str, Sequence[Any]] | None = None, *, progress: bool = False
    ) -> None:
        import ipywidgets as w

        if not isinstance(view, View):
            raise TypeError(f"view must be an lrlearn.widgets View, got {type(view).__name__}")
        self.view = view
        grids = self._grids(view, grid)
        varying = [c for c in view.controls if len(grids[c.name]) > 1]
        if len(varying) > 2:
            raise ValueError(
                f"the precomputed view switches at most 2 controls, got {len(varying)} with "
                f"several grid values: {[c.name for c in varying]}; fix the others with grid="
                "{name: [value]}"
            )
        total = 1
        for c in varying:
            total *= len(grids[c.name])
        if total > MAX_FIGURES:
            raise ValueError(f"the grid has {total} figures; at most {MAX_FIGURES} fit on a page")
        self.varying = varying
        self.grids = grids
        fixed = {c.name: grids[c.name][0] for c in view.controls if c not in varying}
        view.sticky_axes = False  # each image depends on its own values, not on the order
        fig = view.attach(view.new_figure(DENSITY))
        width, height = (round(v * view.dpi) for v in view.figsize)
        combos = list(itertools.product(*(grids[c.name] for c in varying)))
        self.images: list[Any] = []
        for combo in tqdm(combos, desc=f"precomputing {type(view).__name__}", disable=not progress):
            values = {**fixed, **dict(zip([c.name for c in varying], combo, strict=True))}
            view.show(**values)
            self.images.append(
                w.Image(
                    value=figure_png(
                        fig, compress_level=9, colors=COLORS, description=view.describe(**values)
                    ),
                    format="png",
                    width=width,
                    height=height,
                )
            )
        self.sliders = [self._selector(c, grids[c.name]) for c in varying]
        self.links: list[Any] = []
        if not varying:
            self.stack = w.Stack(self.images, selected_index=0)
        elif len(varying) == 1:
            self.stack = w.Stack(self.images, selected_index=self.sliders[0].index)
            self.links.append(w.jslink((self.sliders[0], "index"), (self.stack, "selected_index")))
        else:
            n_inner = len(grids[varying[1].name])
            inner = [
                w.Stack(self.images[i : i + n_inner], selected_index=self.sliders[1].index)
                for i in range(0, len(self.images), n_inner)
            ]
            self.stack = w.Stack(inner, selected_index=self.sliders[0].index)
            self.links.append(w.jslink((self.sliders[0], "index"), (self.stack, "selected_index")))
            self.links += [
                w.jslink((self.sliders[1], "index"), (s, "selected_index")) for s in inner
            ]
            self.inner = inner
        self.widget = w.VBox([*self.sliders, self.stack])

    @staticmethod
    def _grids(view: View, grid: dict[str, Sequence[Any]] | None) -> dict[str, tuple[Any, ...]]:
        grid = dict(grid or {})
        unknown = sorted(set(grid) - {c.name for c in view.controls})
        if unknown:
            raise TypeError(
                f"grid names unknown control(s) {unknown}; controls are "
                f"{[c.name for c in view.controls]}"
            )
        out = {}
        for c in view.controls:
            values = tuple(grid.get(c.name, c.grid))
            if not values:
                raise ValueError(f"grid for {c.name!r} is empty")
            out[c.name] = tuple(c.validate(v) for v in values)
        return out

    @staticmethod
    def _selector(control: Control, values: tuple[Any, ...]) -> Any:
        import ipywidgets as w

        labels = [value_label(v) for v in values]
        if len(set(labels)) != len(labels):
            labels = [f"{i}: {lab}" for i, lab in enumerate(labels)]
        index = _nearest(values, control.value)
        style = {"description_width": "initial"}
        if control.kind == "choice":
            return w.ToggleButtons(
                options=labels, index=index, description=control.label, style=style
            )
        return w.SelectionSlider(
            options=labels,
            index=index,
            description=control.label,
            style=style,
            continuous_update=True,
            layout=w.Layout(width="min(100%, 460px)"),
        )

    def figure_for(self, **values: Any) -> Any:
        """The Image widget shown when the sliders sit at ``values`` (grid values)."""
        idx = [self.grids[c.name].index(values[c.name]) for c in self.varying]
        flat = 0
        for c, i in zip(self.varying, idx, strict=True):
            flat = flat * len(self.grids[c.name]) + i
        return self.images[flat]

    def close(self) -> None:
        for widget in [
            *self.links,
            *self.images,
            *self.sliders,
            self.stack,
            self.widget,
            *getattr(self, "inner", []),
        ]:
            widget.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _nearest(values: tuple[Any, ...], target: Any) -> int:
    if target in values:
        return values.index(target)
    try:
        return min(range(len(values)), key=lambda i: abs(values[i] - target))
    except TypeError:
        return 0


def precomputed(
    view: View, grid: dict[str, Sequence[Any]] | None = None, *, progress: bool = False
) -> Precomputed:
    """The kernel-free widget for ``view`` over ``grid`` (default: each control's ``grid``)."""
    return Precomputed(view, grid, progress=progress)
