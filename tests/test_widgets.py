"""The widget machinery: controls, blitted live redraws, precomputed stacks, and the concept
views checked against closed forms (gradient descent on a quadratic) and the library."""

from __future__ import annotations

import io

import ipywidgets as w
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from lrlearn.landscapes import DoubleWell, Quadratic, Ravine
from lrlearn.widgets import (
    EffectiveStep,
    LearningRatePath,
    LossCurveDoctor,
    StabilityExplorer,
    live,
    precomputed,
    show,
)
from lrlearn.widgets.controls import choice, float_slider, int_slider, log_slider
from lrlearn.widgets.view import figure_png


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


# -- controls ---------------------------------------------------------------------------------
def test_controls_make_range_bound_widgets():
    lr = log_slider("lr", "learning rate", 0.1, 1e-3, 1.0).widget()
    assert isinstance(lr, w.FloatLogSlider)
    assert (lr.min, lr.max, lr.value) == pytest.approx((-3.0, 0.0, 0.1))
    lr.value = 50.0  # the slider itself clamps: the reader cannot leave the valid range
    assert lr.value == pytest.approx(1.0)
    steps = int_slider("steps", "steps", 5, 1, 10).widget()
    assert (steps.min, steps.max) == (1, 10)
    assert isinstance(choice("opt", "optimizer", "adam", ["sgd", "adam"]).widget(), w.ToggleButtons)
    for widget in (lr, steps):
        widget.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: log_slider("lr", "lr", 0.1, 0.0, 1.0), "log slider needs low > 0"),
        (lambda: float_slider("x", "x", 0.5, 1.0, 1.0), "needs low < high"),
        (lambda: float_slider("x", "x", 2.0, 0.0, 1.0), r"x must be in \[0.0, 1.0\], got 2.0"),
        (lambda: int_slider("n", "n", 3, 1, 9, grid=(0, 3)), r"n must be in \[1, 9\], got 0"),
        (lambda: choice("opt", "opt", "sgd", []), "a choice needs options"),
        (lambda: choice("opt", "opt", "lbfgs", ["sgd"]), "opt must be one of"),
    ],
)
def test_bad_controls_are_refused_with_the_parameter_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_view_values_checks_names_and_ranges():
    view = LearningRatePath()
    with pytest.raises(ValueError, match=r"lr must be in \[0.01, 1.25\], got 5"):
        view.values(lr=5.0)
    with pytest.raises(TypeError, match=r"no control\(s\) \['momentum'\]"):
        view.values(momentum=0.9)
    with pytest.raises(TypeError, match="steps must be an integer"):
        view.values(steps=2.5)


# -- learning-rate path: closed form x_t = x0 (1 - lr * lam)^t ---------------------------------
@pytest.fixture(scope="module")
def path_view():
    view = LearningRatePath(Quadratic(curvatures=[2.0]), x0=[-2.5])
    view.attach()
    return view


@settings(max_examples=30, deadline=None)
@given(lr=st.floats(0.01, 0.95), steps=st.integers(1, 40))
def test_path_view_draws_the_closed_form_iterates(path_view, lr, steps):
    lam, view = 2.0, path_view
    view.update(view.compute(**view.values(lr=lr, steps=steps)))
    xs = -2.5 * (1 - lr * lam) ** np.arange(steps + 1)
    x, y = view.path.get_data()
    np.testing.assert_allclose(x, xs, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(y, 0.5 * lam * xs**2, rtol=1e-9, atol=1e-12)
    t, gap = view.loss.get_data()
    np.testing.assert_array_equal(t, np.arange(steps + 1))
    assert np.all(np.isfinite(gap)) and np.all(gap > 0)
    assert "diverged" not in view.status.get_text()


def test_path_view_marks_divergence_at_the_closed_form_step():
    # lr = 1.2 on lam = 2: the error grows by |1 - 2.4| = 1.4 per step, the loss by 1.96;
    # simulate calls a run diverged once the loss exceeds 1e6 times its start.
    view = LearningRatePath(Quadratic(curvatures=[2.0]), x0=[-2.5], max_steps=100)
    view.show(lr=1.2, steps=100)
    k = int(np.ceil(np.log(1e6) / np.log(1.96)))
    if 1.96**k == 1e6:  # pragma: no cover - not the case here, exact ties are not divergence
        k += 1
    assert view.status.get_text() == f"diverged at step {k}"
    t, gap = view.loss.get_data()
    assert len(t) == k and np.all(np.isfinite(gap))
    assert view.end_loss.get_data()[0].tolist() == [k - 1]
    for ax in view.figure.axes:
        assert np.all(np.isfinite(ax.get_xlim())) and np.all(np.isfinite(ax.get_ylim()))
    x, _ = view.path.get_data()
    lo, hi = view.landscape.bounds[0]
    assert x.min() >= lo and x.max() <= hi  # clipped to the window, the window never blows up


def test_start_control_on_double_well_picks_the_basin():
    view = LearningRatePath(DoubleWell(0.3), start_range=(-1.7, 1.7), lr=0.05, steps=100)
    minima = np.sort(view.landscape.minima[:, 0])
    for x0, target in ((0.5, minima[1]), (-0.5, minima[0])):
        run = view.compute(lr=0.05, steps=100, x0=x0)
        assert run.final_position[0] == pytest.approx(target, abs=1e-6)
    with pytest.raises(ValueError, match="start_range is for 1-D"):
        LearningRatePath(Ravine(), start_range=(0, 1))


# -- redraw: blitting gives the same pixels as a full draw; the figure is never rebuilt -------
@pytest.mark.parametrize(
    ("view_factory", "first", "second"),
    [
        (LearningRatePath, {"lr": 0.1}, {"lr": 0.101}),
        (StabilityExplorer, {"lr": 0.3}, {"lr": 0.32}),
        (LossCurveDoctor, {"ratio": 0.7}, {"ratio": 0.705}),
    ],
)
def test_blitted_redraw_matches_a_fresh_full_draw(view_factory, first, second):
    moved = view_factory()
    moved.show(**first)
    background = moved._background
    png_moved = figure_png(moved.show(**second))
    assert moved._background is background  # same limits: only the animated artists redrawn
    fresh = view_factory()
    png_fresh = figure_png(fresh.show(**second))
    np.testing.assert_array_equal(pixels(png_moved), pixels(png_fresh))


def test_live_view_updates_the_same_figure_and_image():
    lv = live(LearningRatePath())
    fig, line, before = lv.figure, lv.view.path, lv.output.value
    assert isinstance(lv.output, w.Image) and before[:8] == b"\x89PNG\r\n\x1a\n"
    lv.controls["lr"].value = 1.2  # as the reader would: the observer redraws
    assert lv.figure is fig and lv.view.path is line
    assert lv.output.value != before
    assert lv.last_redraw_s > 0
    assert "diverging" in lv.view.status.get_text()
    with pytest.raises(ValueError, match="lr must be in"):
        lv.set(lr=10.0)
    with pytest.raises(TypeError, match="no control 'beta'"):
        lv.set(beta=0.9)
    lv.close()


def test_live_view_on_ipympl_canvas():
    pytest.importorskip("ipympl")
    lv = live(LossCurveDoctor(), backend="ipympl")
    assert isinstance(lv.output, w.DOMWidget)
    lv.set(ratio=1.1)
    assert "diverged at step" in lv.view.status.get_text()
    lv.close()


def test_live_rejects_non_views_and_backends():
    with pytest.raises(TypeError, match=r"view must be an lrlearn\.widgets View"):
        live(object())
    with pytest.raises(ValueError, match="backend must be one of"):
        live(LossCurveDoctor(), backend="svg")


# -- precomputed view ---------------------------------------------------------------------------
def test_precomputed_one_control_stack_matches_the_live_figures():
    view = LearningRatePath(lr=0.4, lr_grid=(0.1, 0.5, 1.1))
    pre = precomputed(view)
    assert [c.name for c in pre.varying] == ["lr"]
    assert len(pre.images) == 3 and isinstance(pre.stack, w.Stack)
    slider = pre.sliders[0]
    assert isinstance(slider, w.SelectionSlider) and list(slider.options) == ["0.1", "0.5", "1.1"]
    (link,) = pre.links
    assert link.source == (slider, "index") and link.target == (pre.stack, "selected_index")
    assert pre.stack.selected_index == slider.index == 1  # nearest to the default lr
    # each stored image is the figure the live view draws at that value (up to sub-pixel
    # antialiasing from where constrained layout settled), drawn at twice the layout size in
    # the same few colours, and differs from its neighbours
    from lrlearn.widgets.precomputed_view import COLORS, DENSITY

    assert (pre.images[0].width, pre.images[0].height) == ("512", "272")
    assert pixels(pre.images[0].value).shape[:2] == (272 * DENSITY, 512 * DENSITY)
    fresh = {
        lr: pixels(LearningRatePath().png(lr=lr, density=DENSITY, colors=COLORS)).astype(float)
        for lr in (0.1, 0.5, 1.1)
    }
    for lr, image in fresh.items():
        stored = pixels(pre.figure_for(lr=lr).value).astype(float)
        assert np.abs(stored - image).mean() < 0.05
        for other, different in fresh.items():
            if other != lr:  # axes are fixed over the range: the moving artists differ
                assert np.abs(stored - different).mean() > 0.5
    pre.close()


def test_precomputed_two_controls_nest_stacks():
    pre = precomputed(LossCurveDoctor(), grid={"ratio": [0.5, 1.05], "momentum": [0.0, 0.5, 0.9]})
    assert len(pre.images) == 6 and len(pre.stack.children) == 2
    assert all(len(inner.children) == 3 for inner in pre.stack.children)
    assert len(pre.links) == 1 + 2
    assert pre.stack.children[1].children[0] is pre.figure_for(ratio=1.05, momentum=0.0)
    distinct = {bytes(im.value) for im in pre.images}
    assert len(distinct) == 6
    pre.close()


def test_precomputed_refuses_too_many_controls_or_figures():
    view = EffectiveStep()
    with pytest.raises(ValueError, match="at most 2 controls"):
        precomputed(view, grid={"steps": [10, 20]})
    with pytest.raises(ValueError, match="at most 120 fit"):
        precomputed(
            LossCurveDoctor(),
            grid={
                "ratio": np.linspace(0.1, 1, 20).tolist(),
                "momentum": np.linspace(0, 0.9, 10).tolist(),
            },
        )
    with pytest.raises(TypeError, match="unknown control"):
        precomputed(view, grid={"beta": [0.9]})
    with pytest.raises(ValueError, match=r"lr must be in \[0.001, 1.0\]"):
        precomputed(view, grid={"lr": [5.0]})


def test_show_picks_the_view_from_the_environment(monkeypatch):
    view = LossCurveDoctor()
    monkeypatch.setenv("LRLEARN_WIDGETS", "static")
    shown = show(view, grid={"ratio": [0.5], "momentum": [0.0, 0.9]})
    assert type(shown).__name__ == "Precomputed"
    shown.close()
    monkeypatch.delenv("LRLEARN_WIDGETS")
    shown = show(LossCurveDoctor())
    assert type(shown).__name__ == "Live"
    shown.close()
    with pytest.raises(ValueError, match="mode must be one of"):
        show(view, mode="voila")


def test_importing_the_widgets_package_stays_light():
    import subprocess
    import sys

    code = (
        "import sys, lrlearn.widgets as w; assert callable(w.show); "
        "print(sorted(m for m in ('matplotlib', 'torch', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(1e-6, 1e3),
    span=st.floats(1.01, 1e4),
    u=st.floats(-0.5, 1.5),
    kind=st.sampled_from(["float", "log"]),
)
def test_control_accepts_exactly_its_range(low, span, u, kind):
    from lrlearn.widgets.controls import Control

    high = low * span
    control = Control("x", "x", kind, low, low, high)
    value = low + u * (high - low)
    if low <= value <= high:
        assert control.validate(value) == value
    else:
        with pytest.raises(ValueError, match=r"x must be in \["):
            control.validate(value)
    assert all(low <= v <= high for v in control.grid)


def test_live_view_shows_a_library_error_under_the_plot_instead_of_raising():
    from lrlearn.widgets.view import View

    class Picky(View):
        controls = (float_slider("a", "a", 1.0, 0.0, 2.0),)

        def compute(self, a):
            if a > 1.5:
                raise ValueError(f"a must be <= 1.5 for this demo, got {a}")
            return a

        def setup(self, fig):
            self.ax = fig.subplots()
            (self.line,) = self.ax.plot([0, 1], [0, 0])
            self.animate(self.line)

        def update(self, a):
            self.line.set_ydata([0, a])

    lv = live(Picky())
    image = lv.output.value
    lv.set(a=0.5)
    assert lv.message.value == "" and lv.output.value != image
    image = lv.output.value
    lv.set(a=1.8)  # no exception escapes the observer; the last figure stays
    assert "a must be &lt;= 1.5 for this demo, got 1.8" in lv.message.value
    assert lv.output.value == image
    lv.set(a=0.2)
    assert lv.message.value == ""
    lv.close()
