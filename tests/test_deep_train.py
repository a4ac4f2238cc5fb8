"""The training loop: accumulation is exact, schedules follow torch, it learns, bad input is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from lrlearn.data import digits  # noqa: E402
from lrlearn.deep.models import digits_tensors, mlp  # noqa: E402
from lrlearn.deep.train import TrainHistory, as_torch_scheduler, train  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("torch_one_thread")]


def _params(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def _sgd(model, lr=0.1, **kw):
    return torch.optim.SGD(model.parameters(), lr=lr, **kw)


@pytest.mark.parametrize("k,b", [(4, 8), (3, 10), (5, 7)])
def test_accumulation_equals_one_big_step(k, b):
    # 203 examples: the epoch's last step is smaller than k*b, so the weighting is tested too
    X, y = digits_tensors(n=203, dtype=torch.float64)
    results = []
    for batch, acc in [(b, k), (k * b, 1)]:
        model = mlp(hidden=(32,), dtype=torch.float64, seed=1)
        hist = train(model, (X, y), _sgd(model, 0.3, momentum=0.9), batch_size=batch,
                     accumulate=acc, epochs=2, progress=False, device="cpu", seed=5)
        results.append((_params(model), hist))
    (p_acc, h_acc), (p_big, h_big) = results
    assert h_acc.steps == h_big.steps == 2 * math.ceil(203 / (k * b))
    assert h_acc.effective_batch_size == h_big.effective_batch_size == k * b
    torch.testing.assert_close(p_acc, p_big, rtol=0, atol=1e-6)
    assert np.max(np.abs(p_acc.numpy() - p_big.numpy())) < 1e-10  # truly equal, not just close
    np.testing.assert_allclose(h_acc.loss, h_big.loss, rtol=1e-10)
    np.testing.assert_allclose(h_acc.accuracy, h_big.accuracy)


def test_same_as_a_hand_written_loop():
    X, y = digits_tensors(n=300, dtype=torch.float64)
    model = mlp(hidden=(16,), dtype=torch.float64, seed=2)
    hist = train(model, (X, y), torch.optim.Adam(model.parameters(), lr=1e-2), batch_size=64,
                 epochs=3, seed=9, progress=False, device="cpu")

    ref = mlp(hidden=(16,), dtype=torch.float64, seed=2)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-2)
    g = torch.Generator().manual_seed(9)
    losses = []
    for _ in range(3):
        order = torch.randperm(300, generator=g)
        for i in range(0, 300, 64):
            idx = order[i:i + 64]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(ref(X[idx]), y[idx])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    torch.testing.assert_close(_params(model), _params(ref), rtol=0, atol=1e-12)
    np.testing.assert_allclose(hist.loss, losses, rtol=1e-12)


def test_schedule_matches_torch_cosine():
    # a plain step -> lr function, compared with torch.optim.lr_scheduler.CosineAnnealingLR
    eta0, T = 0.2, 12

    def cosine(step):
        return 0.5 * eta0 * (1 + math.cos(math.pi * step / T))

    X, y = digits_tensors(n=96)
    model = mlp(hidden=(8,))
    hist = train(model, (X, y), _sgd(model, eta0), schedule=cosine, batch_size=8, epochs=1,
                 progress=False, device="cpu")
    ref_opt = _sgd(mlp(hidden=(8,)), eta0)
    ref = torch.optim.lr_scheduler.CosineAnnealingLR(ref_opt, T_max=T)
    expected = []
    for _ in range(12):
        expected.append(ref.get_last_lr()[0])
        ref_opt.step()
        ref.step()
    np.testing.assert_allclose(hist.lr, expected, rtol=1e-12, atol=1e-15)


def test_schedule_keeps_group_ratios():
    model = mlp(hidden=(8,))
    body, head = list(model[0].parameters()), list(model[2].parameters())
    opt = torch.optim.SGD([{"params": body, "lr": 0.01}, {"params": head, "lr": 0.1}], lr=0.1)
    sched = as_torch_scheduler(opt, lambda s: 0.01 / (1 + s))
    for s in range(1, 5):
        opt.step()
        sched.step()
        lrs = [g["lr"] for g in opt.param_groups]
        assert lrs[0] == pytest.approx(0.01 / (1 + s))
        assert lrs[1] / lrs[0] == pytest.approx(10.0)


def test_torch_scheduler_passes_through():
    model = mlp(hidden=(8,))
    opt = _sgd(model, 0.1)
    step_lr = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    hist = train(model, digits_tensors(n=64), opt, schedule=step_lr, batch_size=8,
                 progress=False, device="cpu")
    np.testing.assert_allclose(hist.lr, [0.1 * 0.5 ** (s // 2) for s in range(8)])


def test_learns_digits():
    data = digits()
    model = mlp(hidden=(64,), seed=0)
    hist = train(model, data, lambda p: torch.optim.Adam(p, lr=3e-3), batch_size=32, epochs=8,
                 progress=False, device="cpu")
    assert isinstance(hist, TrainHistory)
    assert hist.test_accuracy.shape == (8,)
    assert hist.test_accuracy[-1] > 0.93
    assert hist.loss[-20:].mean() < hist.loss[:5].mean() / 5
    assert np.all(hist.examples_per_s > 0)
    assert "examples/s" in repr(hist)


def test_bfloat16_autocast_on_cpu():
    X, y = digits_tensors(n=256)
    model = mlp(hidden=(32,))
    hist = train(model, (X, y), _sgd(model, 0.5), batch_size=32, epochs=4, amp=True,
                 progress=False, device="cpu")
    assert hist.amp == "bfloat16"
    assert model[0].weight.dtype == torch.float32  # autocast keeps master weights in float32
    assert hist.loss[-8:].mean() < 0.7 * hist.loss[:4].mean()


def test_mse_loss_and_progress_bar(capsys):
    X, y = digits_tensors(n=64)
    model = mlp(hidden=(8,))
    hist = train(model, (X, y), _sgd(model, 0.1), loss="mse", batch_size=16, progress=True,
                 device="cpu")
    assert hist.steps == 4 and np.all(np.isfinite(hist.loss))
    assert "train" in capsys.readouterr().err  # tqdm writes to stderr


def test_plot_returns_figure():
    import matplotlib

    matplotlib.use("Agg")
    model = mlp(hidden=(8,))
    hist = train(model, digits(), _sgd(model), batch_size=128, epochs=2, progress=False,
                 device="cpu")
    fig = hist.plot()
    assert len(fig.axes) == 3
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"accumulate": 0}, ValueError, "accumulate must be >= 1"),
        ({"loss": "hinge"}, ValueError, "loss must be one of"),
        ({"amp": "yes"}, TypeError, "amp must be"),
        ({"amp": torch.float64}, ValueError, "amp must be"),
        ({"schedule": 0.1}, TypeError, "schedule must be a callable"),
        ({"schedule": lambda s: -1.0}, ValueError, "schedule"),
        ({"device": "tpu"}, ValueError, "device must be one of"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    model = mlp(hidden=(4,))
    with pytest.raises(exc, match=match):
        train(model, digits_tensors(n=32), _sgd(model), progress=False, **kwargs)


def test_bad_data_and_model():
    model = mlp(hidden=(4,))
    X, y = digits_tensors(n=32)
    with pytest.raises(ValueError, match="same, non-zero number of rows"):
        train(model, (X, y[:10]), _sgd(model), progress=False)
    with pytest.raises(TypeError, match="pair"):
        train(model, X, _sgd(model), progress=False)
    with pytest.raises(TypeError, match="model must be"):
        train("net", (X, y), _sgd(model), progress=False)
    with pytest.raises(TypeError, match="optimizer must be"):
        train(model, (X, y), "sgd", progress=False)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_amp_and_accumulation():
    X, y = digits_tensors(n=256)
    model = mlp(hidden=(32,))
    hist = train(model, (X, y), _sgd(model, 0.5), batch_size=16, accumulate=2, epochs=3,
                 amp=True, progress=False, device="cuda")
    assert hist.device.startswith("cuda") and hist.loss[-4:].mean() < hist.loss[:4].mean()


def test_lrlearn_one_cycle_matches_torch_one_cycle():
    # an lrlearn Schedule goes through lrlearn.schedules.to_torch: lr *and* momentum cycle
    from lrlearn.schedules import one_cycle_lr

    X, y = digits_tensors(n=160)
    model = mlp(hidden=(8,))
    opt = _sgd(model, 0.1, momentum=0.9)
    hist = train(model, (X, y), opt, schedule=one_cycle_lr(0.5, total_steps=20), batch_size=16,
                 epochs=2, progress=False, device="cpu")
    ref_opt = _sgd(mlp(hidden=(8,)), 0.1, momentum=0.9)
    ref = torch.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=0.5, total_steps=20)
    expected = []
    for _ in range(20):
        expected.append(ref.get_last_lr()[0])
        ref_opt.step()
        ref.step()
    np.testing.assert_allclose(hist.lr, expected, rtol=1e-12)
    assert opt.param_groups[0]["momentum"] == pytest.approx(ref_opt.param_groups[0]["momentum"])


def test_lrlearn_schedule_keeps_discriminative_groups():
    from lrlearn.schedules import cosine

    model = mlp(hidden=(8,))
    opt = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.01},
                           {"params": model[2].parameters(), "lr": 0.1}])
    train(model, digits_tensors(n=64), opt, schedule=cosine(0.01, total_steps=10), batch_size=16,
          progress=False, device="cpu")
    lrs = [g["lr"] for g in opt.param_groups]
    assert lrs[0] == pytest.approx(0.5 * 0.01 * (1 + math.cos(math.pi * 4 / 10)))
    assert lrs[1] / lrs[0] == pytest.approx(10.0)


def test_reduce_on_plateau_is_refused_clearly():
    from lrlearn.schedules import ReduceLROnPlateau

    model = mlp(hidden=(4,))
    plateau = ReduceLROnPlateau(0.1)
    with pytest.raises(TypeError, match="ReduceLROnPlateau needs a metric"):
        train(model, digits_tensors(n=32), _sgd(model), schedule=plateau, progress=False)


@settings(max_examples=8, deadline=None)
@given(k=st.integers(1, 4), b=st.integers(1, 12), n=st.integers(1, 60), seed=st.integers(0, 99))
def test_accumulation_property(k, b, n, seed):
    # any micro-batch size, any number of micro-batches, any data size (partial last steps)
    X, y = digits_tensors(n=n, dtype=torch.float64)
    params = []
    for batch, acc in [(b, k), (k * b, 1)]:
        model = mlp(hidden=(6,), dtype=torch.float64, seed=seed)
        train(model, (X, y), _sgd(model, 0.5), batch_size=batch, accumulate=acc, epochs=1,
              seed=seed, progress=False, device="cpu")
        params.append(_params(model))
    torch.testing.assert_close(params[0], params[1], rtol=0, atol=1e-10)
