"""Render evidence as tables: Markdown for text, HTML for notebooks and the book.

A :class:`Table` shows itself in Jupyter (``_repr_html_`` / ``_repr_markdown_``), so a book page
that ends a code cell with ``verdict_table(...)`` displays numbers the code just computed.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import _checks
from .registry import Evidence

__all__ = [
    "Summary",
    "Table",
    "detail_table",
    "fmt",
    "numbers_table",
    "published_table",
    "show",
    "summary",
    "verdict_table",
]


def fmt(value: Any, digits: int = 3) -> str:
    """A number as text: ints as they are, floats to ``digits`` significant figures, bools yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0:
            return "0"
        if 1e-3 <= abs(value) < 1e5:
            text = f"{value:.{digits}g}"
            return text
        return f"{value:.{max(digits - 1, 0)}e}"
    return str(value)


@dataclass(frozen=True)
class Table:
    """Column headers and rows of cells (any values; numbers are formatted by :func:`fmt`)."""

    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    caption: str = ""

    def __post_init__(self) -> None:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.headers):
                raise ValueError(f"row {i} has {len(row)} cells, the table has "
                                 f"{len(self.headers)} columns")

    def _cells(self) -> list[list[str]]:
        return [[fmt(v) for v in row] for row in self.rows]

    def to_markdown(self) -> str:
        """A GitHub-style Markdown table (pipes in cells escaped)."""
        def esc(text: str) -> str:
            return text.replace("|", r"\|").replace("\n", " ")

        lines = []
        if self.caption:
            lines += [f"**{esc(self.caption)}**", ""]
        lines.append("| " + " | ".join(esc(h) for h in self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in self._cells()]
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML table (cells escaped)."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self._cells()
        )
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="lrlearn-claims">{cap}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()


def verdict_table(evidence: Iterable[Evidence], *, rule: bool = False) -> Table:
    """One row per claim: statement, source, what was measured, verdict (and the rule if asked)."""
    headers = ["Claim", "Source", "Measured", "Verdict"] + (["Rule"] if rule else [])
    rows = []
    for ev in evidence:
        c = ev.claim
        row = [c.statement, f"{c.source}: {c.reference}", ev.measurement.finding, ev.verdict.value]
        if rule:
            row.append(c.rule)
        rows.append(tuple(row))
    return Table(tuple(headers), tuple(rows))


def published_table(ev: Evidence) -> Table:
    """What the paper reports next to what we did: one row per aspect."""
    pub = ev.claim.published
    if not pub:
        raise ValueError(f"claim {ev.claim.key!r} has no published results recorded")
    rows = [(aspect, paper) for aspect, paper in pub]
    rows.append(("our setup", ev.measurement.setup))
    rows.append(("our verdict", ev.verdict.value))
    return Table(("aspect", "detail"), tuple(rows), caption=ev.claim.reference)


def numbers_table(ev: Evidence, names: Sequence[str] | None = None) -> Table:
    """The measured numbers the verdict was computed from, one per row."""
    nums: Mapping[str, Any] = ev.measurement.numbers
    chosen = list(nums) if names is None else list(names)
    missing = [n for n in chosen if n not in nums]
    if missing:
        raise ValueError(f"names must be measured numbers of {ev.claim.key!r} ({sorted(nums)}), "
                         f"got {missing}")
    return Table(("quantity", "value"), tuple((n, nums[n]) for n in chosen),
                 caption=f"{ev.claim.key}: {ev.verdict.value}")


def detail_table(ev: Evidence, columns: Sequence[str] | None = None) -> Table:
    """The experiment's detail rows (for example one row per learning rate)."""
    rows = ev.measurement.rows
    if not rows:
        raise ValueError(f"claim {ev.claim.key!r} recorded no detail rows")
    cols = list(rows[0]) if columns is None else list(columns)
    missing = [k for k in cols if k not in rows[0]]
    if missing:
        raise ValueError(f"columns must be among {list(rows[0])}, got {missing}")
    return Table(tuple(cols), tuple(tuple(r[k] for k in cols) for r in rows))


@dataclass(frozen=True)
class Summary:
    """One claim's verdict, finding and rule as a short paragraph (Markdown or HTML)."""

    verdict: str
    finding: str
    rule: str
    setup: str = ""

    def to_markdown(self) -> str:
        text = f"**Verdict: {self.verdict}.** {self.finding}\n\n*Rule:* {self.rule}"
        if self.setup:
            text += f"\n\n*Setup:* {self.setup}."
        return text

    def to_html(self) -> str:
        out = (f"<p><strong>Verdict: {html.escape(self.verdict)}.</strong> "
               f"{html.escape(self.finding)}</p><p><em>Rule:</em> {html.escape(self.rule)}</p>")
        if self.setup:
            out += f"<p><em>Setup:</em> {html.escape(self.setup)}.</p>"
        return out

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()


def summary(ev: Evidence) -> Summary:
    """The verdict, what was measured, the rule and the setup of one piece of evidence."""
    return Summary(ev.verdict.value, ev.measurement.finding, ev.claim.rule, ev.measurement.setup)


def show(fig: Any, dpi: int = 100) -> None:
    """Display a matplotlib Figure once, as a PNG image, in a notebook or book page, whatever the
    backend and whether or not pyplot manages it (a pyplot figure is closed after it is shown, so
    the end of the cell does not show it again)."""
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=2 * dpi)  # twice its layout size: sharp on any screen
    plt.close(fig)
    display(Image(data=buffer.getvalue(), format="png", retina=True))

_checks.check_public(globals())
