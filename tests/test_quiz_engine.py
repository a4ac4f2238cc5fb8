"""Grading, shuffling, FSRS scheduling and sessions."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrlearn.quiz import (
    AGAIN,
    EASY,
    GOOD,
    HARD,
    EmptySelectionError,
    InvalidAnswer,
    NothingDue,
    ProgressStore,
    Session,
    grade,
    load_bank,
    parse_number,
    shuffled_order,
)
from lrlearn.quiz.bank import Bank
from lrlearn.quiz.grading import correct_value, model_answer, parse_choice, parse_rating
from lrlearn.quiz.scheduling import DAY, Card, cards_from_events, retrievability, scheduler
from lrlearn.quiz.schema import validate_entry
from lrlearn.quiz.session import REASK_GAP, draw, learner_level

BANK = load_bank()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Nothing here may touch the user's real progress file."""
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path_factory.mktemp("lrlearn-data")))


def _entry(**over):
    base = {
        "id": "t-1",
        "kind": "choice",
        "level": "basic",
        "topics": ["basics"],
        "prompt": "P?",
        "model_answer": "M.",
        "explanation": "E.",
        "notebook": "00_how_to_use",
        "choices": ["w", "x", "y", "z"],
        "answer": 2,
    }
    base.update(over)
    return validate_entry(base, "t.json")


CHOICE = _entry()


def _numeric(**over):
    """0.01 * 0.95 ** 20 = 0.0035848592..., printed by the model answer at 3 figures."""
    entry = {
        "id": "t-num",
        "kind": "numeric",
        "level": "basic",
        "topics": ["schedules"],
        "prompt": "P?",
        "model_answer": "0.01 x 0.95^20 = {value:.3g}.",
        "explanation": "E.",
        "notebook": "03_schedules",
        "compute": {
            "compute": "exponential_lr",
            "args": {"base_lr": 0.01, "gamma": 0.95, "epoch": 20},
        },
        "tolerance": {"rel": 0.002},
    }
    entry.update(over)
    return validate_entry(entry, "t.json")


NUMERIC = _numeric()
RECALL = validate_entry(
    {
        "id": "t-rec",
        "kind": "recall",
        "level": "basic",
        "topics": ["basics"],
        "prompt": "P?",
        "model_answer": "M.",
        "explanation": "E.",
        "notebook": "00_how_to_use",
        "key_points": ["one", "two", "three"],
    },
    "t.json",
)


class Clock:
    def __init__(self, t: float = 1.7e9) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


# --- parsing ------------------------------------------------------------------------------------


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
def test_parse_number_round_trips(x):
    assert parse_number(repr(x)) == x
    assert parse_number(f"  {x:.6e} ") == pytest.approx(x, rel=1e-6)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.2", 0.2),
        ("2e-1", 0.2),
        ("1/5", 0.2),
        ("20%", 0.2),
        (".2", 0.2),
        ("+0.2", 0.2),
        ("1,000", 1000.0),
        ("-3", -3.0),
        ("\u22120.2", -0.2),
        (0.2, 0.2),
        (3, 3.0),
        ("1e400/1e399", 10.0),
        ("1e-400", 0.0),
    ],
)
def test_parse_number_forms(text, value):
    assert parse_number(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text", ["", "abc", "0.2.3", "1/0", "1/", "e5", "nan", "inf", "0x10", None, True, [1]]
)
def test_parse_number_rejects_non_numbers(text):
    with pytest.raises(InvalidAnswer):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1e99999999/1", "too large or too small"),  # used to hang building a 10^99999999 integer
        ("1/1e-400", "too large or too small"),  # used to end the quiz with an OverflowError
        ("1e401", "too large or too small"),
        ("9" * 400, "at most 64"),
        ("1" * 64 + "e5", "at most 64"),
    ],
)
def test_parse_number_is_bounded(text, message):
    with pytest.raises(InvalidAnswer, match=message) as info:
        parse_number(text)
    assert "\n" not in str(info.value) and len(str(info.value)) < 120  # one line at the prompt


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_a_number_or_a_one_line_reply(text):
    try:
        assert math.isfinite(parse_number(text))
    except InvalidAnswer as exc:
        assert "\n" not in str(exc)


def test_non_numeric_answer_message_is_clear():
    with pytest.raises(InvalidAnswer, match=r"'two' is not a number; type one like 0.2"):
        grade(NUMERIC, "two")


# --- numeric grading ----------------------------------------------------------------------------


def test_numeric_accepts_the_printed_value_and_three_significant_figures():
    target = 0.01 * 0.95**20
    assert correct_value(NUMERIC) == pytest.approx(target, rel=1e-12)
    assert model_answer(NUMERIC) == "0.01 x 0.95^20 = 0.00358."
    # 0.00358 is 0.13% off, inside 0.2%; the rule must hold with a tighter band too
    tight = _numeric(tolerance={"rel": 1e-4})
    for q in (NUMERIC, tight):
        assert grade(q, "0.00358").correct  # the model answer's printed value
        assert grade(q, "3.58e-3").correct and grade(q, "0.358%").correct
        assert grade(q, f"{target:.8f}").correct
    assert not grade(tight, "0.003587").correct  # 4 figures, and wrong at the 4th
    # six significant figures printed: accepted, and so is the 3-figure rounding
    six = _numeric(model_answer="It is {value}.", tolerance={"rel": 1e-5})
    assert grade(six, "0.00358486").correct and grade(six, "0.00358").correct
    assert not grade(six, "0.0036").correct


def test_numeric_near_miss_says_how_far_off_and_what_counts():
    g = grade(NUMERIC, "0.00376")
    assert not g.correct
    assert g.note.startswith("You are 4.89% too high") and "within 0.2% of 0.00358486" in g.note
    low = grade(NUMERIC, "0.0018")
    assert "49.8% too low" in low.note
    far = grade(NUMERIC, "1")
    assert "about 279 times the answer" in far.note
    assert grade(NUMERIC, "-0.00358").note.startswith("Your answer has the wrong sign")
    assert grade(NUMERIC, "0.00358").note == ""


def test_grade_numeric_uses_the_computed_value_and_tolerance():
    q = BANK.get("num-critical-5x2")
    target = correct_value(q)
    assert target == pytest.approx(2 / 10)
    assert grade(q, "0.2").correct and grade(q, "1/5").correct
    assert not grade(q, "2").correct
    g = grade(q, "0.4")
    assert g.expected == "0.2" and "{value" not in g.model_answer and g.rating == AGAIN


# --- choices and shuffling ----------------------------------------------------------------------


def test_letters_refer_to_the_order_shown():
    order = (3, 2, 0, 1)  # a) z, b) y, c) w, d) x; the answer (index 2, "y") is b)
    g = grade(CHOICE, "b", order)
    assert g.correct and g.expected == "b) y" and g.order == order and g.chosen == 2
    assert g.rating == GOOD
    miss = grade(CHOICE, "a", order)
    assert not miss.correct and miss.chosen == 3 and miss.response == "a"
    assert miss.rating == AGAIN and miss.expected == "b) y"
    assert grade(CHOICE, 2, order).correct  # an int is the bank index, whatever the order
    assert grade(CHOICE, "B)", order).correct and grade(CHOICE, " b. ", order).correct
    assert grade(CHOICE, "b", order, again_in_sitting=True).rating == HARD
    for bad in ["z", "ab", "", ")", "a))x", 99, -1, True, None]:
        with pytest.raises(InvalidAnswer, match="answer with a letter from a to d"):
            parse_choice(CHOICE, bad, order)


def test_shuffle_is_a_seeded_permutation_that_changes_per_presentation():
    orders = {shuffled_order(CHOICE, seed, k) for seed in range(5) for k in range(5)}
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders) and len(orders) > 10
    assert shuffled_order(CHOICE, 7, 2) == shuffled_order(CHOICE, 7, 2)
    assert shuffled_order(RECALL, 0, 0) == ()


def test_every_position_is_equally_likely_for_the_answer():
    from scipy.stats import chisquare

    counts = np.zeros(4)
    for seed in range(2000):
        counts[shuffled_order(CHOICE, seed, 0).index(CHOICE.answer)] += 1
    assert chisquare(counts).pvalue > 1e-3, counts


def _binomial_band(p: float, n: int) -> tuple[float, float]:
    sd = math.sqrt(p * (1 - p) / n)
    return p - 4 * sd, p + 4 * sd


def _test_wise_score(pick, seeds=range(4)):
    pool = BANK.select(kind=["choice", "curve"])
    right, chance, n = 0, 0.0, 0
    for seed in seeds:
        s = Session(pool, count=None, store=None, seed=seed, reask=False)
        while not s.finished:
            q = s.next_question()
            shown = [q.choices[i] for i in s.order]
            right += s.answer(pick(shown)).correct
            chance += 1 / len(shown)
            n += 1
    return right / n, chance / n, n


def test_always_a_scores_near_chance():
    score, chance, n = _test_wise_score(lambda shown: "a")
    lo, hi = _binomial_band(chance, n)
    assert lo <= score <= hi, (score, chance, n)


def _longest(shown):
    return chr(ord("a") + int(np.argmax([len(c) for c in shown])))


def test_always_the_longest_scores_near_chance():
    """Shuffling removes the position cue; the length cue is the bank's (tests/test_quiz_bank)."""
    score, chance, n = _test_wise_score(_longest)
    lo, hi = _binomial_band(chance, n)
    assert lo <= score <= hi, (score, chance, n)


# --- recall -------------------------------------------------------------------------------------


def test_recall_is_self_rated():
    assert parse_rating("again") == AGAIN and parse_rating("Hard") == HARD
    assert parse_rating("3") == GOOD and parse_rating("e") == EASY and parse_rating(4) == EASY
    assert parse_rating("y") == GOOD and parse_rating(False) == AGAIN and parse_rating(True) == GOOD
    g = grade(RECALL, "hard")
    assert g.correct and g.rating == HARD and g.response == "hard"
    assert not grade(RECALL, "1").correct
    with pytest.raises(InvalidAnswer, match="again, hard, good or easy"):
        grade(RECALL, "maybe")
    assert model_answer(RECALL) == RECALL.model_answer


# --- FSRS ---------------------------------------------------------------------------------------

W = scheduler().parameters


@pytest.mark.parametrize("rating", [AGAIN, HARD, GOOD, EASY])
def test_first_answer_starts_at_fsrs_initial_stability(rating):
    """FSRS-6: a new card's stability after its first rating r is w[r - 1]; the next interval is
    the time at which recall falls to 90 %, i.e. the stability in days, at least one day."""
    t0 = 1.7e9
    card = cards_from_events(
        [{"id": "e", "question": "q", "time": t0, "correct": rating > 1, "rating": rating}]
    )["q"]
    assert card.stability == pytest.approx(W[rating - 1])
    assert card.due - t0 == pytest.approx(max(1, round(W[rating - 1])) * DAY)
    assert card.recall_probability(t0 + card.stability * DAY) == pytest.approx(0.9)


def test_a_right_first_answer_waits_longer_than_a_miss():
    t0 = 1.7e9
    right = cards_from_events([{"id": "a", "question": "q", "time": t0, "correct": True}])["q"]
    wrong = cards_from_events([{"id": "a", "question": "q", "time": t0, "correct": False}])["q"]
    assert right.due > wrong.due and right.last_rating == GOOD and wrong.last_rating == AGAIN


def test_forgetting_curve_closed_form():
    decay = -W[20]
    factor = 0.9 ** (1 / decay) - 1
    for s, t in [(1.0, 0.0), (2.3, 2.3), (10.0, 3.0), (5.0, 50.0)]:
        assert retrievability(s, t) == pytest.approx((1 + factor * t / s) ** decay)
    assert retrievability(7.0, 7.0) == pytest.approx(0.9)


def test_replay_matches_fsrs_reviewed_by_hand():
    import fsrs

    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ratings, gaps = [3, 3, 1, 2, 4, 3], [0, 2, 9, 1, 3, 20]
    events, card, t = [], fsrs.Card(card_id=1, due=t0), t0
    for i, (r, gap) in enumerate(zip(ratings, gaps, strict=True)):
        t = t + timedelta(days=gap)
        card, _ = scheduler().review_card(card, fsrs.Rating(r), review_datetime=t)
        events.append(
            {"id": f"e{i}", "question": "q", "time": t.timestamp(), "correct": r > 1, "rating": r}
        )
    mine = cards_from_events(events)["q"]
    assert mine.due == pytest.approx(card.due.timestamp())
    assert mine.stability == pytest.approx(card.stability)
    assert mine.difficulty == pytest.approx(card.difficulty)
    assert (mine.right, mine.wrong, mine.lapses) == (5, 1, 1)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(1, 4)), max_size=30), st.randoms())
def test_cards_do_not_depend_on_event_order(answers, rnd):
    events = [
        {"id": f"{i:03d}", "question": q, "time": 1000.0 + i * 5000, "correct": r > 1, "rating": r}
        for i, (q, r) in enumerate(answers)
    ]
    shuffled = events[:]
    rnd.shuffle(shuffled)
    assert cards_from_events(events) == cards_from_events(shuffled)


def test_old_events_without_a_rating_count_as_good_or_again():
    old = [
        {"id": "1", "question": "q", "time": 1e9, "correct": True},
        {"id": "2", "question": "q", "time": 1e9 + 3 * DAY, "correct": False},
    ]
    new = [{**old[0], "rating": GOOD}, {**old[1], "rating": AGAIN}]
    assert cards_from_events(old) == cards_from_events(new)


# --- sessions -----------------------------------------------------------------------------------


def _answer_right(session):
    q = session.next_question()
    if q.choices:
        return session.answer(q.answer)
    if q.kind == "numeric":
        return session.answer(str(correct_value(q)))
    return session.answer("good")


def _answer_wrong(session):
    q = session.next_question()
    if q.choices:
        return session.answer((q.answer + 1) % len(q.choices))
    if q.kind == "numeric":
        return session.answer("12345")
    return session.answer("again")


def test_session_draws_by_level_and_topic(tmp_path):
    s = Session(
        level="advanced",
        topic=["warmup", "one-cycle"],
        count=50,
        store=ProgressStore(data_dir=tmp_path),
    )
    assert len(s) == len(BANK.select(level="advanced", topic=["warmup", "one-cycle"]))
    assert all(
        q.level == "advanced" and {"warmup", "one-cycle"} & set(q.topics) for q in s.questions
    )


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
    with pytest.raises(TypeError, match=r"bank must be a Bank or None, got \[Question"):
        Session(bank=list(BANK), store=store)
    with pytest.raises(TypeError, match="store must be a ProgressStore or None"):
        Session(store="elsewhere")


def test_the_order_shown_is_saved_with_the_answer(tmp_path):
    store = ProgressStore(data_dir=tmp_path)
    s = Session(BANK.select(kind="choice"), count=3, store=store, seed=5)
    shown = []
    while not s.finished:
        shown.append(s.order)
        s.answer("c")
    events = store.events()
    assert [tuple(e["order"]) for e in events] == shown
    for e, g in zip(events, s.grades, strict=True):
        assert e["response"] == "c" and e["rating"] == g.rating
        assert g.chosen == e["order"][2]  # c) is the third option shown


def test_a_miss_comes_back_later_in_the_sitting_with_a_new_order(tmp_path):
    clock = Clock()
    store = ProgressStore(data_dir=tmp_path)
    pool = BANK.select(kind="choice", level="basic")
    s = Session(pool, count=6, store=store, seed=2, clock=clock)
    first = s.next_question()
    first_order = s.order
    _answer_wrong(s)
    assert len(s) == 7 and s.questions[1 + REASK_GAP] is first
    for _ in range(REASK_GAP):
        clock.t += 60
        assert not s.is_reask
        _answer_right(s)
    clock.t += 60
    assert s.next_question() is first and s.is_reask
    orders = {first_order, s.order}
    g = _answer_right(s)
    assert g.rating == HARD  # right, but only after a miss this sitting
    assert len(orders) == 2 or len(first.choices) < 3
    assert [e["rating"] for e in store.events() if e["question"] == first.id] == [AGAIN, HARD]
    assert s.score.missed == [first.id]


def test_reasks_are_bounded(tmp_path):
    s = Session(BANK.select(kind="choice"), count=1, store=None, seed=0)
    qid = s.next_question().id
    while not s.finished:
        _answer_wrong(s)
    assert [g.question.id for g in s.grades] == [qid] * 3  # asked, then again twice


def test_new_learners_start_at_basic_and_move_up(tmp_path):
    clock = Clock()
    store = ProgressStore(data_dir=tmp_path)
    s = Session(count=10, store=store, seed=0, clock=clock)
    assert {q.level for q in s.questions} == {"basic"}
    basic = [q for q in BANK if q.level == "basic"]
    for q in basic[:5]:
        store.record(q.id, True, when=clock.t - 3600)  # not due again yet
    assert learner_level(BANK, store.cards()) == "intermediate"
    s = Session(count=5, store=store, seed=0, clock=clock)
    assert {q.level for q in s.questions} == {"intermediate"}
    for q in basic[5:7]:
        store.record(q.id, False, when=clock.t - 60)  # 5 of 7 right: under 80 %
    assert learner_level(BANK, store.cards()) == "basic"
    s = Session(level="advanced", count=3, store=store, seed=0, clock=clock)  # asked for
    assert {q.level for q in s.questions} == {"advanced"}


def test_due_first_then_new_and_due_only(tmp_path):
    clock = Clock()
    store = ProgressStore(data_dir=tmp_path)
    pool = BANK.select(topic="warmup")
    ids = [q.id for q in pool]
    store.record(ids[0], False, when=clock.t)  # Again: due in a day
    store.record(ids[1], True, when=clock.t - 3 * DAY)
    store.record(ids[1], True, when=clock.t)  # Good twice: due in more than two days
    with pytest.raises(NothingDue, match="no question is due for review; the next") as info:
        Session(topic="warmup", due_only=True, store=store, clock=clock)
    assert info.value.next_due == store.cards()[ids[0]].due
    clock.t += DAY + 1
    s = Session(topic="warmup", due_only=True, store=store, clock=clock)
    assert [q.id for q in s.questions] == [ids[0]]
    s = Session(topic="warmup", count=None, store=store, clock=clock)
    order = [q.id for q in s.questions]
    assert order[0] == ids[0] and order[-1] == ids[1]
    assert sorted(order[1:-1]) == sorted(ids[2:])
    clock.t = store.cards()[ids[1]].due + 1
    s = Session(topic="warmup", due_only=True, store=store, clock=clock)
    assert [q.id for q in s.questions] == [ids[0], ids[1]]  # longest overdue first


def test_session_is_seeded_and_can_run_without_a_store():
    a = Session(level="basic", count=10, store=None, seed=3)
    b = Session(level="basic", count=10, store=None, seed=3)
    c = Session(level="basic", count=10, store=None, seed=4)
    assert a.questions == b.questions and a.questions != c.questions
    assert a.order == b.order
    while not a.finished:
        _answer_right(a)
    assert a.score.right == 10 and a.next_question() is None
    with pytest.raises(RuntimeError, match="session is over"):
        a.answer("a")


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
            _answer_right(s) if rng.random() < 0.5 else _answer_wrong(s)
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
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=repo, timeout=120
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@given(
    st.lists(st.one_of(st.none(), st.floats(-10 * DAY, 10 * DAY)), min_size=1, max_size=25),
    st.integers(0, 3),
    st.integers(1, 30),
)
def test_draw_orders_due_then_new_then_later(dues, seed, count):
    now = 1e9
    pool = list(BANK)[: len(dues)]
    cards = {
        q.id: Card(q.id, due=now + d, last=now - DAY, last_rating=GOOD)
        for q, d in zip(pool, dues, strict=True)
        if d is not None
    }
    order = draw(pool, cards, count=None, now=now, seed=seed)
    assert sorted(q.id for q in order) == sorted(q.id for q in pool)
    kinds = [
        "due"
        if q.id in cards and cards[q.id].due <= now
        else "new"
        if q.id not in cards
        else "later"
        for q in order
    ]
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
    s = Session(
        bank=Bank(tuple(BANK.select(topic="basics", kind="choice"))[:2]), count=2, store=store
    )
    fail = {"n": 1}
    real = store.record

    def flaky(*args, **kwargs):
        if fail["n"]:
            fail["n"] -= 1
            raise PermissionError(13, "Permission denied", str(store.path))
        return real(*args, **kwargs)

    monkeypatch.setattr(store, "record", flaky)

    def right_letter(prompt):
        return chr(ord("a") + s.order.index(s.next_question().answer))

    out = io.StringIO()
    score = run_terminal_quiz(s, read=right_letter, out=out, width=100)
    text = out.getvalue()
    assert "Could not save this answer ([Errno 13] Permission denied" in text
    assert score.answered == 2 and score.right == 2 and len(store.events()) == 2


def test_terminal_shows_the_id_only_after_the_answer():
    import io

    from lrlearn.quiz.terminal import run_terminal_quiz

    q = BANK.select(kind="choice")[0]
    s = Session(Bank((q,)), count=1, store=None, seed=0)
    out = io.StringIO()
    lines = []

    def read(prompt):
        lines.append(out.getvalue())
        return "a"

    run_terminal_quiz(s, read=read, out=out, width=100)
    assert q.id not in lines[0] and q.id in out.getvalue()
    shown = [q.choices[i] for i in shuffled_order(q, 0, 0)]
    assert lines[0].index(f"a) {shown[0][:20]}") < lines[0].index(f"b) {shown[1][:20]}")
