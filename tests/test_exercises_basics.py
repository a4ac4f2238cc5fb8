"""Every checker of lrlearn.exercises.basics passes the reference solution, fails typical wrong
answers with a message that says what differed, and reports an unfinished one as not done."""

from __future__ import annotations

import numpy as np
import pytest

from lrlearn import exercises
from lrlearn.exercises import basics

torch = pytest.importorskip("torch")


# -- reference solutions (what a notebook's collapsed solution cell contains) ---------------------
def gd_step(x, grad, lr):
    return x - lr * grad


def gd_path(curvature, x0, lr, steps):
    xs = [x0]
    for _ in range(steps):
        xs.append(xs[-1] - lr * curvature * xs[-1])
    return np.array(xs)


def critical_lr(curvatures):
    return 2 / max(curvatures)


def optimal_lr(curvatures):
    return 2 / (max(curvatures) + min(curvatures))


def step_lr(step, base_lr, step_size, gamma):
    return base_lr * gamma ** (step // step_size)


def cosine(step, base_lr, T_max, eta_min):
    return eta_min + (base_lr - eta_min) * (1 + np.cos(np.pi * step / T_max)) / 2


def momentum_step(w, buf, grad, lr, beta):
    buf = beta * buf + grad
    return w - lr * buf, buf


def adam(w, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def range_lrs(start_lr, end_lr, num_iter):
    return start_lr * (end_lr / start_lr) ** (np.arange(num_iter) / (num_iter - 1))


def steepest(lrs, losses):
    return lrs[np.argmin(np.gradient(losses))]


def linear_lr(base_lr, base_batch, batch):
    return base_lr * batch / base_batch


def accumulated(model, optimizer, X, y, micro_batch):
    optimizer.zero_grad()
    total = 0.0
    for i in range(0, len(X), micro_batch):
        xb, yb = X[i : i + micro_batch], y[i : i + micro_batch]
        loss = torch.nn.functional.cross_entropy(model(xb), yb) * len(xb) / len(X)
        loss.backward()
        total += loss.item()
    optimizer.step()
    return total


def loss_curve(curvatures, x0, lr, steps):
    lam, x = np.asarray(curvatures), np.asarray(x0, dtype=float)
    out = []
    for _ in range(steps + 1):
        out.append(float((0.5 * lam * x**2).sum()))
        x = x - lr * lam * x
    return np.array(out)


def clip(grads, max_norm):
    norm = np.linalg.norm(grads)
    return grads * max_norm / (norm + 1e-6) if norm > max_norm else grads


# -- typical mistakes ------------------------------------------------------------------------
def accumulated_without_scaling(model, optimizer, X, y, micro_batch):
    optimizer.zero_grad()
    for i in range(0, len(X), micro_batch):
        torch.nn.functional.cross_entropy(
            model(X[i : i + micro_batch]), y[i : i + micro_batch]
        ).backward()
    optimizer.step()
    return 0.0


def accumulated_stepping_each_micro_batch(model, optimizer, X, y, micro_batch):
    for i in range(0, len(X), micro_batch):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(
            model(X[i : i + micro_batch]), y[i : i + micro_batch]
        ).backward()
        optimizer.step()
    return 0.0


CHECKS = {
    "check_gd_step": (gd_step, [lambda x, g, lr: x + lr * g, lambda x, g, lr: x - g]),
    "check_gd_path": (
        gd_path,
        [
            lambda c, x0, lr, n: gd_path(c, x0, lr, n)[1:],
            lambda c, x0, lr, n: x0 * (1 - lr) ** np.arange(n + 1),
        ],
    ),
    "check_critical_lr": (critical_lr, [lambda c: 1 / max(c), lambda c: 2 / min(c)]),
    "check_optimal_lr": (optimal_lr, [lambda c: 1 / max(c), critical_lr]),
    "check_step_lr": (
        step_lr,
        [lambda t, b, s, g: b * g ** (t / s), lambda t, b, s, g: b * g ** (t // s + 1)],
    ),
    "check_cosine_schedule": (
        cosine,
        [
            lambda t, b, T, e: b * (1 + np.cos(np.pi * t / T)) / 2,
            lambda t, b, T, e: e + (b - e) * np.cos(np.pi * t / T),
        ],
    ),
    "check_momentum_step": (
        momentum_step,
        [
            lambda w, b, g, lr, beta: (
                w - lr * (beta * b + (1 - beta) * g),
                beta * b + (1 - beta) * g,
            ),
            lambda w, b, g, lr, beta: (w - lr * b, beta * b + g),
        ],
    ),
    "check_adam": (
        adam,
        [
            lambda w, g, m, v, t, lr, b1, b2, eps: (
                w - lr * (b1 * m + (1 - b1) * g) / (np.sqrt(b2 * v + (1 - b2) * g**2) + eps),
                b1 * m + (1 - b1) * g,
                b2 * v + (1 - b2) * g**2,
            ),  # no bias correction
            lambda w, g, m, v, t, lr, b1, b2, eps: (w - lr * np.sign(g), m, v),  # signSGD
        ],
    ),
    "check_range_test_lrs": (
        range_lrs,
        [lambda s, e, n: np.geomspace(s, e, n + 1)[:-1], lambda s, e, n: np.linspace(s, e, n)],
    ),
    "check_range_test_suggestion": (
        steepest,
        [
            lambda lrs, losses: lrs[np.argmin(losses)],
            lambda lrs, losses: lrs[np.argmin(losses)] / 10,
        ],
    ),
    "check_linear_scaled_lr": (
        linear_lr,
        [lambda a, b, c: a * np.sqrt(c / b), lambda a, b, c: a * b / c],
    ),
    "check_accumulated_step": (
        accumulated,
        [accumulated_without_scaling, accumulated_stepping_each_micro_batch],
    ),
    "check_quadratic_loss_curve": (
        loss_curve,
        [
            lambda c, x0, lr, n: loss_curve(c, x0, lr, n) * 2,  # forgot the 1/2
            lambda c, x0, lr, n: loss_curve(c, x0, lr, n)[1:],  # left out the start
        ],
    ),
    "check_clip_grad_norm": (
        clip,
        [lambda g, m: np.clip(g, -m, m), lambda g, m: g * m / np.linalg.norm(g)],
    ),
}


def test_every_checker_is_covered():
    assert sorted(CHECKS) == sorted(basics.__all__)
    for name in basics.__all__:
        assert getattr(exercises, name) is getattr(basics, name)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_solution_passes(name, torch_one_thread):
    report = getattr(exercises, name)(CHECKS[name][0])
    assert report.passed, str(report)
    assert "✔" in str(report)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_typical_mistakes_fail_with_a_message(name, torch_one_thread):
    for wrong in CHECKS[name][1]:
        report = getattr(exercises, name)(wrong)
        assert report.status == "wrong", (name, str(report))
        assert report.message and report.hint, str(report)
        assert "expected" in report.message or "raised" in report.message, report.message


def unfinished(*args):
    raise NotImplementedError


def returns_nothing(*args):
    pass


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_unfinished_is_not_done_and_never_raises(name, torch_one_thread):
    for fn in (unfinished, returns_nothing):
        report = getattr(exercises, name)(fn)
        assert report.status == "not done yet", str(report)
    crash = getattr(exercises, name)(lambda *a: 1 / 0)
    assert crash.status == "wrong" and "ZeroDivisionError" in crash.message
    assert getattr(exercises, name)("not a function").status == "wrong"


def test_messages_name_the_input():
    report = exercises.check_critical_lr(lambda c: 1 / max(c))
    assert report.message == "curvatures=(4.0, 0.5): expected 0.5, got 0.25"
    report = exercises.check_optimal_lr(lambda c: 1 / max(c))
    assert "curvatures=(4.0, 0.5)" in report.message and "0.444444" in report.message
