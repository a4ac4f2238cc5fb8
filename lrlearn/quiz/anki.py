"""Export the bank as a text file Anki imports (File > Import): one note per question.

Format (Anki manual, "Importing text files"): tab-separated fields with header lines
``#separator:tab``, ``#html:true``, ``#notetype:Basic``, ``#deck:...``, ``#guid column:1`` (the
question id, so re-importing updates notes instead of duplicating them) and ``#tags column:4``.
Fields are quoted (double quotes doubled), so text may hold any character.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterable
from pathlib import Path

from .bank import load_bank
from .compute import run_curve
from .grading import model_answer
from .render import _html
from .schema import Question
from .textplot import text_curve

__all__ = ["anki_rows", "export_anki"]


def _front(q: Question) -> str:
    parts = [f"<p>{_html(q.prompt)}</p>"]
    if q.kind == "curve":
        curve = text_curve(run_curve(q.curve).losses, width=50, height=10)
        parts.append(f"<pre>{html.escape(curve)}</pre>")
    if q.choices:
        items = "".join(f"<li>{chr(ord('a') + i)}) {_html(c)}</li>" for i, c in enumerate(q.choices))
        parts.append(f'<ul style="list-style:none">{items}</ul>')
    if q.kind == "numeric":
        unit = f" ({html.escape(q.unit)})" if q.unit else ""
        parts.append(f"<p><i>Give a number{unit}.</i></p>")
    return "".join(parts)


def _back(q: Question) -> str:
    answer = model_answer(q)
    if q.kind in ("choice", "curve"):
        answer = f"{chr(ord('a') + q.answer)}) {q.choices[q.answer]}. {answer}"
    parts = [f"<p><b>Answer.</b> {_html(answer)}</p>", f"<p><b>Why.</b> {_html(q.explanation)}</p>"]
    if q.correction:
        parts.append(f"<p><b>What the usual answer gets wrong.</b> {_html(q.correction)}</p>")
    where = f"{q.notebook}.ipynb" + (f" § {q.section}" if q.section else "")
    parts.append(f"<p><small>lrlearn notebook {html.escape(where)}</small></p>")
    return "".join(parts)


def _tags(q: Question, prefix: str) -> str:
    return " ".join([f"{prefix}::{q.level}", *(f"{prefix}::{t}" for t in q.topics)])


def anki_rows(questions: Iterable[Question], tag_prefix: str = "lrlearn") -> list[list[str]]:
    """[guid, front, back, tags] per question."""
    return [[f"lrlearn-{q.id}", _front(q), _back(q), _tags(q, tag_prefix)] for q in questions]


def export_anki(
    path: str | Path,
    questions: Iterable[Question] | None = None,
    *,
    deck: str = "lrlearn",
    tag_prefix: str = "lrlearn",
) -> Path:
    """Write the questions (default: the whole bank) to ``path`` as an Anki import file."""
    if not isinstance(deck, str) or not deck.strip() or any(c in deck for c in "\t\n\r"):
        raise ValueError(f"deck must be a non-empty single-line name, got {deck!r}")
    if not isinstance(tag_prefix, str) or not tag_prefix or any(c.isspace() for c in tag_prefix):
        raise ValueError(f"tag_prefix must be a non-empty word without spaces, got {tag_prefix!r}")
    pool = list(load_bank() if questions is None else questions)
    if not pool:
        raise ValueError("questions must not be empty")
    buf = io.StringIO()
    buf.write("#separator:tab\n#html:true\n#notetype:Basic\n")
    buf.write(f"#deck:{deck}\n#guid column:1\n#tags column:4\n")
    writer = csv.writer(buf, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows(anki_rows(pool, tag_prefix))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(buf.getvalue(), encoding="utf-8")
    return target
