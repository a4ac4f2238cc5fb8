"""Draw the README's picture (docs/lrlearn.png) with lrlearn itself: run ``python tools/make_readme_figure.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import lrlearn
from lrlearn.plots import plot_losses, plot_path, plot_sweep

OUT = Path(__file__).resolve().parent.parent / "docs" / "lrlearn.png"


def main() -> None:
    fig = Figure(figsize=(13, 3.8), layout="constrained")
    a, b, c = fig.subplots(1, 3)
    f = lrlearn.Quadratic(curvatures=[2.0], center=[2.0])  # f(x) = (x - 2)^2, L = 2
    runs = [lrlearn.simulate(f, 0.0, lr, 60) for lr in (0.01, 0.3, 0.95, 1.05)]
    plot_losses(runs, ax=a)
    a.set_title("f(x) = (x − 2)², four learning rates")
    ravine = lrlearn.Ravine(condition=25)
    paths = [
        lrlearn.simulate(ravine, ravine.default_start, 0.075, 40),
        lrlearn.simulate(ravine, ravine.default_start, 0.01, 60, optimizer="momentum"),
    ]
    plot_path(paths, ax=b)
    b.set_title("A ravine: plain GD zig-zags, momentum glides")
    q = lrlearn.Quadratic(curvatures=[10.0, 1.0])
    plot_sweep(lrlearn.sweep(q, [1.0, 1.0], np.logspace(-3, 0, 200), 100), ax=c)
    c.set_title("Final loss vs learning rate: the cliff at 2/L")
    OUT.parent.mkdir(exist_ok=True)
    fig.savefig(OUT, dpi=80)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
