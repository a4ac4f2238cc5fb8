"""The question bank: schema, ids, coverage, computed numeric answers, classifier-confirmed curves."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lrlearn.quiz import CURVE_LABELS, LEVELS, NOTEBOOKS, TOPICS, BankError, load_bank
from lrlearn.quiz.bank import BANK_DIR
from lrlearn.quiz.compute import evaluate, run_curve, verdict_for
from lrlearn.quiz.grading import correct_value, model_answer
from lrlearn.quiz.schema import validate_entry
from lrlearn.stability import classify, classify_losses

BANK = load_bank()
FILES = sorted(BANK_DIR.glob("*.json"))
REPO = Path(__file__).resolve().parents[1]


def _raw_entries():
    for f in FILES:
        for entry in json.loads(f.read_text(encoding="utf-8"))["questions"]:
            yield f.name, entry


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_entry_validates(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"questions"}
    for entry in data["questions"]:
        q = validate_entry(entry, path.name)
        assert q.id == entry["id"] and q.source == path.name


def test_ids_unique_across_files():
    counts = Counter(entry["id"] for _, entry in _raw_entries())
    assert [i for i, n in counts.items() if n > 1] == []
    assert len(BANK) == sum(counts.values())


def test_size_levels_kinds():
    assert len(BANK) >= 240
    levels = Counter(q.level for q in BANK)
    kinds = Counter(q.kind for q in BANK)
    assert all(levels[lvl] >= 20 for lvl in LEVELS), levels
    assert kinds["choice"] >= 40 and kinds["recall"] >= 15, kinds
    assert kinds["numeric"] >= 20 and kinds["curve"] >= 15, kinds


def test_topics_beyond_the_seeds_are_covered():
    per_topic = Counter(t for q in BANK for t in q.topics)
    for topic in (
        "warmup",
        "one-cycle",
        "adam-vs-sgd",
        "weight-decay",
        "linear-scaling",
        "critical-batch-size",
        "gradient-accumulation",
        "edge-of-stability",
        "lr-range-test",
        "schedules",
        "batch-size",
        "momentum",
        "adaptive",
        "debugging",
        "myths",
        "transfer-learning",
        "generalisation",
        "loss-curves",
        "stability",
    ):
        assert per_topic[topic] >= 3, (topic, per_topic[topic])
    assert set(per_topic) == set(TOPICS), set(TOPICS) - set(per_topic)


# every interview question of the two seed guides -> the bank entries that ask it (in our words)
SEED_COVERAGE = {
    "what is the learning rate": ["basics-what-is-lr"],
    "too high or too low": ["hilo-too-high-too-low", "hilo-local-minima-nuance"],
    "how is the lr used in gradient descent": ["basics-update-rule"],
    "how to choose a good learning rate": ["lrrt-how-to-choose"],
    "what is a learning rate scheduler": ["sched-what-is-a-schedule"],
    "lr and overfitting/underfitting": ["basics-overfit-underfit"],
    "schedules: step / exponential / cosine": [
        "sched-step-decay",
        "sched-exponential",
        "sched-cosine",
    ],
    "how do adaptive optimizers handle the lr": ["adapt-how-adam-adapts"],
    "how do batch size and lr relate": ["scale-batch-and-lr", "scale-linear-rule"],
    "how to select the optimal learning rate": ["lrrt-how-to-choose", "lrrt-procedure"],
    "same lr for all layers": ["transfer-discriminative-lr"],
    "can the lr prevent overfitting": ["basics-overfit-underfit"],
    "fixed vs adaptive learning rate": ["basics-fixed-vs-adaptive"],
    "what is batch size": ["batch-what-is"],
    "how does batch size affect training": ["batch-effects"],
    "practical batch size": ["batch-practical-choice"],
    "batch size vs epoch": ["basics-epoch-vs-step", "batch-epoch-vs-batch"],
    "mini-batch gradient descent": ["batch-minibatch-gd"],
    "batch size and convergence": ["batch-convergence"],
    "how to choose batch size": ["batch-practical-choice", "batch-powers-of-two"],
    "can batch size affect generalisation": ["gen-batch-generalisation"],
    "why not the largest batch that fits": ["batch-why-not-largest"],
    "batch size for RNNs / sequences": ["batch-sequences"],
    "batch size vs mini-batch size": ["batch-vs-minibatch-terms"],
    "why small learning rates and not 1 or 2": ["hilo-why-not-1-or-2"],
    "worked example w = 0.5, gradient -2": [
        "hilo-worked-example-broken",
        "hilo-worked-example-fixed",
    ],
    "lr schedules vs adaptive optimizers": ["adapt-schedule-vs-adaptive"],
    "debugging: loss explodes": ["hilo-nan-first-response", "debug-loss-explodes"],
    "debugging: loss decreases slowly": ["hilo-symptoms-low"],
    "debugging: loss oscillates": ["hilo-oscillation-fix"],
    "myth: bigger is always faster": ["hilo-bigger-always-faster"],
    "myth: the lr only affects speed": ["hilo-only-speed"],
    "myth: one lr fits all models": ["hilo-one-lr-fits-all"],
    "warmup / annealing / cyclical / one-cycle": ["warmup-why", "onecycle-what", "sched-cyclical"],
    "transfer learning lr": ["transfer-discriminative-lr", "transfer-fine-tune-lr"],
    "large models need small lrs": ["debug-large-models-small-lr"],
}


@pytest.mark.parametrize("seed_question", sorted(SEED_COVERAGE))
def test_every_seed_question_is_in_the_bank(seed_question):
    for qid in SEED_COVERAGE[seed_question]:
        assert BANK.get(qid).id == qid


@pytest.mark.parametrize("q", [q for q in BANK if q.kind == "numeric"], ids=lambda q: q.id)
def test_numeric_answers_are_computed(q):
    value = evaluate(q.compute)
    assert math.isfinite(value)
    assert correct_value(q) == value
    # the answer is filled in from the computation, never typed into the model answer
    assert "{value" in q.model_answer
    assert "{value" not in model_answer(q)


@pytest.mark.parametrize("q", [q for q in BANK if q.kind == "curve"], ids=lambda q: q.id)
def test_curve_labels_are_confirmed_by_the_classifier(q):
    run = run_curve(q.curve)
    expected = verdict_for(q.label)
    assert classify(run) == expected
    # the curve alone (what the reader sees) reads the same, measured against the true floor
    assert classify_losses(run.losses, min_value=run.landscape.min_value) == expected
    assert q.choices == tuple(CURVE_LABELS.values())
    assert q.choices[q.answer] == CURVE_LABELS[q.label]


@pytest.mark.parametrize("q", [q for q in BANK if q.kind == "curve"], ids=lambda q: q.id)
def test_curves_are_legible_to_a_person(q):
    """Beyond the classifier's thresholds: what a reader sees on the plot agrees with the label."""
    run = run_curve(q.curve)
    gap = run.losses - run.landscape.min_value
    visible_rises = int(np.sum(run.losses[1:] > run.losses[:-1] * (1 + 1e-3)))
    if q.label == "good":
        assert gap[-1] <= 1e-6 * gap[0] and visible_rises == 0
    elif q.label == "too_low":
        assert gap[-1] >= 1e-3 * gap[0] and visible_rises == 0
    elif q.label == "oscillating":
        assert visible_rises >= 3 and gap[-1] <= 1e-6 * gap[0]
    else:
        assert run.losses[-1] > 1e3 * run.losses[0]  # grown by orders of magnitude


def test_every_curve_label_is_used():
    assert {q.label for q in BANK if q.kind == "curve"} == set(CURVE_LABELS)


def _heading_ids(nb_path: Path) -> set[str]:
    """The section ids a built page of the notebook has: docutils' ids of its Markdown headings
    (what Sphinx/Jupyter Book put in the HTML), plus explicit MyST targets ``(name)=``."""
    from docutils.nodes import make_id

    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    ids = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for line in source.splitlines():
            m = re.match(r"^#{1,6}\s+(.*)", line)
            if m:
                ids.add(make_id(m.group(1)))
            ids.update(re.findall(r"^\(([\w-]+)\)=", line))
    return ids


@pytest.mark.parametrize("q", list(BANK), ids=lambda q: q.id)
def test_notebook_links_point_to_listed_notebooks(q):
    assert q.notebook in NOTEBOOKS
    assert q.link.startswith(f"notebooks/{q.notebook}.ipynb")
    path = REPO / "notebooks" / f"{q.notebook}.ipynb"
    if q.section and path.exists():  # notebooks not written yet are checked once they exist
        assert q.section in _heading_ids(path), f"{q.id}: no section {q.section} in {path.name}"


def test_no_model_answer_is_just_the_choice():
    # every choice question explains beyond repeating the right option
    for q in BANK:
        assert q.explanation.strip() != q.model_answer.strip(), q.id


# --- malformed entries: the error names the file and the entry --------------------------------

GOOD = {
    "id": "x-1",
    "kind": "choice",
    "level": "basic",
    "topics": ["basics"],
    "prompt": "P?",
    "choices": ["a", "b"],
    "answer": 0,
    "model_answer": "A.",
    "explanation": "E.",
    "notebook": "01_what_the_learning_rate_does",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "expert"}, "'level' must be one of"),
        ({"topics": ["nope"]}, "unknown topic(s) ['nope']"),
        ({"topics": []}, "'topics' must be a non-empty list"),
        ({"kind": "essay"}, "'kind' must be one of"),
        ({"answer": 2}, "'answer' must be an index in [0, 1]"),
        ({"answer": True}, "'answer' must be an index"),
        ({"choices": ["a"]}, "'choices' must be a list of 2 to 6"),
        ({"choices": ["a", "a"]}, "must not repeat"),
        ({"notebook": "99_nothing"}, "'notebook' must be one of"),
        ({"section": "Not An Anchor"}, "'section' must be an anchor"),
        ({"prompt": "  "}, "'prompt' must be a non-empty string"),
        ({"explanation": None}, "'explanation' must be a non-empty string"),
        ({"extra": 1}, "unknown field(s) ['extra']"),
        ({"id": "Bad Id"}, "'id' must be a slug"),
    ],
)
def test_malformed_entry_is_named(change, message):
    entry = {**GOOD, **change}
    with pytest.raises(BankError) as err:
        validate_entry(entry, "some_file.json")
    text = str(err.value)
    assert text.startswith("some_file.json: entry ")
    assert repr(entry["id"]) in text
    assert message in text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"compute": {"compute": "critical_lr", "args": {}}}, "missing ['curvatures']"),
        ({"compute": {"compute": "no_such", "args": {}}}, "unknown computation 'no_such'"),
        (
            {"compute": {"compute": "critical_lr", "args": {"curvatures": [1], "x": 1}}},
            "unexpected ['x']",
        ),
        ({"tolerance": {"rel": 2}}, "'tolerance' must be"),
        ({"tolerance": {}}, "'tolerance' must be"),
        ({"model_answer": "it is {answer}"}, "only use the placeholder {value}"),
    ],
)
def test_malformed_numeric_entry_is_named(change, message):
    entry = {
        "id": "n-1",
        "kind": "numeric",
        "level": "basic",
        "topics": ["stability"],
        "prompt": "P?",
        "compute": {"compute": "critical_lr", "args": {"curvatures": [10.0]}},
        "tolerance": {"rel": 0.01},
        "model_answer": "{value}",
        "explanation": "E.",
        "notebook": "02_too_high_too_low",
        **change,
    }
    with pytest.raises(BankError, match=re.escape(message)) as err:
        validate_entry(entry, "num.json")
    assert str(err.value).startswith("num.json: entry 'n-1'")


def test_malformed_curve_entry_is_named():
    entry = {
        "id": "c-1",
        "kind": "curve",
        "level": "basic",
        "topics": ["loss-curves"],
        "prompt": "P?",
        "curve": {"landscape": "moon", "x0": [1.0], "lr": 0.1, "steps": 10},
        "answer": "good",
        "model_answer": "M.",
        "explanation": "E.",
        "notebook": "02_too_high_too_low",
    }
    with pytest.raises(BankError, match=r"c\.json: entry 'c-1': bad 'curve': unknown landscape"):
        validate_entry(entry, "c.json")
    entry["curve"]["landscape"] = "quadratic"
    entry["answer"] = "meh"
    with pytest.raises(BankError, match="'answer' of a curve must be one of"):
        validate_entry(entry, "c.json")


def test_load_bank_names_the_bad_file_and_entry(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"questions": [GOOD]}))
    bad = {**GOOD, "id": "x-2", "level": "guru"}
    (tmp_path / "b.json").write_text(json.dumps({"questions": [bad]}))
    with pytest.raises(BankError, match=r"^b\.json: entry 'x-2': 'level' must be one of"):
        load_bank(tmp_path)


def test_load_bank_rejects_duplicates_and_bad_json(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps({"questions": [GOOD]}))
    (tmp_path / "b.json").write_text(json.dumps({"questions": [GOOD]}))
    with pytest.raises(BankError, match=r"b\.json: entry 'x-1': id already used in a\.json"):
        load_bank(tmp_path)
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(BankError, match=r"^b\.json: not valid JSON"):
        load_bank(tmp_path)
    (tmp_path / "b.json").write_text("[]")
    with pytest.raises(BankError, match=r"^b\.json: a bank file is"):
        load_bank(tmp_path)


def test_select_filters_and_errors():
    basic = BANK.select(level="basic")
    assert len(basic) > 0 and all(q.level == "basic" for q in basic)
    both = BANK.select(level=["basic", "advanced"], topic="warmup")
    assert all(q.level in ("basic", "advanced") and "warmup" in q.topics for q in both)
    with pytest.raises(ValueError, match="unknown topic 'lr-magic'; valid: basics"):
        BANK.select(topic="lr-magic")
    with pytest.raises(ValueError, match="unknown level 'expert'; valid: basic, intermediate"):
        BANK.select(level="expert")
    from lrlearn.quiz import EmptySelectionError

    with pytest.raises(EmptySelectionError, match="no question matches level=basic, topic=edge"):
        BANK.select(level="basic", topic="edge-of-stability", kind="curve")


# --- fairness: the bank's wording must not give the answer away -----------------------------
#
# Rules (each stated as the number it checks):
# - the right option is the (strictly) longest option in at most a third of the choice questions;
# - the median of len(right option) / len(longest wrong option) is at most 1.3, and no right option
#   is more than twice as long as every wrong option of its question;
# - in the files, no position holds the right option more than 1.25 times as often as chance
#   predicts (sum of 1/n over the questions with more than that many options), nor less than 0.75;
# - absolute words (always, never, only, all, none, every, cannot, must, no, ...) appear in wrong
#   options at most 1.5 times as often (per option) as in right options, plus 5 points;
# - answering always the first option, always the longest or always the shortest scores at most
#   chance (the mean of 1/n) plus 10 points on the choice questions.

CHOICE = [q for q in BANK if q.kind == "choice"]
ABSOLUTE = re.compile(
    r"\b(always|never|only|all|none|every|cannot|can't|must|no|nothing|"
    r"impossible|entirely|completely|guaranteed?)\b",
    re.IGNORECASE,
)


def _wrong(q):
    return [c for i, c in enumerate(q.choices) if i != q.answer]


def _chance(questions):
    return sum(1 / len(q.choices) for q in questions) / len(questions)


def test_right_option_is_not_usually_the_longest():
    longest = [q.id for q in CHOICE if len(q.choices[q.answer]) > max(map(len, _wrong(q)))]
    assert len(longest) <= len(CHOICE) / 3, (len(longest), len(CHOICE), longest)


def test_right_option_is_not_much_longer_than_the_wrong_ones():
    ratios = {q.id: len(q.choices[q.answer]) / max(map(len, _wrong(q))) for q in CHOICE}
    assert float(np.median(list(ratios.values()))) <= 1.3
    assert [qid for qid, r in ratios.items() if r > 2.0] == []


def test_no_position_is_favoured_in_the_files():
    counts = Counter(q.answer for q in CHOICE)
    for pos in range(max(len(q.choices) for q in CHOICE)):
        expected = sum(1 / len(q.choices) for q in CHOICE if len(q.choices) > pos)
        assert 0.75 * expected <= counts[pos] <= 1.25 * expected, (pos, counts[pos], expected)


def test_absolute_words_do_not_mark_the_wrong_options():
    right = [q.choices[q.answer] for q in CHOICE]
    wrong = [c for q in CHOICE for c in _wrong(q)]
    rate_right = sum(bool(ABSOLUTE.search(c)) for c in right) / len(right)
    rate_wrong = sum(bool(ABSOLUTE.search(c)) for c in wrong) / len(wrong)
    assert rate_wrong <= 1.5 * rate_right + 0.05, (rate_wrong, rate_right)


@pytest.mark.parametrize("strategy", ["first", "longest", "shortest"])
def test_test_wise_strategies_score_near_chance(strategy):
    def pick(q):
        if strategy == "first":
            return 0
        lengths = [len(c) for c in q.choices]
        return lengths.index(max(lengths) if strategy == "longest" else min(lengths))

    score = sum(pick(q) == q.answer for q in CHOICE) / len(CHOICE)
    assert score <= _chance(CHOICE) + 0.10, (strategy, score, _chance(CHOICE))


def test_ids_do_not_name_the_answer():
    # the id is shown after answering; still, it must not spell out the right option's key word
    for q in CHOICE:
        words = set(q.id.split("-"))
        right = set(re.findall(r"[a-z0-9]+", q.choices[q.answer].lower()))
        wrong = set(re.findall(r"[a-z0-9]+", " ".join(_wrong(q)).lower()))
        # a word of the id that only the right option contains would be a give-away
        assert not {w for w in words & right - wrong if len(w) > 4}, q.id


def test_every_explanation_of_a_choice_answers_each_wrong_option():
    # at least one sentence per wrong option, beyond the model answer
    for q in CHOICE:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", q.explanation) if len(s) > 15]
        assert len(sentences) >= len(q.choices) - 1, (q.id, len(sentences))


# --- the questions of the Adam era and of learning rates at scale ---------------------------

NEW_FILES = ("14_adam_era.json", "15_at_scale.json", "16_practice_2026.json")
CITATION = re.compile(r"\b(19|20)\d\d\b")


def test_adam_era_and_at_scale_are_covered():
    per_notebook = Counter(q.notebook for q in BANK)
    assert per_notebook["13_adam_era"] >= 15 and per_notebook["14_learning_rates_at_scale"] >= 15
    per_topic = Counter(t for q in BANK for t in q.topics)
    for topic in (
        "adam-warmup",
        "loss-spikes",
        "wsd",
        "schedule-free",
        "mup",
        "scaling-laws",
        "new-optimizers",
        "lora",
        "precision",
        "continual-pretraining",
    ):
        assert per_topic[topic] >= 3, (topic, per_topic[topic])
    new = [q for q in BANK if q.source in NEW_FILES]
    assert len(new) >= 60
    assert {q.kind for q in new} >= {"choice", "recall", "numeric"}


@pytest.mark.parametrize("q", [q for q in BANK if q.source in NEW_FILES], ids=lambda q: q.id)
def test_new_questions_cite_their_source(q):
    # every explanation names a published source with its year (author, year, venue or arXiv)
    assert CITATION.search(q.explanation) or CITATION.search(q.model_answer), q.id


# --- key points: the rubric of a mock interview ----------------------------------------------


@pytest.mark.parametrize("q", [q for q in BANK if q.kind == "recall"], ids=lambda q: q.id)
def test_every_recall_question_has_key_points(q):
    # 3 to 5 short ideas an interviewer listens for, each in the model answer's spirit
    assert 3 <= len(q.key_points) <= 5, (q.id, len(q.key_points))
    assert all(8 <= len(p) <= 120 for p in q.key_points), q.key_points
    assert len(set(q.key_points)) == len(q.key_points)
    for follow_up in q.follow_ups:
        assert follow_up.prompt.endswith("?")
        assert 2 <= len(follow_up.key_points) <= 5 and all(
            len(p) <= 120 for p in follow_up.key_points
        )


def test_the_seed_guides_follow_ups_are_asked():
    # the follow-up questions the seed guide says to expect come after the question they follow
    prompts = {f.prompt for q in BANK for f in q.follow_ups}
    for expected in (
        "How would you choose an appropriate learning rate for a new problem?",
        "How does the learning rate interact with the batch size?",
        "What is the difference between a learning-rate schedule and an adaptive optimizer?",
    ):
        assert expected in prompts
    assert sum(bool(q.follow_ups) for q in BANK if q.kind == "recall") >= 20
