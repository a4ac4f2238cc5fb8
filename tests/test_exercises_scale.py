"""The notebook 14 exercise checkers: a right answer passes, typical mistakes fail with a message,
an unfinished one is "not done yet", and nothing raises."""

from __future__ import annotations

import math

import pytest

from lrlearn import exercises


def wsd(t, base_lr, total_steps, decay_steps):
    c = total_steps - decay_steps
    return base_lr if t < c else base_lr * (1 - (t - c + 1) / decay_steps)


def wsd_sqrt(t, base_lr, total_steps, decay_steps):
    c = total_steps - decay_steps
    return base_lr if t < c else base_lr * (1 - math.sqrt((t - c + 1) / decay_steps))


def wsd_off_by_one(t, base_lr, total_steps, decay_steps):
    c = total_steps - decay_steps
    return base_lr if t < c else base_lr * (1 - (t - c) / decay_steps)


def not_done(*args):
    raise NotImplementedError


def test_check_wsd():
    assert exercises.check_wsd(wsd).passed
    assert exercises.check_wsd(wsd_sqrt, decay="1-sqrt").passed
    assert not exercises.check_wsd(wsd, decay="1-sqrt").passed
    report = exercises.check_wsd(wsd_off_by_one)
    assert report.status == "wrong" and "t=" in report.message
    assert exercises.check_wsd(not_done).status == "not done yet"
    assert exercises.check_wsd(lambda *a: 1 / 0).status == "wrong"


def mup_lr(layer, lr, width, base_width):
    return lr * base_width / width if layer == "hidden" else lr


@pytest.mark.parametrize(
    ("fn", "status"),
    [
        (mup_lr, "correct"),
        (lambda layer, lr, width, base_width: lr, "wrong"),  # SP: one rate everywhere
        (lambda layer, lr, width, base_width: lr * base_width / width, "wrong"),  # every layer
        (not_done, "not done yet"),
    ],
)
def test_check_mup_lr(fn, status):
    pytest.importorskip("torch")
    assert exercises.check_mup_lr(fn).status == status
