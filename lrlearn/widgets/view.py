"""The base of every widget: a figure drawn once and updated in place from a library result.

A :class:`View` names its controls, computes a result with one library call (``compute``), builds
its axes and artists once (``setup``) and moves them to a new result (``update``: ``set_data``,
``set_text``, ...). The live view (``lrlearn.widgets.live_view``) calls ``update`` on every slider
change; the kernel-free view (``lrlearn.widgets.precomputed_view``) calls it once per grid point and
keeps the images. Same function, two views.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from .. import _checks

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .controls import Control

__all__ = ["View"]


class View(ABC):
    """A figure of fixed size with controls. Subclasses set ``controls`` in ``__init__``."""

    #: figure size in inches and layout resolution: 6.4 x 3.4 in at 80 dpi is 512 x 272 CSS px
    #: (the precomputed view draws the pixels at twice that density)
    figsize: ClassVar[tuple[float, float]] = (6.4, 3.4)
    dpi: ClassVar[int] = 80
    title: ClassVar[str] = ""
    #: what the figure shows, in words: the alt text of its images (``describe``)
    description: ClassVar[str] = ""
    #: keep log-axis limits across nearby values so redraws can blit (off for precomputing)
    sticky_axes: bool = True

    controls: tuple[Control, ...]

    def __init__(self) -> None:
        self.figure: Figure | None = None
        self._animated: list[Any] = []
        self._background: Any = None

    # -- to implement ---------------------------------------------------------------------------
    @abstractmethod
    def compute(self, **values: Any) -> Any:
        """The library call: control values in, a result object out. No drawing here."""

    @abstractmethod
    def setup(self, fig: Figure) -> None:
        """Create the axes and the artists ``update`` will move. Called once per figure."""

    @abstractmethod
    def update(self, result: Any) -> None:
        """Move the artists to ``result`` (set_data, set_text, ...). Never rebuild the figure."""

    # -- shared ---------------------------------------------------------------------------------
    @property
    def defaults(self) -> dict[str, Any]:
        return {c.name: c.value for c in self.controls}

    def control(self, name: str) -> Control:
        for c in self.controls:
            if c.name == name:
                return c
        raise KeyError(
            f"{type(self).__name__} has no control {name!r}; it has "
            f"{[c.name for c in self.controls]}"
        )

    def values(self, **values: Any) -> dict[str, Any]:
        """Defaults overridden by ``values``, each checked against its control's range."""
        unknown = sorted(set(values) - {c.name for c in self.controls})
        if unknown:
            raise TypeError(
                f"{type(self).__name__} has no control(s) {unknown}; it has "
                f"{[c.name for c in self.controls]}"
            )
        out = self.defaults
        for name, value in values.items():
            out[name] = self.control(name).validate(value)
        return out

    def describe(self, **values: Any) -> str:
        """The figure in words for ``values``: ``description`` (or ``title``) and the controls."""
        from .controls import value_label

        text = self.description or self.title or type(self).__name__
        text = text[:1].upper() + text[1:]
        shown = self.values(**values)
        settings = ", ".join(
            f"{c.label} {value_label(v)}" for c in self.controls if (v := shown[c.name]) is not None
        )
        return f"{text.rstrip('.')}; {settings}." if settings else f"{text.rstrip('.')}."

    def new_figure(self, density: float = 1.0) -> Figure:
        """A constrained-layout figure of the view's fixed size, not attached to pyplot, with
        ``density`` pixels per layout pixel (2: sharp on high-density screens)."""
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from ..plots import STYLE

        with matplotlib.rc_context(STYLE):
            fig = Figure(figsize=self.figsize, dpi=self.dpi * density, layout="constrained")
        FigureCanvasAgg(fig)
        return fig

    def attach(self, fig: Figure | None = None) -> Figure:
        """Set the view up on ``fig`` (a new one by default) and return it."""
        import matplotlib

        from ..plots import STYLE, readable

        self.figure = fig if fig is not None else self.new_figure()
        self._animated = []
        self._background = None
        with matplotlib.rc_context(STYLE):
            self.setup(self.figure)
        readable(self.figure)
        return self.figure

    def animate(self, *artists: Any) -> None:
        """Declare artists that ``update`` changes. Between changes of axis limits only these are
        redrawn, over a cached copy of the rest of the figure (blitting)."""
        for artist in artists:
            artist.set_animated(True)
        self._animated.extend(artists)

    def _limits(self) -> list[tuple[Any, ...]]:
        return [
            (ax.get_xlim(), ax.get_ylim(), ax.get_xscale(), ax.get_yscale())
            for ax in self.figure.axes
        ]

    def render(self, result: Any) -> bool:
        """``update`` to ``result`` and redraw the Agg canvas: only the animated artists when no
        axis changed, the whole figure (and a new cached background) when one did. Returns
        whether the whole figure was drawn."""
        before = self._limits()
        self.update(result)
        canvas = self.figure.canvas
        full = self._background is None or self._limits() != before or not self._animated
        if full:
            canvas.draw()  # animated artists are left out of a full draw
            self._background = canvas.copy_from_bbox(self.figure.bbox)
        else:
            canvas.restore_region(self._background)
        for artist in self._animated:
            self.figure.draw_artist(artist)
        return full

    def show(self, **values: Any) -> Figure:
        """Compute, update and draw for ``values`` on the Agg canvas; returns the (reused) figure."""
        if self.figure is None:
            self.attach()
        self.render(self.compute(**self.values(**values)))
        return self.figure

    def png(
        self,
        *,
        compress_level: int = 6,
        density: float = 1.0,
        colors: int | None = None,
        **values: Any,
    ) -> bytes:
        """The figure for ``values`` as PNG bytes, ``density`` pixels per layout pixel, with
        at most ``colors`` colours when given (see ``figure_png``)."""
        if self.figure is None or self.figure.dpi != self.dpi * density:
            self.attach(self.new_figure(density))
        return figure_png(self.show(**values), compress_level=compress_level, colors=colors)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(c.name for c in self.controls)})"


def figure_png(
    fig: Figure,
    *,
    compress_level: int = 6,
    colors: int | None = None,
    description: str | None = None,
) -> bytes:
    """An Agg figure that has just been drawn, encoded as PNG without drawing it again (fixed size,
    no tight bounding box). ``compress_level`` 1 is fast (live view), 9 is small (static pages).
    With ``colors``, an opaque figure is stored as a palette of at most that many colours
    (median cut, no dithering): line plots and filled contours look the same at a third of the
    bytes, which is what the precomputed pages use. ``description`` is stored in the PNG's
    ``Description`` text chunk, where the book's script reads a widget image's alt text (the
    Image widget has no alt attribute of its own)."""
    from matplotlib.figure import Figure as _Figure
    from PIL import Image

    _checks.instance("fig", fig, _Figure, "a matplotlib Figure")

    canvas = fig.canvas
    width, height = canvas.get_width_height(physical=True)
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    if fig.get_facecolor()[3] == 1.0:  # opaque: RGB is the same picture, 10% smaller and faster
        image = image.convert("RGB")
        if colors is not None:
            image = image.quantize(
                colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
            )
    info = None
    if description:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_itxt("Description", description)
    buf = io.BytesIO()
    image.save(
        buf, format="png", compress_level=compress_level, optimize=colors is not None, pnginfo=info
    )
    return buf.getvalue()

_checks.check_public(globals())
