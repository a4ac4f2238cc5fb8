"""The question schema: what a bank entry must hold, checked field by field.

A bank file is JSON: ``{"questions": [entry, ...]}``. Every entry has

- ``id``: a unique slug (lower-case letters, digits, dashes);
- ``kind``: ``"choice"`` (multiple choice), ``"numeric"`` (the answer is computed by lrlearn from
  ``compute``), ``"recall"`` (free recall, self-graded), ``"curve"`` (read a simulated loss curve)
  or ``"training"`` (read the train and validation curves of a real minibatch run on the digits);
- ``level``: ``"basic"``, ``"intermediate"`` or ``"advanced"``; ``topics``: tags from ``TOPICS``;
- ``prompt``, ``model_answer``, ``explanation``: text;
- ``notebook``: one of ``NOTEBOOKS`` (the notebook that demonstrates it) and an optional ``section``
  anchor inside it;
- per kind: ``choices`` + ``answer`` (index) for choice; ``compute`` (``{"compute": name, "args":
  {...}}``) + ``tolerance`` (``{"rel": r}`` and/or ``{"abs": a}``) for numeric; ``curve`` (a
  simulation spec) + ``answer`` (a label of ``CURVE_LABELS``) for curve; ``run`` (``{"scenario":
  name, "seed": s}``, see ``lrlearn.quiz.real_curves``) + ``answer`` (a label of ``RUN_LABELS``) +
  ``options`` (3 to 5 labels, the answer among them) for training;
- optional on every kind: ``key_points`` (1 to 6 short strings, the rubric of a mock interview)
  and ``follow_ups`` (``[{"prompt": text, "key_points": [...]}, ...]``, asked after the question).

A numeric entry's ``model_answer`` may contain ``{value}`` (or ``{value:.3g}``): it is filled in
with the computed answer, so no number that is an answer is ever typed into the bank by hand.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any

from .compute import check_curve, check_spec
from .real_curves import RUN_LABELS, check_run

__all__ = [
    "CURVE_LABELS",
    "KINDS",
    "LEVELS",
    "NOTEBOOKS",
    "RUN_LABELS",
    "TOPICS",
    "BankError",
    "FollowUp",
    "Question",
    "validate_entry",
]

LEVELS: tuple[str, ...] = ("basic", "intermediate", "advanced")
KINDS: tuple[str, ...] = ("choice", "numeric", "recall", "curve", "training")

#: topic tag -> one-line description (``lrlearn quiz --list-topics`` shows these)
TOPICS: dict[str, str] = {
    "basics": "what the learning rate is and how gradient descent uses it",
    "too-high-too-low": "what too large and too small learning rates do",
    "stability": "the 2/L threshold, contraction rates, condition number",
    "loss-curves": "reading a loss curve",
    "schedules": "step, exponential, cosine, plateau and cyclical schedules",
    "warmup": "learning-rate warmup",
    "one-cycle": "the one-cycle policy",
    "momentum": "momentum and Nesterov",
    "adaptive": "Adagrad, RMSprop, Adam and per-parameter step sizes",
    "adam-vs-sgd": "when to pick Adam and when SGD",
    "weight-decay": "L2 regularisation, weight decay and AdamW",
    "lr-range-test": "the learning-rate range test and its pitfalls",
    "batch-size": "what the batch size is and what it changes",
    "linear-scaling": "scaling the learning rate with the batch size",
    "critical-batch-size": "gradient noise scale and the critical batch size",
    "gradient-accumulation": "gradient accumulation and effective batch size",
    "generalisation": "sharp and flat minima, generalisation gap",
    "edge-of-stability": "sharpness and the edge of stability",
    "transfer-learning": "fine-tuning and per-layer learning rates",
    "debugging": "diagnosing training from its symptoms",
    "myths": "common claims that are wrong or too loose",
    "hardware": "memory, throughput and batch size on accelerators",
    "adam-warmup": "why Adam needs warmup: post-LN vs pre-LN, RAdam, sharpness reduction",
    "loss-spikes": "loss spikes with Adam: beta2, QK-norm, z-loss, rewinding",
    "wsd": "warmup-stable-decay, cooldowns and linear decay to zero",
    "schedule-free": "schedule-free optimizers (averaging instead of decay)",
    "mup": "muP and learning-rate transfer across width",
    "scaling-laws": "power laws for the optimal learning rate and batch size",
    "new-optimizers": "Lion, Muon and their learning rates",
    "lora": "LoRA learning rates: alpha/r, rsLoRA, LoRA+",
    "precision": "bf16, fp16 and updates lost to rounding",
    "continual-pretraining": "continued pretraining: re-warming, re-decaying, replay",
}

NOTEBOOKS: tuple[str, ...] = (
    "00_how_to_use",
    "01_what_the_learning_rate_does",
    "02_too_high_too_low",
    "03_schedules",
    "04_momentum_and_adaptive",
    "05_lr_range_test",
    "06_batch_size_basics",
    "07_batch_size_and_learning_rate",
    "08_generalisation_and_sharpness",
    "09_pytorch_on_a_gpu",
    "10_transfer_learning",
    "11_debugging_from_loss_curves",
    "12_interview_quiz",
    "13_adam_era",
    "14_learning_rates_at_scale",
    "15_tuning_capstone",
)

#: curve label -> the choice shown for it: what the curve does, not the diagnosis (the
#: explanation gives that), in words of similar length
CURVE_LABELS: dict[str, str] = {
    "diverging": "It grows without bound, faster and faster",
    "oscillating": "It falls, but rises and falls again on the way",
    "too_low": "It falls smoothly, ending far above the floor",
    "good": "It falls smoothly all the way to the floor",
}

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ANCHOR = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_COMMON = {"id", "kind", "level", "topics", "prompt", "model_answer", "explanation", "notebook",
           "section", "correction", "key_points", "follow_ups"}
_BY_KIND = {
    "choice": {"choices", "answer"},
    "numeric": {"compute", "tolerance", "unit"},
    "recall": set(),
    "curve": {"curve", "answer"},
    "training": {"run", "answer", "options"},
}
_REQUIRED_BY_KIND = {
    "choice": {"choices", "answer"},
    "numeric": {"compute", "tolerance"},
    "recall": set(),
    "curve": {"curve", "answer"},
    "training": {"run", "answer", "options"},
}


class BankError(ValueError):
    """A malformed bank entry; the message names the file and the entry id."""


@dataclass(frozen=True)
class FollowUp:
    """A follow-up an interviewer asks after a question, with its own key points."""

    prompt: str
    key_points: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One validated question. ``answer`` is the index of the right choice (choice, curve) or None."""

    id: str
    kind: str
    level: str
    topics: tuple[str, ...]
    prompt: str
    model_answer: str
    explanation: str
    notebook: str
    section: str | None = None
    choices: tuple[str, ...] = ()
    answer: int | None = None
    compute: dict[str, Any] | None = field(default=None, compare=False)
    tolerance: dict[str, float] | None = field(default=None, compare=False)
    unit: str | None = None
    curve: dict[str, Any] | None = field(default=None, compare=False)
    label: str | None = None  # curve/training questions: the expected label key
    run: dict[str, Any] | None = field(default=None, compare=False)  # training questions
    labels: tuple[str, ...] = ()  # curve/training: the label key of each choice
    correction: str | None = None  # what the usual answer gets wrong, if anything
    source: str = ""  # the bank file it came from
    key_points: tuple[str, ...] = ()  # the rubric of a mock interview
    follow_ups: tuple[FollowUp, ...] = ()

    @property
    def link(self) -> str:
        """``notebooks/NAME.ipynb`` plus ``#section`` when given."""
        path = f"notebooks/{self.notebook}.ipynb"
        return f"{path}#{self.section}" if self.section else path


def _fail(source: str, entry_id: Any, message: str) -> BankError:
    return BankError(f"{source}: entry {entry_id!r}: {message}")


def _text(entry: dict[str, Any], key: str, source: str, qid: Any) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, qid, f"{key!r} must be a non-empty string, got {value!r}")
    return value.strip()


def _template_ok(text: str) -> bool:
    try:
        fields_ = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return False
    return all(name == "value" for name in fields_)


def _points(value: Any, source: str, qid: Any, what: str) -> tuple[str, ...]:
    if (not isinstance(value, list) or not 1 <= len(value) <= 6
            or not all(isinstance(p, str) and p.strip() for p in value)):
        raise _fail(source, qid, f"{what} must be a list of 1 to 6 non-empty strings, "
                                 f"got {value!r}")
    return tuple(p.strip() for p in value)


def _follow_ups(value: Any, source: str, qid: Any) -> tuple[FollowUp, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(source, qid, f"'follow_ups' must be a non-empty list, got {value!r}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"prompt", "key_points"}:
            raise _fail(source, qid, f"follow_ups[{i}] must be {{'prompt': text, 'key_points': "
                                     f"[...]}}, got {item!r}")
        prompt = _text(item, "prompt", source, qid)
        out.append(FollowUp(prompt, _points(item["key_points"], source, qid,
                                            f"follow_ups[{i}].key_points")))
    return tuple(out)


def validate_entry(entry: Any, source: str = "<bank>") -> Question:
    """Check one raw entry and build its ``Question``; raise ``BankError`` naming ``source`` and id."""
    if not isinstance(entry, dict):
        raise BankError(f"{source}: every entry must be a JSON object, got {type(entry).__name__}")
    qid = entry.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise _fail(source, qid, "'id' must be a slug of lower-case letters, digits and dashes")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise _fail(source, qid, f"'kind' must be one of {list(KINDS)}, got {kind!r}")
    unknown = set(entry) - _COMMON - _BY_KIND[kind]
    if unknown:
        raise _fail(source, qid, f"unknown field(s) {sorted(unknown)} for kind {kind!r}")
    missing = _REQUIRED_BY_KIND[kind] - set(entry)
    if missing:
        raise _fail(source, qid, f"missing field(s) {sorted(missing)} for kind {kind!r}")
    level = entry.get("level")
    if level not in LEVELS:
        raise _fail(source, qid, f"'level' must be one of {list(LEVELS)}, got {level!r}")
    topics = entry.get("topics")
    if not isinstance(topics, list) or not topics or not all(isinstance(t, str) for t in topics):
        raise _fail(source, qid, f"'topics' must be a non-empty list of tags, got {topics!r}")
    bad = [t for t in topics if t not in TOPICS]
    if bad:
        raise _fail(source, qid, f"unknown topic(s) {bad}; known: {sorted(TOPICS)}")
    if len(set(topics)) != len(topics):
        raise _fail(source, qid, f"repeated topic in {topics}")
    notebook = entry.get("notebook")
    if notebook not in NOTEBOOKS:
        raise _fail(source, qid, f"'notebook' must be one of {list(NOTEBOOKS)}, got {notebook!r}")
    section = entry.get("section")
    if section is not None and (not isinstance(section, str) or not _ANCHOR.match(section)):
        raise _fail(source, qid, f"'section' must be an anchor like 'the-2-over-l-threshold', "
                                 f"got {section!r}")
    correction = entry.get("correction")
    if correction is not None and (not isinstance(correction, str) or not correction.strip()):
        raise _fail(source, qid, "'correction' must be a non-empty string when given")
    common = {
        "id": qid, "kind": kind, "level": level, "topics": tuple(topics),
        "prompt": _text(entry, "prompt", source, qid),
        "model_answer": _text(entry, "model_answer", source, qid),
        "explanation": _text(entry, "explanation", source, qid),
        "notebook": notebook, "section": section,
        "correction": correction.strip() if correction else None, "source": source,
        "key_points": (_points(entry["key_points"], source, qid, "'key_points'")
                       if "key_points" in entry else ()),
        "follow_ups": _follow_ups(entry["follow_ups"], source, qid) if "follow_ups" in entry
        else (),
    }
    if kind == "choice":
        choices = entry["choices"]
        if (not isinstance(choices, list) or not 2 <= len(choices) <= 6
                or not all(isinstance(c, str) and c.strip() for c in choices)):
            raise _fail(source, qid, "'choices' must be a list of 2 to 6 non-empty strings")
        if len({c.strip() for c in choices}) != len(choices):
            raise _fail(source, qid, "'choices' must not repeat")
        answer = entry["answer"]
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(choices):
            raise _fail(source, qid, f"'answer' must be an index in [0, {len(choices) - 1}], "
                                     f"got {answer!r}")
        return Question(**common, choices=tuple(c.strip() for c in choices), answer=answer)
    if kind == "numeric":
        spec = entry["compute"]
        try:
            check_spec(spec)
        except (TypeError, ValueError) as exc:
            raise _fail(source, qid, f"bad 'compute': {exc}") from None
        tol = entry["tolerance"]
        if (not isinstance(tol, dict) or not tol or set(tol) - {"rel", "abs"}
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1
                           for v in tol.values())
                or not any(v > 0 for v in tol.values())):
            raise _fail(source, qid, "'tolerance' must be {'rel': r} and/or {'abs': a}, "
                                     f"with values in [0, 1) and one > 0, got {tol!r}")
        if not _template_ok(common["model_answer"]):
            raise _fail(source, qid, "'model_answer' may only use the placeholder {value}")
        unit = entry.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise _fail(source, qid, f"'unit' must be a string, got {unit!r}")
        return Question(**common, compute=spec, tolerance={k: float(v) for k, v in tol.items()},
                        unit=unit)
    if kind == "curve":
        spec = entry["curve"]
        try:
            check_curve(spec)
        except (TypeError, ValueError) as exc:
            raise _fail(source, qid, f"bad 'curve': {exc}") from None
        label = entry["answer"]
        if label not in CURVE_LABELS:
            raise _fail(source, qid, f"'answer' of a curve must be one of {list(CURVE_LABELS)}, "
                                     f"got {label!r}")
        labels = tuple(CURVE_LABELS)
        return Question(**common, curve=spec, label=label, choices=tuple(CURVE_LABELS.values()),
                        answer=labels.index(label), labels=labels)
    if kind == "training":
        spec = entry["run"]
        try:
            check_run(spec)
        except (TypeError, ValueError) as exc:
            raise _fail(source, qid, f"bad 'run': {exc}") from None
        options, label = entry["options"], entry["answer"]
        if (not isinstance(options, list) or not 3 <= len(options) <= 5
                or len(set(options)) != len(options) or not set(options) <= set(RUN_LABELS)):
            raise _fail(source, qid, f"'options' must be 3 to 5 distinct labels of "
                                     f"{list(RUN_LABELS)}, got {options!r}")
        if label not in options:
            raise _fail(source, qid, f"'answer' must be one of the options {options}, "
                                     f"got {label!r}")
        return Question(**common, run=spec, label=label, labels=tuple(options),
                        choices=tuple(RUN_LABELS[k] for k in options),
                        answer=options.index(label))
    return Question(**common)
