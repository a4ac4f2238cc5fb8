"""The Adam-era building blocks against independent truth: torch.optim (Adam, AdamW, RAdam) step
by step, exact Hessians, closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn import adam_signal  # noqa: E402
from lrlearn.deep import adam_batch, adam_ensemble, adamw_timescale, adaptive_eos  # noqa: E402
from lrlearn.deep.loss_spikes import count_spikes  # noqa: E402
from lrlearn.deep.models import digits_tensors, mlp  # noqa: E402
from lrlearn.deep.sharpness import training_loss  # noqa: E402
from lrlearn.deep.step_log import StepLog  # noqa: E402
from lrlearn.deep.train import train  # noqa: E402

F = torch.nn.functional


# --- the ensemble is torch.optim.Adam / AdamW, member by member ----------------------------------


@pytest.mark.parametrize("decoupled", [True, False])
def test_ensemble_members_are_torch_optimizers(torch_one_thread, decoupled):
    X, y = digits_tensors(n=96, dtype=torch.float64)
    test = digits_tensors("test", n=50, dtype=torch.float64)
    configs = [(1e-2, 0, 0.1, 0.999, 1e-8), (3e-3, 1, 0.5, 0.99, 1e-6)]
    res = adam_ensemble.train_ensemble(
        (X, y),
        test,
        lr=[c[0] for c in configs],
        seeds=[c[1] for c in configs],
        batch_size=16,
        epochs=2,
        weight_decay=[c[2] for c in configs],
        decoupled=decoupled,
        betas=(0.9, [c[3] for c in configs]),
        eps=[c[4] for c in configs],
        evals=2,
    )
    for r, (lr, seed, wd, b2, eps) in enumerate(configs):
        model = mlp(64, 32, 10, activation="tanh", dtype=torch.float64, seed=seed)
        cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        opt = cls(model.parameters(), lr=lr, weight_decay=wd, betas=(0.9, b2), eps=eps)
        gen = torch.Generator().manual_seed(seed)
        for _ in range(2):
            order = torch.randperm(96, generator=gen)
            for k in range(6):
                idx = order[16 * k : 16 * (k + 1)]
                opt.zero_grad()
                F.cross_entropy(model(X[idx]), y[idx]).backward()
                opt.step()
        with torch.no_grad():
            want = F.cross_entropy(model(test[0]), test[1]).item()
        assert res.test_loss[r, -1] == pytest.approx(want, rel=1e-10)
    assert list(res.steps) == [0, 6, 12] and list(res.examples) == [0, 96, 192]


def test_ensemble_freezes_a_diverged_member(torch_one_thread):
    X, y = digits_tensors(n=64)
    res = adam_ensemble.train_ensemble(
        (X, y), (X, y), lr=[1e-3, 1e6], seeds=[0, 0], batch_size=32, epochs=20, evals=2
    )
    assert res.diverged[0] == -1
    assert np.isfinite(res.train_loss[0]).all()


def test_log_argmin_finds_a_parabola_vertex():
    xs = np.geomspace(1e-3, 1, 7)
    ys = (np.log(xs) - np.log(0.03)) ** 2
    assert adam_ensemble.log_argmin(xs, ys) == pytest.approx(0.03, rel=1e-9)
    assert adam_ensemble.log_argmin(xs, -np.log(xs)) == pytest.approx(1.0)  # at the end: the end
    assert adam_ensemble.log_argmin(xs, [np.nan, *ys[1:]]) == pytest.approx(0.03, rel=1e-9)


# --- AdamW's timescale ---------------------------------------------------------------------------


def test_adamw_decay_is_an_ema_with_timescale_one_over_lr_wd():
    """With a zero gradient torch's AdamW only decays: after tau = 1/(lr wd) steps the weight is
    (1 - 1/tau)^tau ~ 1/e of itself; weight_decay_for turns epochs into that wd."""
    lr, batch, n, tau_epochs = 1e-2, 32, 320, 5
    wd = adamw_timescale.weight_decay_for(tau_epochs, lr, batch, n)
    tau_steps = round(1 / (lr * wd))
    assert tau_steps == tau_epochs * n // batch
    p = torch.ones(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.AdamW([p], lr=lr, weight_decay=wd)
    for _ in range(tau_steps):
        p.grad = torch.zeros_like(p)
        opt.step()
    assert p.detach()[0].item() == pytest.approx((1 - 1 / tau_steps) ** tau_steps, rel=1e-12)
    assert p.detach()[0].item() == pytest.approx(math.exp(-1), rel=0.02)


def test_noisy_labels_flip_the_asked_share():
    y = torch.zeros(10000, dtype=torch.int64)
    noisy = adamw_timescale.noisy_labels(y, 0.3)
    # a flipped label lands on 0 with chance 1/10: 27 % differ
    assert float((noisy != y).double().mean()) == pytest.approx(0.27, abs=0.015)
    with pytest.raises(ValueError, match="fraction"):
        adamw_timescale.noisy_labels(y, 1.5)


# --- Adam's batch-size rules ---------------------------------------------------------------------


def test_scaled_hyperparameters():
    lr, betas, eps = 1e-3, (0.99, 0.999), 1e-8
    assert adam_batch.scaled_hyperparameters("fixed", 4, lr, betas, eps) == (lr, betas, eps)
    assert adam_batch.scaled_hyperparameters("linear", 4, lr, betas, eps)[0] == pytest.approx(4e-3)
    assert adam_batch.scaled_hyperparameters("sqrt", 4, lr, betas, eps)[0] == pytest.approx(2e-3)
    lr4, (b1, b2), eps4 = adam_batch.scaled_hyperparameters("sde", 4, lr, betas, eps)
    assert (lr4, b1, b2, eps4) == pytest.approx((2e-3, 0.96, 0.996, 5e-9))
    with pytest.raises(ValueError, match="k must be"):
        adam_batch.scaled_hyperparameters("sde", 200, lr, betas, eps)
    with pytest.raises(ValueError, match="rule"):
        adam_batch.scaled_hyperparameters("cubic", 2, lr, betas, eps)


# --- the adaptive edge of stability --------------------------------------------------------------


def test_threshold_closed_form():
    assert adaptive_eos.adam_threshold(0.01, 0.9) == pytest.approx(3800)
    assert adaptive_eos.adam_threshold(0.1, 0.0) == pytest.approx(20)  # no momentum: 2 / lr


def test_preconditioner_reproduces_torch_adam_update(torch_one_thread):
    """-lr * m / P is exactly the step torch.optim.Adam takes (P with both bias corrections)."""
    X, y = digits_tensors(n=40, dtype=torch.float64)
    model = mlp(64, 8, 10, activation="tanh", dtype=torch.float64, seed=0)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, eps=1e-6)
    for _ in range(5):
        before = [p.detach().clone() for p in model.parameters()]
        opt.zero_grad()
        training_loss(model, X, y).backward()
        opt.step()
    P = adaptive_eos.adam_preconditioner(opt)
    for p, b, d in zip(model.parameters(), before, P, strict=True):
        want = -0.01 * opt.state[p]["exp_avg"] / d
        assert torch.allclose(p.detach() - b, want, rtol=1e-10, atol=1e-14)


def test_preconditioned_sharpness_is_the_exact_top_eigenvalue(torch_one_thread):
    X, y = digits_tensors(n=30, dtype=torch.float64)
    model = mlp(64, 3, 10, activation="tanh", dtype=torch.float64, seed=2)
    params = list(model.parameters())
    gen = torch.Generator().manual_seed(1)
    P = [0.5 + torch.rand(p.shape, generator=gen, dtype=torch.float64) for p in params]
    got = adaptive_eos.preconditioned_sharpness(model, X, y, P, iters=2000, tol=1e-12)
    names = [k for k, _ in model.named_parameters()]
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]

    def f(theta):
        chunks = [c.view(s) for c, s in zip(torch.split(theta, sizes), shapes, strict=True)]
        out = torch.func.functional_call(model, dict(zip(names, chunks, strict=True)), (X,))
        target = F.one_hot(y, 10).double()
        return 0.5 * ((out - target) ** 2).sum(-1).mean()

    H = torch.autograd.functional.hessian(f, torch.cat([p.detach().flatten() for p in params]))
    d = torch.cat([p.flatten() for p in P])
    eig = np.linalg.eigvals((H / d[:, None]).numpy())  # P^-1 H, not symmetric
    top = eig.real[np.argmax(np.abs(eig))]
    assert got == pytest.approx(top, rel=1e-6)
    with pytest.raises(ValueError, match="precond"):
        adaptive_eos.preconditioned_sharpness(model, X, y, P[:-1])


def test_self_stabilisation_growth_is_one_minus_lr_s_on_average(torch_one_thread):
    r = adaptive_eos.self_stabilisation(0.2, steps=120)
    pred = np.abs(1 - r.lr * r.sharpness[:-1])
    # along the top direction the gradient component follows |1 - lr S| (a quadratic's rate)
    assert np.corrcoef(np.log(r.growth[60:]), np.log(pred[60:]))[0, 1] > 0.2
    assert r.threshold == pytest.approx(10)


# --- Adam's first step, SNR, RAdam ---------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e4])
def test_first_step_is_torch_adam(scale):
    g = scale * torch.randn(20, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    p = torch.zeros(20, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.95))
    p.grad = g.clone()
    opt.step()
    ours = adam_signal.adam_first_step(g.numpy(), lr=0.01)
    assert np.allclose(p.detach().numpy(), ours, rtol=1e-12)
    assert np.allclose(ours, -0.01 * np.sign(g.numpy()), atol=1e-4 * 0.01 / scale + 1e-9)


def test_ratio_closed_form_limits():
    c = 0.1 / 1.9
    assert adam_signal.ratio_closed_form(0.0) == pytest.approx(math.sqrt(c))
    assert adam_signal.ratio_closed_form(1e6) == pytest.approx(1.0)
    assert adam_signal.ratio_closed_form(0.5, beta1=0.0) == pytest.approx(1.0)  # no averaging
    snr = 0.3
    assert adam_signal.ratio_closed_form(snr) == pytest.approx(
        math.sqrt((snr**2 + c) / (snr**2 + 1))
    )
    with pytest.raises(ValueError, match="snr"):
        adam_signal.ratio_closed_form(-1)


@pytest.mark.parametrize("snr", [0.0, 0.5, 2.0])
def test_simulated_ratio_meets_closed_form(snr):
    r = adam_signal.adam_ratio(snr, beta2=0.9999, steps=3000, coords=1000, seed=1)
    assert r.steady() == pytest.approx(r.closed_form, rel=0.03)
    assert np.allclose(np.abs(r.first_step), 1.0)


def test_adam_ratio_moments_are_torch_adam():
    """The simulation's m_hat / sqrt(v_hat) is torch.optim.Adam's step / (-lr) (eps = 0)."""
    rng = np.random.default_rng(0)
    p = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=1.0, betas=(0.9, 0.99), eps=0.0)
    m = v = np.zeros(5)
    for t in range(1, 30):
        g = 0.5 + rng.standard_normal(5)
        m = 0.9 * m + 0.1 * g
        v = 0.99 * v + 0.01 * g * g
        before = p.detach().clone()
        p.grad = torch.as_tensor(g)
        opt.step()
        ours = (m / (1 - 0.9**t)) / np.sqrt(v / (1 - 0.99**t))
        assert np.allclose((before - p.detach()).numpy(), ours, rtol=1e-12)


def test_radam_rectifier_is_torch_radam():
    p = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RAdam([p], lr=1.0, betas=(0.0, 0.999), eps=0.0)
    g = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
    for t in range(1, 40):
        before = p.detach().clone()
        p.grad = g.clone()
        opt.step()
        step = (before - p.detach()).numpy()
        r = float(adam_signal.radam_rectifier(t))
        if adam_signal.radam_rho(t) > 5:  # rectified Adam step: r * g / |g|
            assert np.allclose(step, r * np.sign(g.numpy()), rtol=1e-10)
        else:  # un-adapted: SGD with momentum 0 on the bias-corrected mean, here g itself
            assert r == 0 and np.allclose(step, g.numpy())


def test_inverse_sqrt_v_spread_shrinks():
    s = adam_signal.inverse_sqrt_v_spread(100, coords=5000)
    assert s[0] > 3 * s[9] > 3 * s[99] > 0


# --- the logging hook ----------------------------------------------------------------------------


def test_step_log_in_train(torch_one_thread):
    X, y = digits_tensors(n=64)
    plain = mlp(64, 16, 10, seed=0)
    logged = mlp(64, 16, 10, seed=0)
    h0 = train(
        plain, (X, y), lambda p: torch.optim.SGD(p, lr=0.1), batch_size=16, epochs=2, progress=False
    )
    log = StepLog()
    h1 = train(
        logged,
        (X, y),
        lambda p: torch.optim.SGD(p, lr=0.1),
        batch_size=16,
        epochs=2,
        progress=False,
        hooks=[log],
    )
    assert np.array_equal(h0.loss, h1.loss)  # logging changes nothing
    assert len(log.grad_norm) == h1.steps == 8 and log.clip_fraction == 0
    # plain SGD: the update is lr * g, so the ratio is lr * |g| / |theta| -- check the last step
    assert np.all(log.update_ratio > 0)


def test_step_log_clips_like_torch():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    for p in model.parameters():
        p.grad = torch.full_like(p, 3.0)
    log = StepLog(clip=1.0)
    norm = log.before_step(model)
    total = math.sqrt(9 * sum(p.numel() for p in model.parameters()))
    assert norm == pytest.approx(total)
    after = math.sqrt(sum(float((p.grad**2).sum()) for p in model.parameters()))
    assert after == pytest.approx(1.0, rel=1e-5)
    with torch.no_grad():
        before = torch.cat([p.flatten() for p in model.parameters()]).clone()
        for p in model.parameters():
            p -= 0.1 * p.grad
    ratio = log.after_step(model)
    assert ratio == pytest.approx(0.1 * 1.0 / float(before.norm()), rel=1e-5)
    assert log.clip_fraction == 1.0
    with pytest.raises(ValueError, match="clip"):
        StepLog(clip=0)


def test_count_spikes():
    assert count_spikes([1, 0.5, 0.1, 0.05, 2, 3, 0.04, 0.01, 0.5, 0.001]) == 2
    assert count_spikes([1.0, 0.9, 0.8]) == 0


@pytest.mark.parametrize("threshold", [0.0, 0.012, 0.03, 0.05, 0.2, 1.0])
def test_warmup_search_bisects_to_the_largest_trainable_rung(monkeypatch, threshold):
    """With training replaced by a known rule (a seed trains iff lr <= threshold), the search
    returns the largest rung at or below the threshold, in ceil(log2(K + 1)) rungs per cell."""
    from lrlearn.deep import adam_warmup

    tried: list[float] = []

    def fake(out, lr, limit, seeds, stream, **_):
        tried.append(lr)
        for s in range(len(seeds)):
            out[s] = 0.0 if lr <= threshold else np.inf
            if not out[s] < limit:
                return False
        return True

    monkeypatch.setattr(adam_warmup, "_every_seed_trains", fake)
    ladder = adam_warmup.LADDER
    g = adam_warmup.warmup_search(ladder, (0, 75), seeds=(0, 1, 2), radam=True)
    below = [r for r in ladder if r <= threshold]
    assert np.all(g.largest == (max(below) if below else 0.0))
    cells = g.largest.size
    assert len(tried) <= cells * math.ceil(math.log2(len(ladder) + 1))
    assert g.columns == ("warmup 0", "warmup 75", "RAdam, no warmup")
