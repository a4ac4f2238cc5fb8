"""The edge-of-stability view: a cached view of lrlearn.deep.edge_of_stability."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep import edge_of_stability  # noqa: E402
from lrlearn.widgets import live, precomputed  # noqa: E402
from lrlearn.widgets.eos_views import EdgeOfStabilityExplorer, edge_run  # noqa: E402

pytestmark = pytest.mark.torch


def test_same_as_the_library_call_and_cached():
    r = edge_run(0.1, 60)
    direct = edge_of_stability(0.1, steps=60, n=100, seed=0, progress=False)
    np.testing.assert_array_equal(r.loss, direct.loss)
    np.testing.assert_array_equal(r.sharpness, direct.sharpness)
    assert edge_run(0.1, 60) is r


def test_edge_of_stability_and_its_limits():
    at_edge = edge_run(0.2, 300)
    assert at_edge.sharpness[0] < 0.9 * at_edge.threshold  # starts stable
    assert 0.85 <= at_edge.hover_ratio() <= 1.15  # then hovers at 2/lr
    assert at_edge.loss[-1] < 0.5 * at_edge.loss[0]
    small = edge_run(0.05, 300)  # 2/lr = 40, far above the sharpness: plain stable descent
    assert small.sharpness.max() < 0.5 * small.threshold
    assert np.all(np.diff(small.loss) <= 1e-12)  # monotone below the edge
    big = edge_run(1.0, 300)  # sharper than 2/lr from the first step: blows up
    assert big.sharpness[0] > big.threshold and big.diverged


@pytest.mark.parametrize(("args", "match"), [((0.0,), "lr"), ((0.1, 5), "steps"), ((-1.0,), "lr")])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        edge_run(*args)


def test_live_view_and_divergence_message():
    view = EdgeOfStabilityExplorer(steps=60, lr=0.1)
    w = live(view)
    before = w.output.value
    assert view.line.get_ydata()[0] == pytest.approx(20.0)
    w.set(lr=1.0)
    assert w.output.value != before and w.message.value == ""
    assert "diverged at step" in view.status.get_text()
    x, y = view.loss.get_data()
    assert np.all(np.isfinite(y)) and len(x) == len(y)
    assert view.line.get_ydata()[0] == pytest.approx(2.0)
    w.close()
    pre = precomputed(EdgeOfStabilityExplorer(steps=60), grid={"lr": (0.1, 1.0)})
    assert len(pre.images) == 2 and pre.images[0].value != pre.images[1].value
    pre.close()
