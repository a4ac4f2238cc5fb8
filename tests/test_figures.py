"""Figures for the book: drawn at twice their layout size in a few colours, no text under
MIN_FONT_PT (10 CSS px at the layout size), and alt text that says what each image shows."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from lrlearn.plots import MIN_FONT_PT, readable
from lrlearn.widgets import (
    EffectiveStep,
    LearningRatePath,
    LossCurveDoctor,
    OptimizerRace,
    ScheduleDesigner,
    StabilityExplorer,
    precomputed,
)
from lrlearn.widgets.precomputed_view import COLORS, DENSITY


def _texts(fig):
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        texts += [*ax.get_xticklabels(), *ax.get_yticklabels()]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    return [t for t in texts if t.get_text()]


@pytest.mark.parametrize(
    "make",
    [
        StabilityExplorer,
        LearningRatePath,
        OptimizerRace,
        EffectiveStep,
        LossCurveDoctor,
        ScheduleDesigner,
    ],
)
def test_no_text_in_a_widget_figure_is_smaller_than_the_minimum(make):
    view = make()
    fig = view.show()
    sizes = {t.get_text()[:30]: t.get_fontsize() for t in _texts(fig)}
    assert sizes and min(sizes.values()) >= MIN_FONT_PT, {
        k: v for k, v in sizes.items() if v < MIN_FONT_PT
    }
    # 9 pt at 80 layout px per inch is 10 CSS px
    assert MIN_FONT_PT / 72 * view.dpi >= 10


def test_readable_raises_small_text_only():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([1, 2], label="a line")
    ax.legend(fontsize=6)
    ax.set_title("big", fontsize=14)
    small = ax.text(0, 0, "note", fontsize=5)
    readable(fig)
    assert ax.get_legend().get_texts()[0].get_fontsize() == MIN_FONT_PT
    assert small.get_fontsize() == MIN_FONT_PT and ax.title.get_fontsize() == 14


def test_precomputed_images_are_sharp_small_and_described():
    pre = precomputed(StabilityExplorer())
    for image in pre.images:
        picture = Image.open(io.BytesIO(image.value))
        assert picture.size == (int(image.width) * DENSITY, int(image.height) * DENSITY)
        assert picture.mode == "P" and len(picture.getcolors()) <= COLORS
    lrs = pre.grids["lr"]
    for lr, image in zip(lrs, pre.images, strict=True):
        text = Image.open(io.BytesIO(image.value)).text["Description"]
        assert text.startswith("Left: the loss after a fixed number of steps")
        assert f"learning rate {lr:.3g}" in text
        assert not image.tooltip  # the static widget manager cannot render an Image with one
    kb = sum(len(i.value) for i in pre.images) / 1024 / len(pre.images)
    assert kb < 40, f"{kb:.0f} KB per figure"
    pre.close()


def test_a_quantised_figure_looks_like_the_full_colour_one():
    view = LearningRatePath()
    full = np.asarray(Image.open(io.BytesIO(view.png(density=2))).convert("RGB"), float)
    few = np.asarray(
        Image.open(io.BytesIO(view.png(density=2, colors=COLORS))).convert("RGB"), float
    )
    assert np.abs(full - few).mean() < 2.0  # of 255


def test_batch_sizes_read_as_whole_numbers():
    from matplotlib.figure import Figure

    from lrlearn.plots import spread_ticks, whole_number_ticks
    from lrlearn.widgets.controls import int_slider, log_slider, value_label

    assert [value_label(v) for v in (1024, 1348, 1024.0, 0.003, 0.0316, "adam")] == [
        "1024",
        "1348",
        "1024",
        "0.003",
        "0.0316",
        "adam",
    ]
    assert log_slider("b", "batch", 1024, 1, 4096).widget().readout_format == ".4"
    assert int_slider("b", "batch", 8, 1, 64, grid=(1, 8, 64)).grid_labels() == ["1", "8", "64"]
    ax = Figure().add_subplot()
    ax.plot([31, 1348], [1, 2])
    ax.set_xscale("log", base=2)
    whole_number_ticks(ax.xaxis, spread_ticks([31, 32, 33, 48, 1024, 1348]))
    ax.figure.canvas.draw() if hasattr(ax.figure.canvas, "draw") else None
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["31", "32", "33", "48", "1024", "1348"]
    assert not [t.get_text() for t in ax.get_xticklabels(minor=True) if t.get_text()]
    assert spread_ticks(range(1, 101), most=5) == [1, 26, 51, 75, 100]


def test_the_claims_pages_figures_are_drawn_at_twice_their_layout_size(monkeypatch):
    import IPython.display
    from matplotlib.figure import Figure

    from lrlearn.claims import show

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    show(Figure(figsize=(6, 3)))
    (image,) = shown
    pixels = Image.open(io.BytesIO(image.data)).size
    assert pixels == (1200, 600)
    assert image.retina and image.width == 600  # shown at 6 in x 100 px, drawn at 2x
