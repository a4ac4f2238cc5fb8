"""The huge-learning-rate grid: every landscape x every optimizer x lr = 1e3 ... 1e300 ends in a
clean divergence, plots included, with no warning (warnings are errors here); and so does the
torch trainer."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lrlearn import landscapes as L
from lrlearn.optimizers import OPTIMIZER_NAMES
from lrlearn.simulate import simulate, sweep

LANDSCAPES = {
    "quadratic": lambda: L.Quadratic([4.0, 1.0]),
    "ravine": L.Ravine,
    "rosenbrock": L.Rosenbrock,
    "double well": L.DoubleWell,
    "saddle": L.Saddle,
}
HUGE = np.logspace(3, 300, 12)


@pytest.mark.parametrize("optimizer", OPTIMIZER_NAMES)
@pytest.mark.parametrize("name", LANDSCAPES)
def test_huge_rates_diverge_cleanly(name, optimizer):
    scape = LANDSCAPES[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = sweep(scape, scape.default_start, HUGE, 30, optimizer)
        assert np.all(np.isfinite(res.losses))
        res.plot()
        for lr in (1e3, 1e150, 1e300):
            run = simulate(scape, scape.default_start, lr, 30, optimizer)
            assert np.all(np.isfinite(run.losses)) and run.losses.size >= 1
            if run.diverged:
                assert run.status.startswith(f"diverged at step {run.diverged_at}")
            run.plot()
            run.plot_path()
            assert run.verdict is not None
        plt.close("all")
    # plain gradient descent cannot survive these rates anywhere but on a plateau
    if optimizer in ("sgd", "gd", "momentum", "nesterov") and name != "saddle":
        assert res.diverged.all(), res.diverged


def test_torch_trainer_diverges_cleanly():
    torch = pytest.importorskip("torch")
    from lrlearn.deep import digits_tensors, mlp, train

    X, y = digits_tensors(n=96)
    for lr in (1e3, 1e30, 1e300):
        for make in (
            lambda p, lr=lr: torch.optim.SGD(p, lr=lr),
            lambda p, lr=lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
            lambda p, lr=lr: torch.optim.Adam(p, lr=lr),
        ):
            model = mlp(64, (16,), 10, seed=0)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                hist = train(model, (X, y), make, epochs=3, batch_size=32, progress=False)
                assert np.all(np.isfinite(hist.loss))
                if hist.diverged:
                    assert hist.status.startswith(f"diverged at step {hist.diverged_at}")
                    assert hist.steps <= hist.diverged_at
                hist.plot()
                plt.close("all")
            if lr >= 1e30:
                assert hist.diverged, (lr, hist)
