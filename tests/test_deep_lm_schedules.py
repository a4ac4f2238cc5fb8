"""Schedules on the text stream: the exact expected loss against closed forms, stacked seeds
against separate runs, a continued run against an uninterrupted one, bad input."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrlearn import schedules as S  # noqa: E402
from lrlearn.deep import lm_schedules as L  # noqa: E402
from lrlearn.text_stream import ZipfBigram  # noqa: E402

LANG = ZipfBigram(vocab=16, seed=1)


def test_expected_loss_of_a_context_free_model_is_the_unigram_entropy():
    params = L._init(LANG.vocab, (0, 1))
    with torch.no_grad():
        params[3].zero_()
        params[4].copy_(torch.log(torch.from_numpy(LANG.stationary)).float().expand(2, -1))
    got = L.expected_loss(params, LANG)
    np.testing.assert_allclose(got, LANG.unigram_entropy, rtol=1e-6)
    assert np.all(got > LANG.entropy_floor)


def test_expected_loss_equals_the_mean_loss_on_fresh_samples():
    params = L._init(LANG.vocab, (3,))
    tok = torch.from_numpy(LANG.sample(4000, 20, np.random.default_rng(0)))
    with torch.no_grad():
        logits = L._logits(params, tok[None, :, :-1].reshape(1, -1))
        ce = torch.nn.functional.cross_entropy(logits[0], tok[:, 1:].reshape(-1), reduction="none")
    se = ce.std().item() / np.sqrt(ce.numel())
    assert abs(ce.mean().item() - L.expected_loss(params, LANG)[0]) < 4 * se


def test_stacked_seeds_and_rates_equal_separate_runs(torch_one_thread):
    sched = L.make_schedule("wsd 1-sqrt", 1.0, 30)
    both = L.train(sched, [1e-2, 3e-2], (0, 1), 30, lang=LANG, n_evals=3)
    for i, lr in enumerate((1e-2, 3e-2)):
        for j, seed in enumerate((0, 1)):
            alone = L.train(sched, [lr], (seed,), 30, lang=LANG, n_evals=3)
            np.testing.assert_allclose(both.loss[i, j], alone.loss[0, 0], rtol=1e-5)


def test_a_continued_run_equals_an_uninterrupted_one(torch_one_thread):
    sched = L.make_schedule("constant", 2e-2, 40)
    whole = L.train(sched, [2e-2], (0,), 40, lang=LANG, n_evals=4)
    first = L.train(sched, [2e-2], (0,), 20, lang=LANG, n_evals=2)
    rest = L.train(sched, [2e-2], (0,), 40, lang=LANG, n_evals=2, start=first, start_step=20)
    np.testing.assert_allclose(rest.loss[..., -1], whole.loss[..., -1], rtol=1e-5)


def test_branched_cooldowns_leave_the_constant_run_alone(torch_one_thread):
    constant, branches = L.branch_cooldowns(2e-2, 60, (0.5,), (0,), lang=LANG)
    plain = L.train(L.make_schedule("constant", 2e-2, 60), [2e-2], (0,), 60, lang=LANG)
    np.testing.assert_allclose(constant.loss[..., -1], plain.loss[..., -1], rtol=1e-5)
    b = branches[0.5]
    assert b.eval_steps[0] == 30 and b.eval_steps[-1] == 30 + round(0.25 * 30)
    assert b.loss[0, 0, -1] < b.loss[0, 0, 0]  # the cooldown lowers the loss


def test_schedule_free_trains_and_is_read_at_its_average(torch_one_thread):
    r = L.train("schedule-free", [3e-2], (0,), 60, lang=LANG, n_evals=3)
    assert r.loss[0, 0, -1] < r.loss[0, 0, 0]
    _, opt = r.state[0]
    assert not opt.param_groups[0]["train_mode"]  # left in eval mode: params are the average x


def test_shapes_are_the_library_schedules():
    np.testing.assert_array_equal(
        L.make_schedule("wsd linear", 0.1, 100).values(100),
        S.warmup_stable_decay(0.1, 100, 5, 20).values(100),
    )
    np.testing.assert_array_equal(
        L.make_schedule("linear to zero", 0.1, 100).values(100),
        S.linear_decay(0.1, 100, 5).values(100),
    )


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda: L.make_schedule("step", 0.1, 10), ValueError, "shape"),
        (lambda: L.train("adam", [0.1], (0,), 5), ValueError, "schedule"),
        (lambda: L.train(lambda t: 0.1, [0.1], (0,), 5), TypeError, "schedule"),
        (lambda: L.train(S.constant(0.1), [0.0], (0,), 5), ValueError, "lrs"),
        (lambda: L.train(S.constant(0.1), [0.1], (0,), 0), ValueError, "steps"),
    ],
)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
