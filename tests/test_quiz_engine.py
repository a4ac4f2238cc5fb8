"""Grading, Leitner boxes and sessions."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrlearn.quiz import (
    BOXES,
    INTERVALS_DAYS,
    EmptySelectionError,
    InvalidAnswer,
    ProgressStore,
    Session,
    grade,
    load_bank,
    parse_number,
)
from lrlearn.quiz.grading import correct_value, model_answer, parse_choice
from lrlearn.quiz.leitner import DAY, Card, cards_from_events, next_box

BANK = load_bank()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Nothing here may touch the user's real progress file."""
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path_factory.mktemp("lrlearn-data")))
NUMERIC = BANK.get("num-critical-5x2")  # 2 / 10
CHOICE = BANK.get("basics-update-rule")
RECALL = BANK.get("basics-what-is-lr")
CURVE = BANK.get("curve-sgd-diverging")


class Clock:
    def __init__(self, t: float = 1.7e9) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# --- parsing and grading ------------------------------------------------------------------------

@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_parse_number_round_trips(x):
    assert parse_number(repr(x)) == x
    assert parse_number(f"  {x:.6e} ") == pytest.approx(x, rel=1e-6)


@pytest.mark.parametrize(("text", "value"), [
    ("0.2", 0.2), ("2e-1", 0.2), ("1/5", 0.2), ("20%", 0.2), (".2", 0.2), ("+0.2", 0.2),
    ("1,000", 1000.0), ("-3", -3.0), ("\u22120.2", -0.2), (0.2, 0.2), (3, 3.0),
])
def test_parse_number_forms(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "0.2.3", "1/0", "1/", "e5", "nan", "inf", "0x10",
                                  None, True, [1]])
def test_parse_number_rejects_non_numbers(text):
    with pytest.raises(InvalidAnswer):
        parse_number(text)


def test_non_numeric_answer_message_is_clear():
    with pytest.raises(InvalidAnswer, match=r"'two' is not a number; type one like 0.2"):
        grade(NUMERIC, "two")


def test_grade_numeric_uses_the_computed_value_and_tolerance():
    target = correct_value(NUMERIC)
    assert target == pytest.approx(2 / 10)
    assert grade(NUMERIC, "0.2").correct
    assert grade(NUMERIC, "1/5").correct
    assert grade(NUMERIC, str(target * 1.009)).correct  # rel tolerance 1%
    assert not grade(NUMERIC, str(target * 1.02)).correct
    assert not grade(NUMERIC, "2").correct
    g = grade(NUMERIC, "0.4")
    assert g.expected == "0.2" and "2/10" in g.model_answer and "{value" not in g.model_answer


def test_grade_choice_and_curve_by_letter_or_index():
    right = chr(ord("a") + CHOICE.answer)
    assert grade(CHOICE, right).correct and grade(CHOICE, right.upper()).correct
    assert grade(CHOICE, CHOICE.answer).correct
    assert grade(CHOICE, f"{right})").correct and grade(CHOICE, f" {right}. ").correct
    wrong = (CHOICE.answer + 1) % len(CHOICE.choices)
    g = grade(CHOICE, wrong)
    assert not g.correct and g.expected.startswith(f"{right}) ")
    assert grade(CURVE, "a").correct  # 'diverging' is the first label
    for bad in ["z", "ab", "", ")", "a))x", 99, -1, True, None]:
        with pytest.raises(InvalidAnswer, match="answer with a letter from a to d"):
            parse_choice(CHOICE, bad)


def test_grade_recall_is_self_graded():
    assert grade(RECALL, "y").correct and grade(RECALL, True).correct
    assert not grade(RECALL, "n").correct and not grade(RECALL, False).correct
    with pytest.raises(InvalidAnswer, match="y or n"):
        grade(RECALL, "maybe")
    assert model_answer(RECALL) == RECALL.model_answer


# --- Leitner boxes ------------------------------------------------------------------------------

def test_next_box():
    assert [next_box(b, True) for b in range(BOXES + 1)] == [1, 2, 3, 4, 5, 5]
    assert all(next_box(b, False) == 1 for b in range(BOXES + 1))
    assert INTERVALS_DAYS == (1, 2, 4, 8, 16)


def test_cards_follow_the_boxes_and_intervals():
    t0 = 1e9
    events = [{"id": f"e{i}", "question": "q", "time": t0 + i * DAY * 20, "correct": ok}
              for i, ok in enumerate([True, True, True, False, True])]
    card = cards_from_events(events)["q"]
    assert (card.box, card.right, card.wrong) == (2, 4, 1)
    assert card.due == events[-1]["time"] + 2 * DAY
    assert not card.is_due(card.due - 1) and card.is_due(card.due)
    assert not Card("new").is_due(t0)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.booleans()), max_size=30), st.randoms())
def test_cards_do_not_depend_on_event_order(answers, rnd):
    events = [{"id": f"{i:03d}", "question": q, "time": 1000.0 + i, "correct": ok}
              for i, (q, ok) in enumerate(answers)]
    shuffled = events[:]
    rnd.shuffle(shuffled)
    assert cards_from_events(events) == cards_from_events(shuffled)
    for q in "abc":
        mine = [ok for qq, ok in answers if qq == q]
        if mine:
            box = 0
            for ok in mine:
                box = min(box + 1, 5) if ok else 1
            assert cards_from_events(events)[q].box == box


# --- sessions -----------------------------------------------------------------------------------

def _answer_right(session):
    q = session.next_question()
    if q.kind in ("choice", "curve"):
        return session.answer(q.answer)
    if q.kind == "numeric":
        return session.answer(str(correct_value(q)))
    return session.answer("y")


def test_session_draws_by_level_and_topic(tmp_path):
    s = Session(level="advanced", topic=["warmup", "one-cycle"], count=50,
                store=ProgressStore(data_dir=tmp_path))
    assert len(s) == len(BANK.select(level="advanced", topic=["warmup", "one-cycle"]))
    assert all(q.level == "advanced" and {"warmup", "one-cycle"} & set(q.topics)
               for q in s.questions)


def test_session_bad_filters(tmp_path):
    store = ProgressStore(data_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown topic 'lr-voodoo'"):
        Session(topic="lr-voodoo", store=store)
    with pytest.raises(ValueError, match="unknown level 'hard'"):
        Session(level="hard", store=store)
    with pytest.raises(EmptySelectionError, match="no question matches"):
        Session(level="basic", topic="edge-of-stability", kind="curve", store=store)
    with pytest.raises(ValueError, match="count must be >= 1, got 0"):
        Session(count=0, store=store)
    with pytest.raises(TypeError, match="count must be an integer"):
        Session(count="5", store=store)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        Session(seed=-1, store=store)
    with pytest.raises(TypeError, match=r"bank must be an lrlearn\.quiz\.Bank"):
        Session(bank=list(BANK), store=store)
    with pytest.raises(TypeError, match="store must be a ProgressStore or None"):
        Session(store="elsewhere")


def test_session_scores_records_and_schedules(tmp_path):
    clock = Clock()
    store = ProgressStore(data_dir=tmp_path)
    s = Session(topic="stability", count=4, store=store, clock=clock, seed=1)
    g1 = _answer_right(s)
    q2 = s.next_question()
    if q2.kind == "recall":
        g2 = s.answer("n")
    elif q2.kind == "numeric":
        g2 = s.answer("12345")
    else:
        g2 = s.answer((q2.answer + 1) % len(q2.choices))
    assert g1.correct and not g2.correct
    # a malformed answer records nothing and keeps the question
    q3 = s.next_question()
    with pytest.raises(InvalidAnswer):
        s.answer("not a number" if q3.kind == "numeric" else "zz")
    assert s.next_question() is q3
    s.skip()
    assert str(s.score) == "1 of 2 right (50%), 1 skipped" and s.score.missed == [q2.id]
    cards = store.cards()
    assert set(cards) == {g1.question.id, q2.id}
    assert cards[g1.question.id].box == 1 and cards[q2.id].box == 1
    assert cards[q2.id].due == clock.t + DAY
    assert len(store.events()) == 2


def test_due_first_then_new_and_due_only(tmp_path):
    clock = Clock()
    store = ProgressStore(data_dir=tmp_path)
    pool = BANK.select(topic="warmup")
    ids = [q.id for q in pool]
    # one answered wrong (due tomorrow), one answered right twice (box 2: due in 2 days)
    store.record(ids[0], False, when=clock.t)
    store.record(ids[1], True, when=clock.t - 3 * DAY)
    store.record(ids[1], True, when=clock.t)
    with pytest.raises(EmptySelectionError, match="no question is due for review; the next"):
        Session(topic="warmup", due_only=True, store=store, clock=clock)
    clock.t += DAY + 1
    s = Session(topic="warmup", due_only=True, store=store, clock=clock)
    assert [q.id for q in s.questions] == [ids[0]]
    s = Session(topic="warmup", count=None, store=store, clock=clock)
    order = [q.id for q in s.questions]
    assert order[0] == ids[0] and order[-1] == ids[1]  # due first, not-yet-due last
    assert sorted(order[1:-1]) == sorted(ids[2:])  # new ones in between
    clock.t += DAY
    s = Session(topic="warmup", due_only=True, store=store, clock=clock)
    assert [q.id for q in s.questions] == [ids[0], ids[1]]  # longest overdue first


def test_session_is_seeded_and_can_run_without_a_store():
    a = Session(level="basic", count=10, store=None, seed=3)
    b = Session(level="basic", count=10, store=None, seed=3)
    c = Session(level="basic", count=10, store=None, seed=4)
    assert a.questions == b.questions and a.questions != c.questions
    while not a.finished:
        _answer_right(a)
    assert a.score.right == 10 and a.next_question() is None
    with pytest.raises(RuntimeError, match="session is over"):
        a.answer("a")


def test_wrong_answer_goes_back_to_box_one(tmp_path):
    clock = Clock()
    store = ProgressStore(data_dir=tmp_path)
    qid = CHOICE.id
    for _ in range(4):
        store.record(qid, True, when=clock.t)
        clock.t += 30 * DAY
    assert store.cards()[qid].box == 4
    s = Session(bank=BANK.select(topic="basics", kind="choice"), count=None, store=store,
                clock=clock)
    while s.next_question().id != qid:
        s.skip()
    s.answer((CHOICE.answer + 1) % len(CHOICE.choices))
    card = store.cards()[qid]
    assert card.box == 1 and card.due == clock.t + DAY and card.wrong == 1


def test_random_sessions_never_lose_answers(tmp_path):
    rng = random.Random(0)
    store = ProgressStore(data_dir=tmp_path)
    total = 0
    for seed in range(3):
        s = Session(count=8, store=store, seed=seed)
        while not s.finished:
            if rng.random() < 0.2:
                s.skip()
                continue
            _answer_right(s) if rng.random() < 0.5 else s.answer(
                "n" if s.next_question().kind == "recall" else
                "1e9" if s.next_question().kind == "numeric" else 0)
            total += 1
    assert len(store.events()) == total


def test_quiz_and_terminal_need_neither_torch_nor_matplotlib():
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import io, sys\n"
        "import lrlearn.quiz, lrlearn.cli\n"
        "from lrlearn.quiz import Session\n"
        "from lrlearn.quiz.terminal import run_terminal_quiz\n"
        "s = Session(kind='curve', count=2, store=None)\n"
        "out = io.StringIO()\n"
        "run_terminal_quiz(s, read=lambda prompt: 'a', out=out, width=80)\n"
        "assert 'Score:' in out.getvalue()\n"
        "print(sorted(m for m in ('torch', 'matplotlib') if m in sys.modules))\n"
    )
    repo = Path(__file__).resolve().parents[1]
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=repo, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@given(st.lists(st.one_of(st.none(), st.floats(-10 * DAY, 10 * DAY)), min_size=1, max_size=25),
       st.integers(0, 3), st.integers(1, 30))
def test_draw_orders_due_then_new_then_later(dues, seed, count):
    from lrlearn.quiz.session import draw

    now = 1e9
    pool = list(BANK)[: len(dues)]
    cards = {q.id: Card(q.id, box=1, due=now + d) for q, d in zip(pool, dues, strict=True)
             if d is not None}
    order = draw(pool, cards, count=None, now=now, seed=seed)
    assert sorted(q.id for q in order) == sorted(q.id for q in pool)
    kinds = ["due" if q.id in cards and cards[q.id].due <= now else
             "new" if q.id not in cards else "later" for q in order]
    assert kinds == sorted(kinds, key=["due", "new", "later"].index)
    due_times = [cards[q.id].due for q, k in zip(order, kinds, strict=True) if k != "new"]
    assert due_times == sorted(due_times)
    assert draw(pool, cards, count=count, now=now, seed=seed) == order[:count]
    only = draw(pool, cards, count=None, now=now, due_only=True, seed=seed)
    assert only == [q for q, k in zip(order, kinds, strict=True) if k == "due"]


def test_terminal_survives_a_progress_file_that_cannot_be_written(tmp_path, monkeypatch):
    import io

    from lrlearn.quiz.terminal import run_terminal_quiz

    store = ProgressStore(data_dir=tmp_path)
    s = Session(bank=BANK.select(topic="basics", kind="choice"), count=2, store=store)
    fail = {"n": 1}
    real = store.record

    def flaky(*args, **kwargs):
        if fail["n"]:
            fail["n"] -= 1
            raise PermissionError(13, "Permission denied", str(store.path))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "record", flaky)
    answers = iter([chr(97 + q.answer) for q in s.questions for _ in range(2)])
    out = io.StringIO()
    score = run_terminal_quiz(s, read=lambda prompt: next(answers), out=out, width=100)
    text = out.getvalue()
    assert "Could not save this answer ([Errno 13] Permission denied" in text
    # the failed attempt was not counted; its retry and the second question were saved
    assert score.answered == 2 and score.right == 2 and len(store.events()) == 2
