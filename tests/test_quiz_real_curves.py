"""Loss curves of real minibatch runs on the digits: the labelling rule on hand-made curves, the
runs it labels, and the bank file generated from them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lrlearn.quiz import RUN_LABELS, load_bank
from lrlearn.quiz.bank import BANK_DIR
from lrlearn.quiz.real_curves import (
    BANK_FILE,
    BANK_RUNS,
    SCENARIOS,
    bank_entries,
    check_run,
    label_run,
    train_run,
)
from lrlearn.quiz.render import curve_figure, text_plot

N = 100  # training steps of the hand-made curves
STEP = np.linspace(0, N, 21)
LR = np.full(N, 0.1)
BATCH = np.ones(N)


def curve(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def falling(start=2.3, end=0.1, rate=8.0) -> np.ndarray:
    return end + (start - end) * np.exp(-rate * STEP / N)


def test_rule_good_too_low_and_diverging():
    assert label_run(falling(), falling(end=0.12), LR, BATCH, STEP) == "good"
    slow = falling(end=1.5, rate=1.0)  # 2.3 -> 1.8: not halved
    assert slow[-1] > 0.5 * slow[0]
    assert label_run(slow, slow + 0.01, LR, BATCH, STEP) == "too_low"
    up = curve(np.linspace(2.3, 9.0, STEP.size))
    assert label_run(up, up, LR, BATCH, STEP) == "diverging"
    nan = falling()
    nan[10] = np.nan
    assert label_run(nan, falling(), LR, BATCH, STEP) == "diverging"


def test_rule_spike_needs_a_jump_and_a_recovery():
    base = falling()
    spiked = base.copy()
    spiked[10] = 3.5 * np.minimum.accumulate(base)[9]  # a jump of 3.5x the low so far
    assert label_run(spiked, falling(end=0.12), LR, BATCH, STEP) == "spike"
    small = base.copy()
    small[10] = 2.5 * np.minimum.accumulate(base)[9]  # under 3x: not a spike
    assert label_run(small, falling(end=0.12), LR, BATCH, STEP) == "good"
    stuck = base.copy()
    stuck[10:] = 3.5 * np.minimum.accumulate(base)[9]  # never comes back below 1.5x the low
    assert label_run(stuck, falling(end=0.12), LR, BATCH, STEP) != "spike"
    early = base.copy()
    early[1] = 5 * base[0]  # in the first tenth of the run: ignored (the start is noisy)
    assert label_run(early, falling(end=0.12), LR, BATCH, STEP) == "good"


def test_rule_rate_drop_needs_a_cut_and_a_fall():
    train = np.where(STEP <= 60, 0.5, 0.2)  # the loss at step 60 is before its update
    train[0] = 2.3
    lr = LR.copy()
    lr[60:] /= 10
    assert label_run(train, train + 0.02, lr, BATCH, STEP) == "rate_drop"
    assert label_run(train, train + 0.02, LR, BATCH, STEP) != "rate_drop"  # no cut in the rates
    small_cut = LR.copy()
    small_cut[60:] /= 4
    assert label_run(train, train + 0.02, small_cut, BATCH, STEP) != "rate_drop"
    flat = np.where(STEP <= 60, 0.5, 0.45)
    flat[0] = 2.3
    assert label_run(flat, flat + 0.02, lr, BATCH, STEP) != "rate_drop"  # a cut, no fall


def test_rule_overfitting():
    train = falling(end=0.01)
    val = falling(end=0.5)
    val[STEP > 40] = 0.5 + 0.01 * (STEP[STEP > 40] - 40)  # turns up to 1.1: 2.2x its minimum
    assert label_run(train, val, LR, BATCH, STEP) == "overfitting"
    mild = falling(end=0.5)
    mild[STEP > 40] = 0.5 + 0.0005 * (STEP[STEP > 40] - 40)  # ends 6 % above: not enough
    assert label_run(train, mild, LR, BATCH, STEP) == "good"
    late = falling(end=0.5)
    late[STEP > 80] = 0.5 + 0.05 * (STEP[STEP > 80] - 80)  # minimum after 70 % of the run
    assert label_run(train, late, LR, BATCH, STEP) == "good"


@pytest.mark.parametrize(("scenario", "seed"), BANK_RUNS)
def test_each_bank_run_shows_what_its_scenario_sets_up(scenario, seed):
    run = train_run(scenario, seed)
    assert run.label == scenario
    assert run.lr.size == run.batch_loss.size and run.step[-1] == run.lr.size
    assert run.train.size == run.val.size == run.step.size
    if scenario != "diverging":
        assert np.all(np.isfinite(run.train)) and np.all(np.isfinite(run.val))


def test_runs_are_seeded_and_cached():
    a = train_run("good", 0)
    assert train_run("good", 0) is a
    train_run.cache_clear()
    b = train_run("good", 0)
    assert b is not a and np.array_equal(a.train, b.train) and np.array_equal(a.val, b.val)
    assert not np.array_equal(train_run("good", 1).train, a.train)


def test_bad_run_specs():
    with pytest.raises(ValueError, match="unknown scenario 'lucky'"):
        check_run({"scenario": "lucky", "seed": 0})
    with pytest.raises(ValueError, match="'seed' must be an integer"):
        check_run({"scenario": "good", "seed": -1})
    with pytest.raises(TypeError, match="a run spec is"):
        check_run({"scenario": "good"})
    assert set(SCENARIOS) == set(RUN_LABELS)


def test_the_bank_file_is_what_the_code_generates():
    on_disk = json.loads((BANK_DIR / BANK_FILE).read_text(encoding="utf-8"))["questions"]
    assert on_disk == bank_entries()
    bank = load_bank()
    for entry in on_disk:
        q = bank.get(entry["id"])
        assert q.kind == "training" and q.label == train_run(**q.run).label == entry["answer"]
        assert q.choices[q.answer] == RUN_LABELS[q.label] and len(q.choices) == 4
        assert q.label.replace("_", "") not in (q.id + q.prompt).lower().replace("-", "")
        for other in q.labels:
            if other != q.label:  # every wrong option is explained
                assert f"Not {'a ' if other == 'spike' else ''}" in q.explanation


def test_training_questions_render_as_text_and_figure():
    number = BANK_RUNS.index(("overfitting", 0)) + 1
    q = load_bank().get(f"digits-run-{number:02d}")
    text = text_plot(q, width=50, height=10)
    assert "* training loss, o held-out loss" in text and "o" in text.splitlines()[0] + text
    fig = curve_figure(q)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert labels == ["minibatch loss", "training loss", "held-out loss"]
    run = train_run("overfitting", 0)
    assert list(fig.axes[0].get_lines()[2].get_ydata()) == list(run.val)
