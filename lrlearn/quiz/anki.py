"""Export the bank as a text file Anki imports (File > Import): one note per question.

Format (Anki manual, "Importing text files"): tab-separated fields with header lines
``#separator:tab``, ``#html:true``, ``#notetype:Basic``, ``#deck:...``, ``#guid column:1`` (the
question id, so re-importing updates notes instead of duplicating them) and ``#tags column:4``.
Fields are quoted (double quotes doubled), so text may hold any character.

Options are written in a seeded shuffled order, and a short script on the card front reshuffles
them at every showing (Anki runs card scripts on desktop and mobile); the back names the right
option by its text, so it holds in any order. ``export_anki`` never writes over a file it did not
write itself (a progress file least of all) unless ``force=True``, and writes atomically.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .. import _checks
from .bank import load_bank
from .grading import model_answer
from .render import _html, text_plot
from .schema import Question
from .shuffle import shuffled_order
from .store import FILE_NAME, FORMAT, default_data_dir

__all__ = ["HEADER", "anki_rows", "export_anki"]

HEADER = "#separator:tab\n#html:true\n#notetype:Basic\n"
# reorders the options of the card it sits on at random, every time the card is shown
_SHUFFLE_JS = (
    "<script>(function(){var u=document.currentScript.previousElementSibling;"
    "for(var i=u.children.length;i>1;i--){u.appendChild(u.children["
    "Math.floor(Math.random()*i)]);}})();</script>"
)


def _front(q: Question, seed: int = 0) -> str:
    parts = [f"<p>{_html(q.prompt)}</p>"]
    if q.kind in ("curve", "training"):
        parts.append(f"<pre>{html.escape(text_plot(q, width=50, height=10))}</pre>")
    if q.choices:
        items = "".join(f"<li>{_html(q.choices[i])}</li>" for i in shuffled_order(q, seed))
        parts.append(f'<ul class="lrlearn-options">{items}</ul>{_SHUFFLE_JS}')
    if q.kind == "numeric":
        unit = f" ({html.escape(q.unit)})" if q.unit else ""
        parts.append(f"<p><i>Give a number{unit}.</i></p>")
    return "".join(parts)


def _back(q: Question) -> str:
    answer = model_answer(q)
    if q.choices:
        answer = f"“{q.choices[q.answer]}”. {answer}"
    parts = [f"<p><b>Answer.</b> {_html(answer)}</p>", f"<p><b>Why.</b> {_html(q.explanation)}</p>"]
    if q.correction:
        parts.append(f"<p><b>What the usual answer gets wrong.</b> {_html(q.correction)}</p>")
    where = f"{q.notebook}.ipynb" + (f" § {q.section}" if q.section else "")
    if q.key_points:
        parts.append(f"<p><b>Key points.</b> {'; '.join(_html(k) for k in q.key_points)}</p>")
    parts.append(
        f"<p><small>lrlearn notebook {html.escape(where)} · question "
        f"{html.escape(q.id)}</small></p>"
    )
    return "".join(parts)


def _tags(q: Question, prefix: str) -> str:
    return " ".join([f"{prefix}::{q.level}", *(f"{prefix}::{t}" for t in q.topics)])


def anki_rows(
    questions: Iterable[Question], tag_prefix: str = "lrlearn", seed: int = 0
) -> list[list[str]]:
    """[guid, front, back, tags] per question."""
    return [[f"lrlearn-{q.id}", _front(q, seed), _back(q), _tags(q, tag_prefix)] for q in questions]


def _written_by_export(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return (
        head.startswith(HEADER.encode())
        and b"#guid column:1" in head
        and FORMAT.encode() not in head
    )


def _refuse(path: Path) -> str | None:
    """Why ``path`` must not be overwritten without ``force`` (None if it may be)."""
    reserved = path.name.startswith(FILE_NAME) or (
        path.resolve() == default_data_dir().resolve() / FILE_NAME
    )
    if path.is_dir():
        return f"{path} is a folder"
    if path.exists():
        try:
            with path.open("rb") as fh:
                head = fh.read(4096)
        except OSError as exc:
            return f"{path} cannot be read ({exc})"
        if FORMAT.encode() in head:
            return f"{path} is an lrlearn quiz progress file"
        if not reserved and not _written_by_export(path):
            return f"{path} exists and was not written by lrlearn export-anki"
    if reserved:  # even before the first answer: a deck there would be read as progress
        return f"{path} is where the quiz keeps its progress"
    return None


def export_anki(
    path: str | Path,
    questions: Iterable[Question] | None = None,
    *,
    deck: str = "lrlearn",
    tag_prefix: str = "lrlearn",
    seed: int = 0,
    force: bool = False,
) -> Path:
    """Write the questions (default: the whole bank) to ``path`` as an Anki import file.

    Raises ``FileExistsError`` if ``path`` is a file this function did not write (a progress
    file, anything else) unless ``force``; ``path`` is replaced atomically."""
    if not isinstance(deck, str) or not deck.strip() or any(c in deck for c in "\t\n\r"):
        raise ValueError(f"deck must be a non-empty single-line name, got {deck!r}")
    if not isinstance(tag_prefix, str) or not tag_prefix or any(c.isspace() for c in tag_prefix):
        raise ValueError(f"tag_prefix must be a non-empty word without spaces, got {tag_prefix!r}")
    pool = list(load_bank() if questions is None else questions)
    if not pool:
        raise ValueError("questions must not be empty")
    target = Path(path).expanduser()
    why = _refuse(target)
    if why and not force:
        raise FileExistsError(
            f"{why}; not overwriting it (choose another file, or force it: --force / force=True)"
        )
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder; give a file name")
    buf = io.StringIO()
    buf.write(HEADER)
    buf.write(f"#deck:{deck}\n#guid column:1\n#tags column:4\n")
    writer = csv.writer(buf, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerows(anki_rows(pool, tag_prefix, seed))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


_checks.check_public(globals())
