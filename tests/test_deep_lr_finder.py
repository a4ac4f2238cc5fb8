"""LR range test on nn.Modules: number-for-number equal to torch-lr-finder, and restores state."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from lrlearn.deep import range_test  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]


def data(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 8, generator=g)
    y = (X[:, :3].sum(1) > 0).long() + (X[:, 3] > 1).long()
    return TensorDataset(X, y)


def loader(batch_size=16, seed=0):
    # shuffled, with its own generator: the same batch order for both finders
    return DataLoader(data(), batch_size=batch_size, shuffle=True,
                      generator=torch.Generator().manual_seed(seed))


def model_and_opt(kind="sgd", lr=1e-5, groups=False):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3))
    params = ([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 3 * lr}]
              if groups else model.parameters())
    if kind == "adam":
        opt = torch.optim.Adam(params, lr=lr)
    else:
        opt = torch.optim.SGD(params, lr=lr, momentum=0.9)
    return model, opt


CONFIGS = [
    dict(kind="sgd", kw=dict(end_lr=10, num_iter=100)),
    dict(kind="sgd", kw=dict(start_lr=1e-4, end_lr=5, num_iter=60, step_mode="linear", smooth_f=0.1)),
    dict(kind="adam", kw=dict(end_lr=1.0, num_iter=80, smooth_f=0.0, diverge_th=3)),
    dict(kind="sgd", groups=True, kw=dict(end_lr=20, num_iter=90)),
    dict(kind="sgd", kw=dict(end_lr=0.05, num_iter=40)),  # too small a range to diverge
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=["sgd-exp", "sgd-linear-start", "adam-raw", "groups", "no-divergence"])
def test_equals_torch_lr_finder(cfg, capsys):
    lr_finder_mod = pytest.importorskip("torch_lr_finder")
    import matplotlib.pyplot as plt

    groups = cfg.get("groups", False)
    model, opt = model_and_opt(cfg["kind"], groups=groups)
    finder = lr_finder_mod.LRFinder(model, opt, nn.CrossEntropyLoss(), device="cpu")
    finder.range_test(loader(), **cfg["kw"])
    theirs_lr, theirs_loss = np.array(finder.history["lr"]), np.array(finder.history["loss"])
    _, their_suggestion = finder.plot(skip_start=10, skip_end=5, ax=plt.subplots()[1])
    plt.close("all")

    model2, opt2 = model_and_opt(cfg["kind"], groups=groups)
    ours = range_test(model2, opt2, nn.CrossEntropyLoss(), loader(), device="cpu", progress=False,
                      **cfg["kw"])
    assert len(ours.lrs) == len(theirs_lr)
    np.testing.assert_allclose(ours.lrs, theirs_lr, rtol=1e-6)
    np.testing.assert_allclose(ours.losses, theirs_loss, rtol=1e-6)
    assert ours.suggest("steepest", skip_start=10, skip_end=5) == their_suggestion
    assert ours.diverged == (len(theirs_lr) < cfg["kw"]["num_iter"])


def test_diverges_and_reports_it():
    model, opt = model_and_opt()
    r = range_test(model, opt, nn.CrossEntropyLoss(), loader(), end_lr=1e3, num_iter=200,
                   device="cpu", progress=False)
    assert r.diverged and len(r.lrs) < 200
    assert r.losses[-1] > 5 * r.losses[:-1].min()
    assert np.all(np.isfinite(r.losses))


def test_restores_weights_device_and_optimizer_state():
    model, opt = model_and_opt("sgd", lr=0.05)
    X, y = data().tensors
    for _ in range(3):  # build momentum buffers first
        opt.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    buffers = [opt.state[p]["momentum_buffer"].clone() for p in model.parameters()]
    r = range_test(model, opt, nn.CrossEntropyLoss(), loader(), start_lr=1e-4, end_lr=10,
                   num_iter=50, progress=False)
    assert r.settings["device"] == "cpu"  # device=None resolves to the best device: CPU here
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k])
    for p, b in zip(model.parameters(), buffers, strict=True):
        assert torch.equal(opt.state[p]["momentum_buffer"], b)
    assert opt.param_groups[0]["lr"] == 0.05 and "initial_lr" not in opt.param_groups[0]
    assert next(model.parameters()).device.type == "cpu"


def test_restores_even_when_training_fails():
    model, opt = model_and_opt()
    before = [p.clone() for p in model.parameters()]
    calls = {"n": 0}

    def criterion(out, y):
        calls["n"] += 1
        if calls["n"] == 5:
            raise RuntimeError("boom")
        return nn.functional.cross_entropy(out, y)

    with pytest.raises(RuntimeError, match="boom"):
        range_test(model, opt, criterion, loader(), start_lr=0.1, end_lr=10, progress=False)
    for p, b in zip(model.parameters(), before, strict=True):
        assert torch.equal(p, b)
    assert opt.param_groups[0]["lr"] == 1e-5


def test_nan_loss_stops_the_test_cleanly():
    model, opt = model_and_opt()
    calls = {"n": 0}

    def criterion(out, y):
        calls["n"] += 1
        loss = nn.functional.cross_entropy(out, y)
        return loss * float("nan") if calls["n"] > 30 else loss

    r = range_test(model, opt, criterion, loader(), end_lr=1.0, num_iter=100, progress=False)
    assert len(r.lrs) == 30 and r.diverged and np.all(np.isfinite(r.losses))


def test_progress_bar_switch(capsys):
    model, opt = model_and_opt()
    range_test(model, opt, nn.CrossEntropyLoss(), loader(), end_lr=1.0, num_iter=5, progress=False)
    assert "LR range test" not in capsys.readouterr().err
    range_test(model, opt, nn.CrossEntropyLoss(), loader(), end_lr=1.0, num_iter=5, progress=True)
    assert "LR range test" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kw", "exc", "match"),
    [
        ({"start_lr": 0.0}, ValueError, "start_lr"),
        ({"start_lr": 1.0, "end_lr": 0.5}, ValueError, "end_lr"),
        ({"end_lr": 1e-6}, ValueError, "end_lr"),  # below the optimizer's lr (1e-5)
        ({"num_iter": 1}, ValueError, "num_iter"),
        ({"step_mode": "cos"}, ValueError, "step_mode"),
        ({"smooth_f": -0.1}, ValueError, "smooth_f"),
        ({"diverge_th": 0.5}, ValueError, "diverge_th"),
    ],
)
def test_bad_arguments(kw, exc, match):
    model, opt = model_and_opt()
    with pytest.raises(exc, match=match):
        range_test(model, opt, nn.CrossEntropyLoss(), loader(), progress=False, **kw)


def test_bad_objects():
    model, opt = model_and_opt()
    crit = nn.CrossEntropyLoss()
    with pytest.raises(TypeError, match="model"):
        range_test(lambda x: x, opt, crit, loader(), progress=False)
    with pytest.raises(TypeError, match="optimizer"):
        range_test(model, "sgd", crit, loader(), progress=False)
    with pytest.raises(TypeError, match="criterion"):
        range_test(model, opt, "ce", loader(), progress=False)
    with pytest.raises(TypeError, match="loader"):
        range_test(model, opt, crit, [torch.zeros(2, 8)], progress=False)
    with pytest.raises(ValueError, match="no batches"):
        range_test(model, opt, crit, [], progress=False)


def test_plain_list_of_batches_is_a_loader():
    X, y = data().tensors
    batches = [(X[i:i + 20], y[i:i + 20]) for i in range(0, 60, 20)]  # 3 batches, cycled
    model, opt = model_and_opt()
    r = range_test(model, opt, nn.CrossEntropyLoss(), batches, end_lr=0.1, num_iter=10, progress=False)
    assert len(r.lrs) == 10
    assert r.raw_losses[0] == pytest.approx(r.raw_losses[0])  # finite
    model2, _ = model_and_opt()
    with torch.no_grad():
        first = nn.functional.cross_entropy(model2(batches[0][0]), batches[0][1]).item()
    assert r.raw_losses[0] == first  # loss of the first batch before any step


def test_import_lrlearn_does_not_import_torch():
    code = "import sys, lrlearn, lrlearn.lr_finder, lrlearn.schedules; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.cuda
def test_on_cuda_matches_cpu_and_returns_model_home():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    kw = dict(end_lr=10, num_iter=60, progress=False)
    model, opt = model_and_opt()
    cpu = range_test(model, opt, nn.CrossEntropyLoss(), loader(), device="cpu", **kw)
    model, opt = model_and_opt()
    gpu = range_test(model, opt, nn.CrossEntropyLoss(), loader(), device="cuda", **kw)
    assert next(model.parameters()).device.type == "cpu"
    assert gpu.settings["device"].startswith("cuda")
    n = min(len(cpu.lrs), len(gpu.lrs), 30)
    np.testing.assert_allclose(gpu.losses[:n], cpu.losses[:n], rtol=1e-3)


def test_numpy_and_torch_range_tests_agree_on_digits():
    """The same softmax regression, data order and sweep in numpy (float64) and torch (float64):
    two independent implementations of the test, one answer."""
    from lrlearn.data import digits
    from lrlearn.lr_finder import range_test as numpy_range_test
    from lrlearn.problems import SoftmaxRegression

    data = digits()
    kw = dict(start_lr=1e-3, end_lr=50.0, num_iter=80, progress=False)
    ours = numpy_range_test(SoftmaxRegression(data), "sgd", batch_size=50, seed=4, **kw)
    # the batches the numpy test draws: a seeded permutation per epoch, remainder dropped
    rng, n = np.random.default_rng(4), len(data.y_train)
    X, y = torch.from_numpy(np.asarray(data.X_train)), torch.from_numpy(np.asarray(data.y_train))
    batches = []
    while len(batches) < 80:
        order = torch.from_numpy(rng.permutation(n))
        batches += [(X[order[i:i + 50]], y[order[i:i + 50]]) for i in range(0, n - 49, 50)]
    model = nn.Linear(64, 10).double()
    nn.init.zeros_(model.weight)
    nn.init.zeros_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    theirs = range_test(model, opt, nn.CrossEntropyLoss(), batches[:80], device="cpu", **kw)
    assert ours.diverged and theirs.diverged and len(ours.lrs) == len(theirs.lrs)
    np.testing.assert_allclose(ours.lrs, theirs.lrs, rtol=1e-15)
    np.testing.assert_allclose(ours.losses, theirs.losses, rtol=1e-9)
    for method in ("steepest", "valley", "minimum/10"):
        assert ours.suggest(method) == theirs.suggest(method)
