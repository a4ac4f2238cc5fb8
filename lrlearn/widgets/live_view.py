"""The live view: controls plus a figure that is drawn once and updated in place on every change.

Two ways to put the figure on the page, both redrawing the same artists:

- ``"image"`` (default): the Agg canvas is redrawn and its pixels are sent as a PNG to an
  ``ipywidgets.Image``. Works everywhere (JupyterLab, Voila, nbval) and the last image stays in the
  saved notebook.
- ``"ipympl"``: the figure lives on an ipympl canvas widget (``%matplotlib widget``) and is
  redrawn with ``fig.canvas.draw_idle()``; smoother while dragging, but a static export shows
  nothing.
"""

from __future__ import annotations

import html
import time
import warnings
from typing import Any

from .. import _checks
from .view import View, figure_png

__all__ = ["Live", "live"]


class Live:
    """Controls + figure for a :class:`~lrlearn.widgets.view.View`. Display it, or use ``set`` to
    move controls from code (tests, benchmarks). ``last_redraw_s`` is the time the last change took
    from the new value to the finished redraw; ``last_timings`` splits it into ``compute``,
    ``redraw`` (update + Agg draw) and ``png`` seconds, with ``full`` telling whether the whole
    figure was drawn (an axis changed) or only the moving artists were blitted."""

    def __init__(self, view: View, backend: str = "image") -> None:
        import ipywidgets as w

        if not isinstance(view, View):
            raise TypeError(f"view must be an lrlearn.widgets View, got {type(view).__name__}")
        self.backend = _checks.choice("backend", backend, ("image", "ipympl"))
        self.view = view
        self.controls = {c.name: c.widget() for c in view.controls}
        fig = view.new_figure()
        if self.backend == "ipympl":
            from ipympl.backend_nbagg import Canvas, FigureManager

            canvas = Canvas(fig)
            with warnings.catch_warnings():  # ipympl 0.10's Toolbar trips a traitlets deprecation
                warnings.filterwarnings(
                    "ignore", "Passing unrecognized arguments", DeprecationWarning
                )
                FigureManager(canvas, 0)
            canvas.header_visible = False
            canvas.toolbar_visible = False
            canvas.resizable = False
            self.output = canvas
        else:
            width, height = (round(v * view.dpi) for v in view.figsize)
            self.output = w.Image(format="png", width=width, height=height)
        view.attach(fig)
        self.message = w.HTML(layout=w.Layout(min_height="1.5em"))
        self.widget = w.VBox([*self.controls.values(), self.output, self.message])
        self.last_redraw_s = float("nan")
        self.last_timings: dict[str, float] = {}
        self.redraw()
        # The layout is computed once, on the first draw, and then kept: a constrained layout
        # costs more than the rest of a full redraw, and axes that shift as tick labels change
        # width would make the figure jump under the reader's eyes.
        view.figure.set_layout_engine("none")
        for control in self.controls.values():
            control.observe(self._changed, names="value")

    @property
    def figure(self) -> Any:
        return self.view.figure

    @property
    def values(self) -> dict[str, Any]:
        return {name: c.value for name, c in self.controls.items()}

    def set(self, **values: Any) -> None:
        """Move controls as a reader would (each change redraws once)."""
        for name, value in values.items():
            if name not in self.controls:
                raise TypeError(f"no control {name!r}; controls are {list(self.controls)}")
            self.view.control(name).validate(value)
            self.controls[name].value = value

    def _changed(self, change: dict[str, Any]) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Recompute for the current control values and redraw the same artists."""
        start = time.perf_counter()
        try:
            result = self.view.compute(**self.view.values(**self.values))
        except (ValueError, TypeError) as exc:  # shown under the plot, the last figure stays
            self.message.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
            return
        self.message.value = ""
        computed = time.perf_counter()
        if self.backend == "ipympl":
            self.view.update(result)
            self.view.figure.canvas.draw_idle()
            full = True
        else:
            full = self.view.render(result)
        drawn = time.perf_counter()
        if self.backend == "image":
            self.output.value = figure_png(self.view.figure, compress_level=1)
        end = time.perf_counter()
        self.last_redraw_s = end - start
        self.last_timings = {
            "compute": computed - start,
            "redraw": drawn - computed,
            "png": end - drawn,
            "full": float(full),
        }

    def close(self) -> None:
        """Close every widget this view created."""
        for c in self.controls.values():
            c.close()
        self.output.close()
        self.message.close()
        self.widget.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def live(view: View, backend: str = "image") -> Live:
    """The live widget for ``view`` (see :class:`Live`)."""
    return Live(view, backend)
