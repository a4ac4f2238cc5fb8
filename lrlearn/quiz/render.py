"""The quiz as book pages: MyST Markdown with each answer hidden in ``<details>`` until clicked.

``<details><summary>`` is plain HTML, so the answers open and close on the static site with no
kernel and no JavaScript. Loss-curve questions carry their curve as an inline PNG with the loss
floor drawn. Options are shuffled (``lrlearn.quiz.shuffle``, from ``seed``) and the id of a
question is not shown before its answer. ``write_book_pages`` splits the bank by topic into the
pages of ``PAGES`` plus a contents page.
"""

from __future__ import annotations

import base64
import html
import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _checks
from .bank import load_bank
from .compute import run_curve
from .grading import model_answer
from .real_curves import train_run
from .schema import LEVELS, Question
from .shuffle import letter, options_in_order, shuffled_order
from .textplot import text_curve

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "PAGES",
    "anchor",
    "curve_figure",
    "curve_png",
    "page_of",
    "pages_markdown",
    "text_plot",
    "to_markdown",
    "write_book_page",
    "write_book_pages",
]

DEFAULT_NOTEBOOK_URL = "../notebooks/{notebook}.html"
_MD_SPECIAL = re.compile(r"([\\*_\[\]<>#|~$])")
_CODE = re.compile(r"(`[^`]+`)")


def _md(text: str) -> str:
    """Markdown-escape text, leaving `code spans` alone."""
    parts = _CODE.split(text)
    return "".join(
        p if p.startswith("`") and p.endswith("`") and len(p) > 1 else _MD_SPECIAL.sub(r"\\\1", p)
        for p in parts
    )


def _html(text: str) -> str:
    """HTML-escape text, `code spans` to <code>, line breaks kept."""
    parts = _CODE.split(text)
    out = "".join(
        f"<code>{html.escape(p[1:-1])}</code>"
        if p.startswith("`") and len(p) > 1
        else html.escape(p)
        for p in parts
    )
    return out.replace("\n", "<br>")


def text_plot(question: Question, width: int = 60, height: int = 12) -> str:
    """The curve(s) of a curve or training question as text (``textplot.text_curve``)."""
    if question.kind == "curve":
        run = run_curve(question.curve)
        return text_curve(
            run.losses, width=width, height=height, floor=float(run.landscape.min_value)
        )
    if question.kind == "training":
        run = train_run(**question.run)
        train = np.where(
            np.isfinite(run.train), run.train, np.nanmax(run.train[np.isfinite(run.train)])
        )
        return text_curve(
            train,
            width=width,
            height=height,
            others=[(run.val, "o")],
            steps=run.step,
            legend="* training loss, o held-out loss",
        )
    raise TypeError(f"question {question.id!r} has no curve")


#: the width a curve figure is laid out at on a page (80 CSS px per inch, as every figure of the
#: book), and the pixel density it is drawn at
FIGSIZE = (6.0, 3.4)
LAYOUT_WIDTH_PX = 480
DENSITY = 2


def curve_figure(question: Question, *, figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """The loss curve of a curve question (with its floor, dashed, when it is on the plot; log
    y-axis when the curve spans decades), or the minibatch, training and held-out losses of a
    training question, as a matplotlib Figure in the book's style (``plots.STYLE``)."""
    import matplotlib as mpl

    from .. import plots

    with mpl.rc_context(plots.STYLE):
        return plots.readable(_curve_figure(question, figsize))


def _curve_figure(question: Question, figsize: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    if question.kind not in ("curve", "training"):
        raise TypeError(f"question {question.id!r} is not a loss-curve question")
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    if question.kind == "training":
        run = train_run(**question.run)
        with np.errstate(invalid="ignore"):
            ax.plot(
                np.arange(run.batch_loss.size),
                run.batch_loss,
                lw=0.5,
                color="C0",
                alpha=0.35,
                label="minibatch loss",
            )
        ax.plot(run.step, run.train, lw=1.8, color="C0", label="training loss")
        ax.plot(run.step, run.val, lw=1.8, color="C1", label="held-out loss")
        top = np.nanmax(np.where(np.isfinite(run.batch_loss), run.batch_loss, np.nan))
        ax.set_ylim(0, 1.05 * min(top, 3 * max(run.train[0], run.val[0])))
        ax.legend()
        ax.set_ylabel("cross-entropy")
    else:
        run = run_curve(question.curve)
        losses, floor = run.losses, float(run.landscape.min_value)
        ax.plot(range(losses.size), losses, lw=1.5, color="C0", label="training loss")
        log = losses.min() > 0 and losses.max() / losses.min() > 100
        if log:
            ax.set_yscale("log")
        if floor > 0 or not log:
            ax.axhline(floor, color="0.3", ls="--", lw=1, label=f"floor {floor:.3g}")
        else:
            ax.set_title(f"floor (lowest loss possible): {floor:.3g}, below the log scale")
        ax.legend()
        ax.set_ylabel("training loss")
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
    return fig


def curve_png(question: Question, dpi: int | None = None) -> bytes:
    """The curve figure as a 64-colour PNG (``widgets.view.figure_png``), drawn at ``DENSITY``
    times its layout width unless ``dpi`` is given (cached per question and dpi)."""
    return _curve_png(question, dpi or round(DENSITY * LAYOUT_WIDTH_PX / FIGSIZE[0]))


@lru_cache(maxsize=128)
def _curve_png(question: Question, dpi: int) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from ..widgets.view import figure_png

    fig = curve_figure(question)
    fig.set_dpi(dpi)
    FigureCanvasAgg(fig).draw()
    return figure_png(fig, compress_level=9, colors=64)


def _alt(q: Question) -> str:
    if q.kind == "training":
        return (
            "the minibatch, training and held-out loss of a run on the digits, against the "
            "training step"
        )
    return "a training loss curve against the step, with the lowest loss possible marked"


def anchor(question: Question) -> str:
    """The page anchor of a question: ``quiz-`` and a hash of its id, which (unlike the id, seen in
    a link or the status bar) does not name the answer."""
    return f"quiz-{zlib.crc32(question.id.encode()):08x}"


def _question_md(n: int, q: Question, notebook_url: str, seed: int = 0) -> str:
    lines = [
        f"({anchor(q)})=",
        f"### {n}. {q.level.capitalize()} · {', '.join(q.topics)}",
        "",
        _md(q.prompt),
        "",
    ]
    if q.kind in ("curve", "training"):
        data = base64.b64encode(curve_png(q)).decode("ascii")
        lines += [
            f'<img src="data:image/png;base64,{data}" alt="{_alt(q)}" width="{LAYOUT_WIDTH_PX}">',
            "",
        ]
    order = shuffled_order(q, seed)
    if q.choices:
        lines += [f"- {key}) {_md(c)}" for key, c in options_in_order(q, order)] + [""]
    if q.kind == "numeric":
        unit = f" ({_md(q.unit)})" if q.unit else ""
        lines += [f"*Give a number{unit}.*", ""]
    answer = model_answer(q)
    if q.choices:
        answer = f"{letter(order.index(q.answer))}) {q.choices[q.answer]}. {answer}"
    link = notebook_url.format(notebook=q.notebook)
    if q.section:
        link += f"#{q.section}"
    body = [
        f"<p><strong>Answer.</strong> {_html(answer)}</p>",
        f"<p><strong>Why.</strong> {_html(q.explanation)}</p>",
    ]
    if q.correction:
        body.append(
            f"<p><strong>What the usual answer gets wrong.</strong> {_html(q.correction)}</p>"
        )
    if q.key_points:
        body.append(
            f"<p><strong>Key points.</strong> {'; '.join(_html(k) for k in q.key_points)}</p>"
        )
    body.append(
        f'<p>See it happen: <a href="{html.escape(link)}">{q.notebook}</a>'
        f"{' § ' + html.escape(q.section) if q.section else ''}. "
        f"<small>Question <code>{q.id}</code>.</small></p>"
    )
    # one HTML block with no blank line inside, so MyST passes it through whole
    lines += ["<details>", "<summary>Show the answer</summary>", *body, "</details>", ""]
    return "\n".join(lines)


def to_markdown(
    questions: Iterable[Question] | None = None,
    *,
    level: str | Iterable[str] | None = None,
    topic: str | Iterable[str] | None = None,
    title: str = "Interview self-quiz",
    notebook_url: str = DEFAULT_NOTEBOOK_URL,
    seed: int = 0,
    intro: bool = True,
) -> str:
    """MyST Markdown for the quiz page, grouped by level, answers hidden until clicked.

    ``questions`` defaults to the whole bank (filtered by ``level``/``topic``). ``notebook_url`` is
    the link to a notebook's page, with ``{notebook}`` for its name (default: the built HTML page
    next to the book's ``book/`` folder).
    """
    _checks.integer("seed", seed, minimum=0, maximum=2**32 - 1)
    if "{notebook}" not in notebook_url:
        raise ValueError(f"notebook_url must contain '{{notebook}}', got {notebook_url!r}")
    bank = load_bank()
    pool = list(bank.select(level=level, topic=topic) if questions is None else questions)
    if questions is not None and (level is not None or topic is not None):
        raise TypeError("give either questions or level/topic filters, not both")
    if not pool:
        raise ValueError("questions must not be empty")
    out = [f"# {title}", ""]
    if intro:
        out += [
            f"{len(pool)} questions on the learning rate and the batch size, from basic to "
            "advanced. Answer in your head (or on paper), then click *Show the answer*. "
            "Numeric answers are computed by lrlearn; loss curves are simulated and checked "
            "by its classifier, or recorded from real training runs.",
            "",
            "For spaced repetition (questions you miss come back sooner), run `lrlearn "
            "quiz` in a terminal or use the quiz widget in the notebook "
            "`12_interview_quiz`. `lrlearn interview` runs a mock interview. `lrlearn "
            "export-anki quiz.txt` writes the bank for Anki.",
            "",
        ]
    n = 0
    for lvl in LEVELS:
        group = [q for q in pool if q.level == lvl]
        if not group:
            continue
        out += [f"## {lvl.capitalize()}", ""]
        for q in group:
            n += 1
            out.append(_question_md(n, q, notebook_url, seed))
    return "\n".join(out).rstrip() + "\n"


def write_book_page(path: str | Path = "book/quiz.md", **kwargs: Any) -> Path:
    """Write ``to_markdown(**kwargs)`` to ``path`` (folders created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_markdown(**kwargs), encoding="utf-8")
    return target


#: page slug -> (title, topics whose questions it holds: a question goes to the page of its
#: first topic); "more" takes every topic not listed
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "basics": ("What the learning rate does", ("basics", "too-high-too-low")),
    "stability": ("Stability and the edge of stability", ("stability", "edge-of-stability")),
    "loss-curves": ("Reading loss curves", ("loss-curves",)),
    "real-runs": ("Loss curves of real training runs", ()),
    "schedules": (
        "Schedules, warmup and the range test",
        ("schedules", "warmup", "one-cycle", "lr-range-test"),
    ),
    "optimizers": (
        "Momentum, Adam and weight decay",
        ("momentum", "adaptive", "adam-vs-sgd", "weight-decay"),
    ),
    "batch-size": (
        "The batch size",
        (
            "batch-size",
            "linear-scaling",
            "critical-batch-size",
            "gradient-accumulation",
            "hardware",
        ),
    ),
    "generalisation": ("Generalisation and fine-tuning", ("generalisation", "transfer-learning")),
    "practice": ("Debugging and myths", ("debugging", "myths")),
    "more": ("More topics", ()),
}


def page_of(question: Question) -> str:
    """The slug of the page in ``PAGES`` that holds ``question`` (questions on real training runs
    have a page of their own; figures are heavy)."""
    if question.kind == "training":
        return "real-runs"
    for slug, (_, topics) in PAGES.items():
        if question.topics[0] in topics:
            return slug
    return "more"


def pages_markdown(
    questions: Iterable[Question] | None = None,
    *,
    folder: str = "quiz",
    seed: int = 0,
    notebook_url: str = "../../notebooks/{notebook}.html",
) -> dict[str, str]:
    """{relative path without suffix: MyST Markdown}: a contents page ``quiz`` listing the topic
    pages, and one page ``quiz/<slug>`` per entry of ``PAGES`` (each question on one page)."""
    _checks.integer("seed", seed, minimum=0, maximum=2**32 - 1)
    pool = list(load_bank() if questions is None else questions)
    groups: dict[str, list[Question]] = {slug: [] for slug in PAGES}
    for q in pool:
        groups[page_of(q)].append(q)
    contents = [
        "# Interview self-quiz",
        "",
        f"{len(pool)} questions on the learning rate and the batch size, from basic to "
        "advanced, on the pages below. Answer in your head (or on paper), then click "
        "*Show the answer*. The options are in a shuffled order; numeric answers are "
        "computed by lrlearn; loss curves are simulated and checked by its classifier, "
        "or recorded from real training runs on the digits.",
        "",
        "For spaced repetition (questions you miss come back sooner), run `lrlearn "
        "quiz` in a terminal or use the quiz widget in the notebook "
        "`12_interview_quiz`; `lrlearn interview` runs a mock interview; `lrlearn "
        "export-anki quiz.txt` writes the bank for Anki.",
        "",
        "## Contents",
        "",
    ]
    pages = {}
    for slug, (title, _) in PAGES.items():
        group = groups[slug]
        tags = sorted({q.topics[0] for q in group}, key=lambda t: [*PAGES[slug][1], t].index(t))
        contents.append(
            f"- [{title}]({folder}/{slug}.md): {len(group)} question"
            f"{'s' * (len(group) != 1)}" + (f" ({', '.join(tags)})" if tags else "")
        )
        if group:
            pages[f"{folder}/{slug}"] = to_markdown(
                group, title=title, notebook_url=notebook_url, seed=seed, intro=False
            )
        else:
            pages[f"{folder}/{slug}"] = f"# {title}\n\nNo questions on these topics yet.\n"
    pages[folder] = "\n".join(contents) + "\n"
    return pages


def write_book_pages(root: str | Path = "book", **kwargs: Any) -> list[Path]:
    """Write ``pages_markdown(**kwargs)`` under ``root`` (``root/quiz.md``, ``root/quiz/*.md``),
    leaving files that already hold the same text alone; return the paths."""
    out = []
    for rel, text in pages_markdown(**kwargs).items():
        target = Path(root) / f"{rel}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not (target.is_file() and target.read_text(encoding="utf-8") == text):
            target.write_text(text, encoding="utf-8")
        out.append(target)
    return out


_checks.check_public(globals())
