"""Loss curves from real minibatch training runs, for the quiz's ``training`` questions.

A one-hidden-layer network (64 -> 32 tanh -> 10 softmax, cross-entropy) is trained on
scikit-learn's digits (``lrlearn.data.digits``) by minibatch SGD in NumPy, seeded. Each scenario
sets the learning rate (and its schedule), the batch size, the training-set size and the share of
wrong labels in it; the run
records the minibatch loss at every step, and the loss on the whole training set and on the
held-out set at ``EVALS`` evenly spaced points. Runs are cached in memory (one is ~50 ms).

What a run shows is decided by ``label_run``, a stated rule on the recorded curves (checked by
unit tests on hand-made curves), never by the scenario's name:

1. ``diverging``: the training loss becomes non-finite, or ends above where it started;
2. ``spike``: the training loss jumps above 3x its lowest value so far (after the first tenth of
   the run), and later comes back below 1.5x that low point;
3. ``rate_drop``: the learning rate falls by at least 5x at some step, and the training loss a
   tenth of the run later is at most 0.7x the loss just before;
4. ``overfitting``: the held-out loss reaches its minimum before 70 % of the run and ends at least
   1.15x above it, while the training loss keeps falling after that minimum;
5. ``too_low``: the training loss has not halved by the end;
6. ``good``: none of the above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .. import _checks

__all__ = [
    "BANK_RUNS",
    "EVALS",
    "RUN_LABELS",
    "SCENARIOS",
    "TrainingRun",
    "bank_entries",
    "check_run",
    "label_run",
    "train_run",
    "write_bank_file",
]

EVALS = 60

#: label -> the option shown for it (what the curves do, in words of similar length)
RUN_LABELS: dict[str, str] = {
    "diverging": "The training loss shoots up and never comes back down",
    "spike": "The loss jumps up sharply at one point, then recovers",
    "rate_drop": "The loss flattens, then drops suddenly to a lower level",
    "overfitting": "Training loss keeps falling while held-out loss turns up",
    "too_low": "Both losses fall slowly and are still high at the end",
    "good": "Both losses fall quickly, then level off close together",
}

#: scenario -> training settings (learning rate, batch, epochs, examples, schedule)
SCENARIOS: dict[str, dict[str, Any]] = {
    "good": {"lr": 0.3, "batch": 32, "epochs": 12, "examples": None},
    "too_low": {"lr": 0.002, "batch": 32, "epochs": 12, "examples": None},
    "diverging": {"lr": 40.0, "batch": 32, "epochs": 6, "examples": None},
    "spike": {
        "lr": 0.3,
        "batch": 32,
        "epochs": 12,
        "examples": None,
        "spike_at": 0.45,
        "spike_factor": 30.0,
    },
    "rate_drop": {
        "lr": 1.0,
        "batch": 16,
        "epochs": 10,
        "examples": None,
        "drop_at": 0.6,
        "drop_factor": 0.05,
    },
    "overfitting": {
        "lr": 0.5,
        "batch": 20,
        "epochs": 150,
        "examples": 200,
        "hidden": 128,
        "label_noise": 0.3,
    },
}


@dataclass(frozen=True)
class TrainingRun:
    """The recorded curves of one run. ``step``: the step of each evaluation; ``lr``: the rate
    used at every step; ``batch_loss``: the minibatch loss at every step."""

    scenario: str
    seed: int
    batch_loss: np.ndarray
    lr: np.ndarray
    step: np.ndarray
    train: np.ndarray
    val: np.ndarray

    @property
    def label(self) -> str:
        return label_run(self.train, self.val, self.lr, self.batch_loss, self.step)


def check_run(spec: Any) -> None:
    """Raise TypeError/ValueError unless ``spec`` is ``{"scenario": known name, "seed": int}``."""
    if not isinstance(spec, dict) or set(spec) != {"scenario", "seed"}:
        raise TypeError(f"a run spec is {{'scenario': name, 'seed': n}}, got {spec!r}")
    if spec["scenario"] not in SCENARIOS:
        raise ValueError(f"unknown scenario {spec['scenario']!r}; known: {sorted(SCENARIOS)}")
    seed = spec["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        raise ValueError(f"'seed' must be an integer in [0, 2**31), got {seed!r}")


def _loss(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    z = h @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean()), h, logp


@lru_cache(maxsize=64)
def train_run(scenario: str, seed: int = 0) -> TrainingRun:
    """Train the network of ``scenario`` with ``seed`` and record its curves (cached)."""
    check_run({"scenario": scenario, "seed": seed})
    from ..data import digits

    cfg = SCENARIOS[scenario]
    data = digits(seed=0)
    rng = np.random.default_rng(seed)
    X, y = data.X_train, data.y_train
    if cfg["examples"]:
        pick = rng.choice(len(y), cfg["examples"], replace=False)
        X, y = X[pick], y[pick].copy()
    if cfg.get("label_noise"):  # a share of wrong labels, which a long run memorises
        flip = rng.random(len(y)) < cfg["label_noise"]
        y[flip] = (y[flip] + rng.integers(1, 10, int(flip.sum()))) % 10
    Xv, yv = data.X_test, data.y_test
    hidden = cfg.get("hidden", 32)
    W1 = rng.normal(0, 1 / np.sqrt(64), (64, hidden))
    b1 = np.zeros(hidden)
    W2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, 10))
    b2 = np.zeros(10)
    per_epoch = -(-len(y) // cfg["batch"])
    total = per_epoch * cfg["epochs"]
    lr = np.full(total, cfg["lr"])
    if "drop_at" in cfg:
        lr[int(cfg["drop_at"] * total) :] *= cfg["drop_factor"]
    evals = np.unique(np.linspace(0, total, EVALS).round().astype(int))
    if "spike_at" in cfg:  # one step at a much higher rate, just before an evaluation
        k = int(evals[np.searchsorted(evals, cfg["spike_at"] * total)]) - 1
        lr[k] *= cfg["spike_factor"]
    batch_loss = np.empty(total)
    train, val = [], []
    step = 0
    eval_steps = set(evals.tolist())
    from threadpoolctl import threadpool_limits  # tiny matrices: threads only add overhead

    with np.errstate(all="ignore"), threadpool_limits(1):
        for _epoch in range(cfg["epochs"]):
            order = rng.permutation(len(y))
            for start in range(0, len(y), cfg["batch"]):
                if step in eval_steps:
                    train.append(_loss(W1, b1, W2, b2, X, y)[0])
                    val.append(_loss(W1, b1, W2, b2, Xv, yv)[0])
                idx = order[start : start + cfg["batch"]]
                xb, yb = X[idx], y[idx]
                loss, h, logp = _loss(W1, b1, W2, b2, xb, yb)
                batch_loss[step] = loss
                g = np.exp(logp)
                g[np.arange(len(yb)), yb] -= 1
                g /= len(yb)
                gW2, gb2 = h.T @ g, g.sum(0)
                gh = (g @ W2.T) * (1 - h**2)
                gW1, gb1 = xb.T @ gh, gh.sum(0)
                for p, gp in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
                    p -= lr[step] * gp
                step += 1
        train.append(_loss(W1, b1, W2, b2, X, y)[0])
        val.append(_loss(W1, b1, W2, b2, Xv, yv)[0])
    arrays = [np.asarray(a, dtype=float) for a in (batch_loss, lr, evals, train, val)]
    for a in arrays:
        a.setflags(write=False)
    return TrainingRun(scenario, seed, *arrays)


def label_run(
    train: np.ndarray, val: np.ndarray, lr: np.ndarray, batch_loss: np.ndarray, step: np.ndarray
) -> str:
    """What the curves show, by the rule in this module's docstring. ``train``/``val``: losses at
    the evaluation steps ``step``; ``lr``/``batch_loss``: per training step."""
    train, val, lr = np.asarray(train, float), np.asarray(val, float), np.asarray(lr, float)
    batch_loss, step = np.asarray(batch_loss, float), np.asarray(step, float)
    total = lr.size
    if not np.all(np.isfinite(train)) or train[-1] > train[0]:
        return "diverging"
    first = int(np.searchsorted(step, total / 10))
    low = np.minimum.accumulate(train)
    jumps = np.nonzero(train[first + 1 :] > 3 * low[first:-1])[0] + first + 1
    if jumps.size:
        k = int(jumps[0])
        if train[k + 1 :].size and train[k + 1 :].min() < 1.5 * low[k - 1]:
            return "spike"
    drops = np.nonzero(lr[1:] <= lr[:-1] / 5)[0]
    if drops.size:
        t = int(drops[0]) + 1
        before = train[step <= t]
        after = train[step >= t + total // 10]
        if before.size and after.size and after[0] <= 0.7 * before[-1]:
            return "rate_drop"
    i_min = int(np.argmin(val))
    if step[i_min] < 0.7 * step[-1] and val[-1] >= 1.15 * val[i_min] and train[-1] < train[i_min]:
        return "overfitting"
    if train[-1] >= 0.5 * train[0]:
        return "too_low"
    return "good"


# --- the bank entries -------------------------------------------------------------------------

#: the runs the bank asks about: (scenario, seed); each question's answer is ``label_run``'s
BANK_RUNS: tuple[tuple[str, int], ...] = (
    ("good", 0),
    ("good", 1),
    ("too_low", 0),
    ("too_low", 1),
    ("diverging", 0),
    ("diverging", 1),
    ("spike", 0),
    ("spike", 1),
    ("rate_drop", 0),
    ("rate_drop", 2),
    ("overfitting", 0),
    ("overfitting", 1),
)
BANK_FILE = "20_real_curves.json"
_PROMPT = (
    "A small network (64 inputs, 32 tanh units, 10 classes) is trained on the 8x8 digits with "
    "minibatch SGD. The faint line is the loss of each minibatch, the solid lines the loss on "
    "the whole training set and on held-out digits. What do the curves show?"
)


def _facts(run: TrainingRun) -> dict[str, float]:
    train, val, step, total = run.train, run.val, run.step, run.lr.size
    first = int(np.searchsorted(step, total / 10))
    low = np.minimum.accumulate(train)
    ratios = train[first + 1 :] / low[first:-1]
    k_jump = first + 1 + int(np.argmax(ratios)) if ratios.size else 0
    tenth = max(1, int(np.searchsorted(step, step[0] + total / 10)))
    falls = train[first + tenth :] / train[first : train.size - tenth]
    i_min = int(np.argmin(val))
    drops = np.nonzero(run.lr[1:] <= run.lr[:-1] / 5)[0]
    return {
        "train0": float(train[0]),
        "train_end": float(train[-1]),
        "val_end": float(val[-1]),
        "val_min": float(val[i_min]),
        "val_min_step": float(step[i_min]),
        "steps": float(total),
        "jump": float(ratios.max()) if ratios.size else 1.0,
        "jump_step": float(step[k_jump]),
        "jump_low": float(low[k_jump - 1]),
        "jump_peak": float(train[k_jump]),
        "after_jump": float(train[k_jump + 1 :].min()) if k_jump + 1 < train.size else np.nan,
        "steepest": float(falls.min()) if falls.size else 1.0,
        "drop_step": float(drops[0] + 1) if drops.size else np.nan,
    }


def _answer_text(label: str, f: dict[str, float]) -> str:
    g = "{:.3g}".format
    if label == "good":
        return (
            f"Both losses fall fast and level off close together (training {g(f['train_end'])}"
            f", held-out {g(f['val_end'])}, from {g(f['train0'])}): a healthy run, the "
            "learning rate is in a good range and nothing needs fixing."
        )
    if label == "too_low":
        return (
            f"In {f['steps']:.0f} steps the training loss only falls from {g(f['train0'])} to "
            f"{g(f['train_end'])}: the learning rate is too low for this budget. Raise it "
            "(a range test finds the range), or train far longer."
        )
    if label == "diverging":
        return (
            f"The training loss climbs from {g(f['train0'])} to {g(f['train_end'])} and stays "
            "there: the updates overshoot, the learning rate is far too high. Cut it by 10x "
            "or more; warmup and gradient clipping help near the edge."
        )
    if label == "spike":
        return (
            f"Near step {f['jump_step']:.0f} the training loss jumps from {g(f['jump_low'])} "
            f"to {g(f['jump_peak'])}, then recovers to {g(f['after_jump'])}: a loss spike, "
            "here from one update taken at a much higher rate (a bad batch does the same). "
            "Clip gradients or lower the peak rate; rewind to a checkpoint if a spike does "
            "not recover."
        )
    if label == "rate_drop":
        return (
            f"At step {f['drop_step']:.0f} the loss falls within a tenth of the run to "
            f"{g(f['steepest'])}x its level: the learning rate was cut (a step schedule). "
            "SGD's noise keeps the loss above its floor by an amount that grows with the "
            "rate, so a smaller rate settles lower."
        )
    return (
        f"The held-out loss is lowest ({g(f['val_min'])}) at step {f['val_min_step']:.0f} "
        f"and ends at {g(f['val_end'])}, while the training loss keeps falling to "
        f"{g(f['train_end'])}: overfitting (here, memorising a small training set with "
        "wrong labels in it). Stop early at the minimum, or regularise: more data, weight "
        "decay, augmentation."
    )


def _not_text(label: str, f: dict[str, float], answer: str) -> str:
    g = "{:.3g}".format
    return {
        "diverging": f"Not blowing up: the training loss ends at {g(f['train_end'])}, below its "
        f"start {g(f['train0'])}.",
        "spike": f"Not a spike: the training loss never jumps above 3x its lowest value so far "
        f"(at most {f['jump']:.3g}x).",
        "rate_drop": "Not a step down to a lower level: the rate is the same all run here (the "
        "rule needs a cut of 5x or more, then a fall to 0.7x within a tenth of the "
        "run).",
        "overfitting": f"Not overfitting: the held-out loss ends at {g(f['val_end'])}, close to "
        f"its lowest {g(f['val_min'])} (within 15%), or reaches it late.",
        "too_low": f"Not too slow: the training loss falls from {g(f['train0'])} to "
        f"{g(f['train_end'])}, far more than half.",
        "good": "Not a healthy run: "
        + {
            "too_low": "the loss is still far from level at the end.",
            "diverging": "the loss ends above where it started.",
            "spike": f"the loss jumps to {f['jump']:.2g}x its lowest value so far.",
            "rate_drop": "the loss steps down late in the run, so it had not settled before.",
            "overfitting": f"the held-out loss rises {f['val_end'] / f['val_min']:.2g}x from its "
            "minimum.",
        }.get(answer, ""),
    }[label]


def bank_entries() -> list[dict[str, Any]]:
    """The entries of ``bank/20_real_curves.json``, generated from the runs of ``BANK_RUNS``
    (the answer of each is what ``label_run`` reads on its curves)."""
    entries = []
    for number, (scenario, seed) in enumerate(BANK_RUNS, 1):
        run = train_run(scenario, seed)
        label = run.label
        facts = _facts(run)
        rng = np.random.default_rng(seed)
        others = [k for k in RUN_LABELS if k != label]
        options = sorted(
            [label, *rng.choice(others, 3, replace=False).tolist()], key=list(RUN_LABELS).index
        )
        why = " ".join(_not_text(k, facts, label) for k in options if k != label)
        entries.append(
            {
                "id": f"digits-run-{number:02d}",  # neutral: the id must not name the answer
                "kind": "training",
                "level": "basic" if label in ("good", "diverging", "too_low") else "intermediate",
                "topics": ["loss-curves", "debugging"],
                "prompt": _PROMPT,
                "run": {"scenario": scenario, "seed": seed},
                "options": options,
                "answer": label,
                "model_answer": _answer_text(label, facts),
                "explanation": (
                    f"Read by the stated rule of lrlearn.quiz.real_curves.label_run. {why}"
                ),
                "key_points": {
                    "good": [
                        "both losses fall then level off",
                        "training and held-out close",
                        "nothing to fix",
                    ],
                    "too_low": ["loss falls slowly", "learning rate too low", "raise the rate"],
                    "diverging": ["loss rises", "learning rate far too high", "cut the rate"],
                    "spike": [
                        "sudden jump in loss",
                        "recovers afterwards",
                        "clip or lower the rate",
                    ],
                    "rate_drop": [
                        "sudden drop in loss",
                        "learning rate was cut",
                        "smaller rate less noise",
                    ],
                    "overfitting": [
                        "held-out loss turns up",
                        "training loss keeps falling",
                        "stop early or regularise",
                    ],
                }[label],
                "notebook": "11_debugging_from_loss_curves",
            }
        )
    return entries


def write_bank_file(path: str | None = None) -> str:
    """Write ``bank_entries()`` to the bank file (default ``bank/20_real_curves.json``):
    ``python -c "from lrlearn.quiz.real_curves import write_bank_file; write_bank_file()"``."""
    import json
    from pathlib import Path

    target = Path(path) if path else Path(__file__).with_name("bank") / BANK_FILE
    text = json.dumps({"questions": bank_entries()}, indent=2, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    return str(target)


_checks.check_public(globals())
