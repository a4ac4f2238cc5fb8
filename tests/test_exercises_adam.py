"""The Adam-era exercise checkers: right answers pass, wrong ones are named, unfinished ones are
'not done yet', and nothing a learner writes makes a checker raise."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from lrlearn import exercises


def not_done(*args):
    raise NotImplementedError


def test_adam_first_step():
    def right(g, lr, beta1, beta2, eps):
        return -lr * g / (np.abs(g) + eps)

    def sign_only(g, lr, beta1, beta2, eps):  # forgets eps: wrong at |g| ~ eps
        return -lr * np.sign(g)

    def no_bias_correction(g, lr, beta1, beta2, eps):
        return -lr * (1 - beta1) * g / (np.sqrt(1 - beta2) * np.abs(g) + eps)

    assert exercises.check_adam_first_step(right).status == "correct"
    assert exercises.check_adam_first_step(sign_only).status == "wrong"
    report = exercises.check_adam_first_step(no_bias_correction)
    assert report.status == "wrong" and "scale" in report.message
    assert exercises.check_adam_first_step(not_done).status == "not done yet"
    assert exercises.check_adam_first_step(lambda *a: 1 / 0).status == "wrong"


def test_preconditioned_threshold():
    assert (
        exercises.check_preconditioned_threshold(lambda lr, b: (2 + 2 * b) / ((1 - b) * lr)).status
        == "correct"
    )
    assert exercises.check_preconditioned_threshold(lambda lr, b: 2 / lr).status == "wrong"
    assert exercises.check_preconditioned_threshold(lambda lr, b: 38 / lr).status == "wrong"
    assert exercises.check_preconditioned_threshold(not_done).status == "not done yet"


def test_adamw_timescale():
    good = exercises.check_adamw_timescale(lambda lr, wd, b, n: b / (lr * wd * n))
    assert good.status == "correct", good.message
    assert exercises.check_adamw_timescale(lambda lr, wd, b, n: 1 / (lr * wd)).status == "wrong"
    assert exercises.check_adamw_timescale("no").status == "wrong"
