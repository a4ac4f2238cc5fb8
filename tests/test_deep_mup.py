"""muP's per-layer rules against Microsoft's ``mup`` package (the reference), the stacked trainer
against ``torch.optim.Adam``, and the coordinate check."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
mup = pytest.importorskip("mup")

from lrlearn.deep.models import digits_tensors  # noqa: E402
from lrlearn.deep.mup import (  # noqa: E402
    _train_stacked,
    coord_check,
    make_mlp,
    param_groups,
)

BASE = 32


def reference(width: int, seed: int):
    """The same network written with ``mup``: SP weights loaded, then ``set_base_shapes``
    (rescaling as the package does) and ``MuReadout(readout_zero_init=True)``."""
    from torch import nn

    def build(n):
        return nn.Sequential(
            nn.Linear(64, n),
            nn.ReLU(),
            nn.Linear(n, n),
            nn.ReLU(),
            mup.MuReadout(n, 10, readout_zero_init=True),
        )

    model = build(width)
    sp = make_mlp(width, "sp", BASE, seed)
    with torch.no_grad():
        model[0].load_state_dict(sp.fc1.state_dict())
        model[2].load_state_dict(sp.fc2.state_dict())
    mup.set_base_shapes(model, build(BASE), delta=build(2 * BASE))
    return model


@pytest.mark.parametrize("width", [64, 256])
def test_init_forward_and_adam_steps_equal_the_mup_package(width, torch_one_thread):
    ours = make_mlp(width, "mup", BASE, seed=3)
    theirs = reference(width, seed=3)
    pairs = [(ours.fc1, theirs[0]), (ours.fc2, theirs[2]), (ours.readout, theirs[4])]
    for a, b in pairs:  # init: biases rescaled as mup does, the readout zero
        torch.testing.assert_close(a.weight, b.weight, rtol=0, atol=0)
        torch.testing.assert_close(a.bias, b.bias, rtol=0, atol=0)
    lr = 2.0**-6
    opt_ours = torch.optim.Adam(param_groups(ours, lr))
    opt_theirs = mup.MuAdam(theirs.parameters(), lr=lr)
    theirs_lr = {id(p): g["lr"] for g in opt_theirs.param_groups for p in g["params"]}
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        ours_lr = next(g["lr"] for g in opt_ours.param_groups if g["params"][0] is p)
        assert ours_lr == pytest.approx(theirs_lr[id(q)]), name
    X, y = digits_tensors("train", n=256)
    for t in range(6):
        xb, yb = X[32 * t : 32 * (t + 1)], y[32 * t : 32 * (t + 1)]
        for model, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
    torch.testing.assert_close(ours(X), theirs(X), rtol=1e-5, atol=1e-6)


def test_sp_is_the_plain_network():
    sp = make_mlp(64, "sp", BASE, seed=0)
    assert sp.readout_mult == 1.0
    assert all(g["lr"] == 0.01 for g in param_groups(sp, 0.01))
    assert sp.readout.weight.abs().sum() > 0


@pytest.mark.parametrize("parametrization", ["sp", "mup"])
def test_stacked_trainer_equals_torch_adam(parametrization, torch_one_thread):
    from lrlearn.deep.mup import _batches

    X, y = digits_tensors("train")
    lrs = np.array([2.0**-8, 2.0**-5])
    final, _ = _train_stacked(64, parametrization, BASE, lrs, (1,), 5, 16, X, y)
    for k, lr in enumerate(lrs):
        model = make_mlp(64, parametrization, BASE, seed=1)
        opt = torch.optim.Adam(param_groups(model, float(lr)))
        idx = _batches(1, 5, 16, len(X))
        for t in range(5):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X[idx[t]]), y[idx[t]]).backward()
            opt.step()
        with torch.no_grad():
            want = torch.nn.functional.cross_entropy(model(X), y).item()
        assert final[0, k] == pytest.approx(want, rel=1e-4)


def test_coordinate_check_separates_sp_from_mup(torch_one_thread):
    c = coord_check(widths=(32, 128, 512), seeds=(0,), steps=3)
    sp, mu = c.slope("logits")
    assert sp > 0.3 and abs(mu) < 0.15
    c.plot()


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: make_mlp(0), ValueError, "width"),
        (lambda: make_mlp(64, "ntk"), ValueError, "parametrization"),
        (lambda: param_groups(make_mlp(64), -1.0), ValueError, "lr"),
        (lambda: param_groups(torch.nn.Linear(2, 2), 0.1), TypeError, "model"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
