"""Draw the README's and the landing page's picture (docs/lrlearn.png) with lrlearn itself.

    python tools/make_readme_figure.py

9 x 3.3 inches laid out at 80 px per inch (720 CSS px, the width the landing page shows it at),
drawn at twice that density, in the book's figure style (``lrlearn.plots.STYLE``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import lrlearn
from lrlearn.plots import STYLE, plot_losses, plot_path, plot_sweep, readable
from lrlearn.widgets.view import figure_png

OUT = Path(__file__).resolve().parent.parent / "docs" / "lrlearn.png"
LAYOUT_DPI = 80  # CSS px per inch of the figure
DENSITY = 2
COLORS = 128
ALT = (
    "Three plots drawn by lrlearn: loss curves for four learning rates on (x - 2)^2; gradient "
    "descent and momentum in a ravine; the final loss against the learning rate, with the cliff "
    "at 2/L."
)


def main() -> None:
    with matplotlib.rc_context(STYLE):
        fig = draw()
    fig.set_dpi(LAYOUT_DPI * DENSITY)
    FigureCanvasAgg(fig).draw()
    OUT.parent.mkdir(exist_ok=True)
    # the same encoding as the book's precomputed figures: a palette PNG, words for what it shows
    OUT.write_bytes(figure_png(fig, compress_level=9, colors=COLORS, description=ALT))
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")


def draw() -> Figure:
    fig = Figure(figsize=(9.0, 3.3), layout="constrained")
    a, b, c = fig.subplots(1, 3)
    f = lrlearn.Quadratic(curvatures=[2.0], center=[2.0])  # f(x) = (x - 2)^2, L = 2
    runs = [lrlearn.simulate(f, 0.0, lr, 60) for lr in (0.01, 0.3, 0.95, 1.05)]
    plot_losses(runs, ax=a)
    a.set_title("f(x) = (x − 2)²: four learning rates")
    a.legend(fontsize=8, loc="lower left")
    ravine = lrlearn.Ravine(condition=25)
    paths = [
        lrlearn.simulate(ravine, ravine.default_start, 0.075, 40),
        lrlearn.simulate(ravine, ravine.default_start, 0.01, 60, optimizer="momentum"),
    ]
    plot_path(paths, ax=b)
    b.set_title("A ravine: GD zig-zags,\nmomentum glides")
    q = lrlearn.Quadratic(curvatures=[10.0, 1.0])
    plot_sweep(lrlearn.sweep(q, [1.0, 1.0], np.logspace(-3, 0, 200), 100), ax=c)
    c.set_title("Final loss against lr:\nthe cliff at 2/L")
    c.legend(loc="lower left")
    return readable(fig)


if __name__ == "__main__":
    main()
