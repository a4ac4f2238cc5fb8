"""The Adam-era views: they draw what the library computed, live and precomputed."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("ipywidgets")

from lrlearn.adam_signal import ratio_closed_form
from lrlearn.deep.adam_batch import RULES, ScalingRulesResult
from lrlearn.widgets import precomputed
from lrlearn.widgets.adam_views import (
    AdamSignalView,
    AdaptiveEdgeView,
    BatchRulesView,
)


def test_signal_view_marks_the_measured_steady_state():
    view = AdamSignalView(steps=400, coords=300)
    view.show(snr=0.3, beta1=0.9)
    x, y = view.point.get_data()
    assert x[0] == 0.3 and y[0] == pytest.approx(float(ratio_closed_form(0.3)), rel=0.05)
    curve = view.curve.get_ydata()
    assert curve[0] == pytest.approx(float(ratio_closed_form(0.01, 0.9)))
    widget = precomputed(view)
    assert len(widget.images) == 6
    widget.close()
    with pytest.raises(ValueError, match="beta1"):
        view.show(beta1=0.3)


def test_batch_rules_view_draws_each_batch_under_the_chosen_rule():
    loss = np.exp(-np.arange(4 * 3 * 2 * 5).reshape(4, 3, 2, 5) / 50.0)
    result = ScalingRulesResult(
        (8, 16, 64), np.linspace(0, 1024, 5), loss, 1e-2, (0.99, 0.999), 1e-8
    )
    view = BatchRulesView(result)
    view.show(rule="linear")
    mean = np.exp(np.log(loss).mean(2))
    assert len(view.lines) == 3
    assert np.allclose(view.lines[2].get_ydata(), mean[RULES.index("linear"), 2])
    widget = precomputed(view)
    assert len(widget.images) == len(RULES)
    widget.close()


def test_adaptive_edge_view_shows_the_38_over_lr_line(torch_one_thread):
    view = AdaptiveEdgeView(steps=40, lr=4e-3)
    view.show(lr=4e-3)
    assert view.line.get_ydata()[0] == pytest.approx(38 / 4e-3)
    assert len(view.pre.get_xdata()) == 2  # every 20 steps
