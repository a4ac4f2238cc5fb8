"""The tiny transformer LM: causal, post-LN / pre-LN as asked, seeded, and its warmup schedule
equal to torch's LinearLR; the training loop uses torch.optim.Adam / RAdam."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep.transformer import TinyTransformerLM, train_lm, warmup_schedule  # noqa: E402
from lrlearn.text_stream import ZipfBigram  # noqa: E402


@pytest.mark.parametrize("norm_first", [False, True])
def test_causal_and_layout(torch_one_thread, norm_first):
    model = TinyTransformerLM(32, norm_first=norm_first, seed=1).eval()
    tokens = torch.randint(0, 32, (2, 12), generator=torch.Generator().manual_seed(0))
    changed = tokens.clone()
    changed[:, 7] = (changed[:, 7] + 5) % 32
    with torch.no_grad():
        a, b = model(tokens), model(changed)
    assert a.shape == (2, 12, 32)
    assert torch.allclose(a[:, :7], b[:, :7], atol=1e-6)  # the past never sees the future
    assert not torch.allclose(a[:, 7:], b[:, 7:])
    layers = model.blocks.layers
    assert len(layers) == 2 and all(layer.norm_first is norm_first for layer in layers)
    assert isinstance(model.final_norm, torch.nn.LayerNorm) is norm_first
    # the encoder copies its layer: each copy is redrawn, so the blocks differ
    assert not torch.equal(layers[0].linear1.weight, layers[1].linear1.weight)


def test_seeded_and_rng_left_alone():
    state = torch.random.get_rng_state()
    a, b = TinyTransformerLM(seed=3), TinyTransformerLM(seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    c = TinyTransformerLM(seed=4)
    assert not torch.equal(a.head.weight, c.head.weight)


def test_warmup_schedule_is_torch_linear_lr():
    lr, warmup = 0.1, 10
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1 / warmup, total_iters=warmup - 1)
    ours = warmup_schedule(lr, warmup)
    for step in range(25):
        assert ours(step) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)
        opt.step()
        sched.step()
    assert warmup_schedule(lr, 0)(0) == lr


def test_train_lm_learns_context(torch_one_thread):
    stream = ZipfBigram(vocab=16, seed=0)
    model = TinyTransformerLM(16, d_model=32, heads=2, d_ff=64, norm_first=True, seed=0)
    run = train_lm(model, lr=1e-2, steps=120, stream=stream, batch=16, length=16)
    assert run.diverged_at is None
    # below the best context-free model, above the floor no model beats
    tail = float(np.mean(run.loss[-12:]))
    assert stream.entropy_floor - 0.05 < tail < stream.unigram_entropy
    assert run.final_excess() == pytest.approx(tail - stream.entropy_floor)


def test_radam_option_is_torch_radam(torch_one_thread):
    stream = ZipfBigram(vocab=16)
    a = TinyTransformerLM(16, d_model=16, heads=2, d_ff=32, seed=0)
    b = TinyTransformerLM(16, d_model=16, heads=2, d_ff=32, seed=0)
    run = train_lm(a, lr=1e-2, steps=8, stream=stream, batch=4, length=8, optimizer="radam")
    opt = torch.optim.RAdam(b.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(8):
        tokens = torch.as_tensor(stream.sample(4, 8, rng))
        logits = b(tokens[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 16), tokens[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.allclose(p, q, atol=1e-6)
    assert run.loss.shape == (8,)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="d_model"):
        TinyTransformerLM(d_model=63, heads=4)
    with pytest.raises(TypeError, match="norm_first"):
        TinyTransformerLM(norm_first=1)
    with pytest.raises(ValueError, match="warmup"):
        warmup_schedule(0.1, -1)
    with pytest.raises(ValueError, match="optimizer"):
        train_lm(TinyTransformerLM(), optimizer="sgd")
    with pytest.raises(ValueError, match="tokens"):
        TinyTransformerLM(max_len=4)(torch.zeros(1, 5, dtype=torch.int64))
