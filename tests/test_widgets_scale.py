"""The learning-rates-at-scale views: kernel-free twins render one distinct figure per grid value
from small computed results, and show the numbers of the result they were given."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from lrlearn.batch.stream import PowerLawRegression, critical_batch
from lrlearn.deep import lm_schedules as L
from lrlearn.deep.mup import lr_sweep
from lrlearn.text_stream import ZipfBigram
from lrlearn.widgets import precomputed
from lrlearn.widgets import scale_views as V

LANG = ZipfBigram(vocab=16, seed=2)


@pytest.fixture(scope="module")
def lm(torch_one_thread):
    runs = L.compare_schedules([1e-2, 3e-2], 20, (0,), schedule_free_lrs=[3e-2], lang=LANG)
    shorter = {
        n: L.train(L.make_schedule("cosine", 1.0, n), [3e-2], (0,), n, lang=LANG) for n in (5, 10)
    }
    constant, branches = L.branch_cooldowns(3e-2, 40, (0.5, 0.75), (0,), lang=LANG)
    return {
        "runs": runs,
        "cosine_shorter": shorter,
        "constant": constant,
        "branches": branches,
        "steps": 20,
    }


def _distinct(widget) -> int:
    return len({img.value for img in widget.images})


def test_schedule_shape_and_cooldown_views(lm):
    shapes = precomputed(V.ScheduleShapeView(lm))
    assert len(shapes.images) == len(L.SHAPES) == _distinct(shapes)
    rates, _, excess, lr = V.ScheduleShapeView(lm).compute(shape="constant")
    assert lr in (1e-2, 3e-2) and np.all(rates[-5:] == lr)
    assert excess[-1] == pytest.approx(lm["runs"]["constant"].excess[[1e-2, 3e-2].index(lr), 0, -1])
    cool = precomputed(V.CooldownView(lm))
    assert len(cool.images) == 2 == _distinct(cool)
    for w in (shapes, cool):
        w.close()
    V.schedules_figure(lm)
    V.anytime_figure(lm)


def test_mup_width_view(torch_one_thread):
    sweep = lr_sweep(widths=(32, 64), lrs=[2.0**-8, 2.0**-6], seeds=(0,), steps=3)
    view = precomputed(V.MupWidthView(sweep))
    assert len(view.images) == 2 == _distinct(view)
    view.close()


def test_critical_batch_view():
    r = critical_batch(
        PowerLawRegression(dim=16),
        batch_sizes=[1, 4, 16],
        targets=(0.1, 0.05),
        lrs=[0.1, 0.5],
        max_steps=3000,
    )
    view = V.CriticalBatchView(r)
    view.show(batch=4)
    assert "B = 4" in view.text.get_text()
    widget = precomputed(view)
    assert len(widget.images) == 3 == _distinct(widget)
    widget.close()
