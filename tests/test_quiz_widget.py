"""The notebook quiz widget, driven by setting values and clicking its buttons."""

from __future__ import annotations

import pytest

from lrlearn.quiz import ProgressStore, Session, load_bank, shuffled_order
from lrlearn.quiz.grading import correct_value, format_value
from lrlearn.quiz.scheduling import DAY
from lrlearn.widgets.quiz import QuizWidget, progress_figure, quiz_widget

BANK = load_bank()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Nothing here may touch the user's real progress file."""
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path_factory.mktemp("lrlearn-data")))


def widget_for(ids, tmp_path):
    bank = type(BANK)(tuple(BANK.get(i) for i in ids))
    store = ProgressStore(data_dir=tmp_path)
    # one new question per id, in the order given (draw shuffles new ones: read the order back)
    return QuizWidget(Session(bank, count=None, store=store, seed=0)), store


def _answer(widget, right=True):
    q = widget.question
    if q.choices:
        widget.choices.value = q.answer if right else (q.answer + 1) % len(q.choices)
        widget.check_button.click()
    elif q.kind == "numeric":
        widget.number.value = format_value(correct_value(q)) if right else "123456"
        widget.check_button.click()
    else:
        widget.reveal_button.click()
        (widget.got_it_button if right else widget.missed_button).click()
    return q


def test_a_whole_session(tmp_path):
    ids = ["basics-update-rule", "num-critical-5x2", "basics-what-is-lr", "curve-sgd-good"]
    widget, store = widget_for(ids, tmp_path)
    answered = []
    for k in range(4):
        assert f"Question {k + 1} of " in widget.header.value
        q = widget.question
        assert q.id not in widget.header.value + widget.prompt.value  # no id before answering
        if q.kind == "curve":
            assert widget.image in widget.children and widget.image.value[:4] == b"\x89PNG"
        if q.choices:  # the options in the session's shuffled order, lettered as shown
            order = widget.session.order
            assert [v for _, v in widget.choices.options] == list(order)
            assert [label[:3] for label, _ in widget.choices.options] == [
                "a) ",
                "b) ",
                "c) ",
                "d) ",
            ][: len(order)]
        answered.append((_answer(widget, right=k % 2 == 0).id, k % 2 == 0))
        assert widget.next_button in widget.children
        assert ("Right" in widget.feedback.value or "Rated Good" in widget.feedback.value) == (
            k % 2 == 0
        )
        assert "Why." in widget.feedback.value and q.id in widget.feedback.value
        widget.next_button.click()
    # the two misses came back later in the sitting; answer them right
    while widget.question is not None:
        assert "again (missed earlier)" in widget.header.value
        answered.append((_answer(widget, right=True).id, True))
        widget.next_button.click()
    assert "Done." in widget.header.value and "4 of 6 right" in widget.prompt.value
    widget.progress_button.click()
    assert widget.progress_image in widget.children
    assert widget.progress_image.value[:4] == b"\x89PNG"
    events = store.events()
    assert [(e["question"], e["correct"]) for e in events] == answered


def test_options_are_shuffled_per_presentation(tmp_path):
    q = BANK.get("basics-update-rule")
    orders = set()
    for seed in range(6):
        w_ = QuizWidget(Session(type(BANK)((q,)), count=None, store=None, seed=seed))
        orders.add(tuple(v for _, v in w_.choices.options))
        assert orders >= {shuffled_order(q, seed, 0)}
    assert len(orders) > 2


def test_recall_takes_four_ratings(tmp_path):
    widget, store = widget_for(["basics-what-is-lr"], tmp_path)
    widget.reveal_button.click()
    assert all(b in widget.children[3].children for b in widget.rating_buttons.values())
    widget.rating_buttons[2].click()  # Hard
    assert "Rated Hard." in widget.feedback.value
    assert [e["rating"] for e in store.events()] == [2]


def test_progress_figure_plots_accuracy_and_retention_over_time(tmp_path):
    store = ProgressStore(data_dir=tmp_path)
    t0 = 1.7e9
    q1, q2 = "basics-update-rule", "num-critical-5x2"
    for day, qid, ok in [
        (0, q1, True),
        (0, q2, False),
        (3, q1, True),
        (3, q2, True),
        (9, q1, False),
    ]:
        store.record(qid, ok, when=t0 + day * DAY + (60 if qid == q2 else 0))
    fig = progress_figure(store, now=t0 + 10 * DAY)
    a1, a2, a3 = fig.axes
    answers = [p.get_height() for p in a1.patches[:10]]
    assert answers == [2, 0, 0, 2, 0, 0, 0, 0, 0, 1]
    line = a2.get_lines()[0]  # then the 90 % target line
    # reviews (answers days after the previous one): day 3 both right, day 9 the one missed
    assert list(line.get_xdata()) == [3, 9] and list(line.get_ydata()) == [100.0, 0.0]
    assert [t.get_text() for t in a3.get_xticklabels()] == ["basic", "intermediate", "advanced"]


def test_invalid_numeric_answer_keeps_the_question_and_saves_nothing(tmp_path):
    widget, store = widget_for(["num-critical-5x2"], tmp_path)
    widget.number.value = "a lot"
    widget.check_button.click()
    assert "not a number" in widget.feedback.value
    assert widget.question.id == "num-critical-5x2" and store.events() == []
    widget.number.value = "0.2"
    widget.check_button.click()
    assert "Right" in widget.feedback.value and len(store.events()) == 1


def test_choice_without_selection_and_skip(tmp_path):
    widget, store = widget_for(["basics-update-rule", "sched-step-decay"], tmp_path)
    first = widget.question.id
    widget.check_button.click()
    assert "Pick one of the options" in widget.feedback.value and store.events() == []
    widget.skip_button.click()
    assert widget.question.id != first and "Question 2 of 2" in widget.header.value
    _answer(widget, right=False)
    assert "Not quite" in widget.feedback.value and "Model answer." in widget.feedback.value
    assert store.cards()[widget.session.grades[0].question.id].last_rating == 1


def test_quiz_widget_function_and_bad_input(tmp_path):
    widget = quiz_widget(level="basic", topic="basics", count=3, store=None)
    assert len(widget.session) == 3 and widget.session.store is None
    with pytest.raises(ValueError, match="unknown topic 'nope'"):
        quiz_widget(topic="nope", store=None)
    with pytest.raises(TypeError, match=r"session must be a Session, got 'not a session' \(str\)"):
        QuizWidget("not a session")


def test_widget_reports_a_save_failure(tmp_path, monkeypatch):
    widget, store = widget_for(["basics-update-rule"], tmp_path)

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "record", broken)
    widget.choices.value = widget.question.answer
    widget.check_button.click()
    assert "Could not save this answer" in widget.feedback.value
    assert widget.question.id == "basics-update-rule" and widget.session.score.answered == 0
