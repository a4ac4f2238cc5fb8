"""The batch-size and transfer exercise checkers: each passes the reference solution, fails the
typical wrong answers with a message that says what differed, and reports "not done yet"
(without raising) for an unfinished exercise."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn import exercises

torch = pytest.importorskip("torch")


def not_done(*args, **kwargs):
    raise NotImplementedError


# -- reference solutions (what the notebooks' hidden solution cells contain) ----------------------
def minibatch_gradient(grads, batch):
    return grads[batch].mean(axis=0)


def minibatch_noise(grads, B, replace):
    n = len(grads)
    d = grads - grads.mean(axis=0)
    noise = np.sum(d**2) / n / B
    return noise if replace else noise * (n - B) / (n - 1)


def noise_scale(grads):
    G = grads.mean(axis=0)
    return np.sum((grads - G) ** 2) / len(grads) / (G @ G)


def warmup_lr(step, base_lr, k, warmup_steps):
    if step >= warmup_steps:
        return k * base_lr
    return base_lr * (1 + (k - 1) * step / warmup_steps)


def stability_limit(lr, momentum):
    return 2 * (1 + momentum) / lr


def power_iteration(hvp, dim, iters):
    v = np.random.default_rng(0).normal(size=dim)
    v /= np.linalg.norm(v)
    for _ in range(iters):
        w = hvp(v)
        v = w / np.linalg.norm(w)
    return float(v @ hvp(v))


def param_groups(model, head_lr, body_factor):
    body = [p for layer in list(model)[:-1] for p in layer.parameters()]
    return [
        {"params": body, "lr": body_factor * head_lr},
        {"params": list(model[-1].parameters()), "lr": head_lr},
    ]


def paired_interval(a, b):
    from scipy import stats

    d = np.asarray(a) - np.asarray(b)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


# -- typical wrong answers, with a word the message or hint must contain --------------------------
def _sum_gradient(grads, batch):
    return grads[batch].sum(axis=0)


def _noise_no_correction(grads, B, replace):
    return minibatch_noise(grads, B, True)


def _noise_scale_uncentred(grads):
    G = grads.mean(axis=0)
    return np.mean(np.sum(grads**2, axis=1)) / (G @ G)


def _noise_scale_ddof1(grads):
    G = grads.mean(axis=0)
    return np.sum((grads - G) ** 2) / (len(grads) - 1) / (G @ G)


def _warmup_off_by_one(step, base_lr, k, warmup_steps):
    return warmup_lr(step + 1, base_lr, k, warmup_steps)


def _warmup_from_zero(step, base_lr, k, warmup_steps):
    return k * base_lr * min(1.0, step / warmup_steps)


def _limit_without_momentum(lr, momentum):
    return 2 / lr


def _power_unnormalised(hvp, dim, iters):
    v = np.ones(dim)
    w = hvp(v)
    return float(np.linalg.norm(w))


def _groups_one_rate(model, head_lr, body_factor):
    return [{"params": list(model.parameters()), "lr": head_lr}]


def _groups_missing_body(model, head_lr, body_factor):
    return [{"params": list(model[-1].parameters()), "lr": head_lr}]


def _interval_z(a, b):
    d = np.asarray(a) - np.asarray(b)
    half = 1.96 * d.std(ddof=1) / np.sqrt(len(d))
    return d.mean(), d.mean() - half, d.mean() + half


def _interval_unpaired(a, b):
    from scipy import stats

    r = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    return np.mean(a) - np.mean(b), r.low, r.high


CASES = [
    (exercises.check_minibatch_gradient, minibatch_gradient, [(_sum_gradient, "average")]),
    (
        exercises.check_minibatch_noise,
        minibatch_noise,
        [(_noise_no_correction, "without replacement")],
    ),
    (
        exercises.check_noise_scale,
        noise_scale,
        [(_noise_scale_uncentred, "centre"), (_noise_scale_ddof1, "divide by N")],
    ),
    (
        exercises.check_warmup_lr,
        warmup_lr,
        [(_warmup_off_by_one, "step 0"), (_warmup_from_zero, "base_lr")],
    ),
    (exercises.check_stability_limit, stability_limit, [(_limit_without_momentum, "momentum=0.9")]),
    (exercises.check_power_iteration, power_iteration, [(_power_unnormalised, "unit vector")]),
    (
        exercises.check_param_groups,
        param_groups,
        [(_groups_one_rate, "expected 0.03"), (_groups_missing_body, "exactly one group")],
    ),
    (
        exercises.check_paired_interval,
        paired_interval,
        [(_interval_z, "1.96"), (_interval_unpaired, "unpaired")],
    ),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize(("check", "solution", "wrong"), CASES, ids=IDS)
def test_reference_solution_passes(check, solution, wrong):
    report = check(solution)
    assert report.passed, str(report)


@pytest.mark.parametrize(("check", "solution", "wrong"), CASES, ids=IDS)
def test_typical_wrong_answers_fail_with_a_useful_message(check, solution, wrong):
    for bad, word in wrong:
        report = check(bad)
        assert report.status == "wrong", (bad.__name__, str(report))
        text = str(report)
        assert word in text, (bad.__name__, text)
        assert "expected" in report.message  # says what the reference gave, on which input


@pytest.mark.parametrize(("check", "solution", "wrong"), CASES, ids=IDS)
def test_unfinished_is_not_done_yet_and_never_raises(check, solution, wrong):
    assert check(not_done).status == "not done yet"
    assert check(lambda *a, **k: None).status == "not done yet"
    broken = check(lambda *a, **k: 1 / 0)
    assert broken.status == "wrong" and "ZeroDivisionError" in broken.message
    assert check("not a function").status == "wrong"


def test_noise_reference_is_an_enumeration_not_the_formula():
    """The checker's truth enumerates every minibatch; the closed form agrees with it."""
    from lrlearn.exercises.batch import _enumerated_noise, _grads

    g = _grads(5, 6, 2)
    for B in (1, 2, 3, 6):
        assert _enumerated_noise(g, B, False) == pytest.approx(minibatch_noise(g, B, False))
        if B <= 3:
            assert _enumerated_noise(g, B, True) == pytest.approx(minibatch_noise(g, B, True))


def test_stability_limit_reference_is_the_iteration_matrix():
    from lrlearn.exercises.batch import _heavy_ball_limit

    for lr, m in [(0.1, 0.0), (0.3, 0.9), (2.0, 0.5)]:
        assert _heavy_ball_limit(lr, m) == pytest.approx(2 * (1 + m) / lr, rel=1e-9)
