"""The quiz as a book page: MyST Markdown with each answer hidden in ``<details>`` until clicked.

``<details><summary>`` is plain HTML, so the answers open and close on the static site with no
kernel and no JavaScript. Loss-curve questions carry their curve as an inline PNG.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .bank import load_bank
from .compute import run_curve
from .grading import model_answer
from .schema import LEVELS, Question

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["curve_figure", "curve_png", "to_markdown", "write_book_page"]

DEFAULT_NOTEBOOK_URL = "../notebooks/{notebook}.html"
_MD_SPECIAL = re.compile(r"([\\*_\[\]<>#|~$])")
_CODE = re.compile(r"(`[^`]+`)")


def _md(text: str) -> str:
    """Markdown-escape text, leaving `code spans` alone."""
    parts = _CODE.split(text)
    return "".join(p if p.startswith("`") and p.endswith("`") and len(p) > 1
                   else _MD_SPECIAL.sub(r"\\\1", p) for p in parts)


def _html(text: str) -> str:
    """HTML-escape text, `code spans` to <code>, line breaks kept."""
    parts = _CODE.split(text)
    out = "".join(f"<code>{html.escape(p[1:-1])}</code>" if p.startswith("`") and len(p) > 1
                  else html.escape(p) for p in parts)
    return out.replace("\n", "<br>")


def curve_figure(question: Question, *, figsize: tuple[float, float] = (4.8, 2.8)) -> Figure:
    """The loss curve of a curve question as a matplotlib Figure (log y-axis when it spans decades)."""
    from matplotlib.figure import Figure

    if question.kind != "curve":
        raise TypeError(f"question {question.id!r} is not a loss-curve question")
    losses = run_curve(question.curve).losses
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.subplots()
    ax.plot(range(losses.size), losses, lw=1.5, color="C0")
    if losses.min() > 0 and losses.max() / losses.min() > 100:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.grid(alpha=0.3)
    return fig


def curve_png(question: Question, dpi: int = 80) -> bytes:
    """The curve figure as PNG bytes (cached per question and dpi)."""
    return _curve_png(question, dpi)


@lru_cache(maxsize=64)
def _curve_png(question: Question, dpi: int) -> bytes:
    fig = curve_figure(question)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _question_md(n: int, q: Question, notebook_url: str) -> str:
    lines = [f"(quiz-{q.id})=", f"### {n}. {q.level.capitalize()} · {', '.join(q.topics)}", "",
             _md(q.prompt), ""]
    if q.kind == "curve":
        data = base64.b64encode(curve_png(q)).decode("ascii")
        lines += [f'<img src="data:image/png;base64,{data}" alt="a training loss curve" '
                  'width="480">', ""]
    if q.choices:
        lines += [f"- {chr(ord('a') + i)}) {_md(c)}" for i, c in enumerate(q.choices)] + [""]
    if q.kind == "numeric":
        unit = f" ({_md(q.unit)})" if q.unit else ""
        lines += [f"*Give a number{unit}.*", ""]
    answer = model_answer(q)
    if q.kind in ("choice", "curve"):
        answer = f"{chr(ord('a') + q.answer)}) {q.choices[q.answer]}. {answer}"
    link = notebook_url.format(notebook=q.notebook)
    if q.section:
        link += f"#{q.section}"
    body = [f"<p><strong>Answer.</strong> {_html(answer)}</p>",
            f"<p><strong>Why.</strong> {_html(q.explanation)}</p>"]
    if q.correction:
        body.append(f"<p><strong>What the usual answer gets wrong.</strong> "
                    f"{_html(q.correction)}</p>")
    body.append(f'<p>See it happen: <a href="{html.escape(link)}">{q.notebook}</a>'
                f"{' § ' + html.escape(q.section) if q.section else ''}.</p>")
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
) -> str:
    """MyST Markdown for the quiz page, grouped by level, answers hidden until clicked.

    ``questions`` defaults to the whole bank (filtered by ``level``/``topic``). ``notebook_url`` is
    the link to a notebook's page, with ``{notebook}`` for its name (default: the built HTML page
    next to the book's ``book/`` folder).
    """
    if "{notebook}" not in notebook_url:
        raise ValueError(f"notebook_url must contain '{{notebook}}', got {notebook_url!r}")
    bank = load_bank()
    pool = list(bank.select(level=level, topic=topic) if questions is None else questions)
    if questions is not None and (level is not None or topic is not None):
        raise TypeError("give either questions or level/topic filters, not both")
    if not pool:
        raise ValueError("questions must not be empty")
    out = [f"# {title}", "",
           f"{len(pool)} questions on the learning rate and the batch size, from basic to advanced. "
           "Answer in your head (or on paper), then click *Show the answer*. Numeric answers are "
           "computed by lrlearn; loss curves are simulated and checked by its classifier.", "",
           "For spaced repetition (questions you miss come back sooner), run `lrlearn quiz` in a "
           "terminal or use the quiz widget in the notebook `12_interview_quiz`. "
           "`lrlearn export-anki quiz.txt` writes the bank for Anki.", ""]
    n = 0
    for lvl in LEVELS:
        group = [q for q in pool if q.level == lvl]
        if not group:
            continue
        out += [f"## {lvl.capitalize()}", ""]
        for q in group:
            n += 1
            out.append(_question_md(n, q, notebook_url))
    return "\n".join(out).rstrip() + "\n"


def write_book_page(path: str | Path = "book/quiz.md", **kwargs: Any) -> Path:
    """Write ``to_markdown(**kwargs)`` to ``path`` (folders created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(to_markdown(**kwargs), encoding="utf-8")
    return target

