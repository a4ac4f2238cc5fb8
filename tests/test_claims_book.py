"""The evidence pages of the book (myths page, paper pages): their code cells run (in the fast
setting) and their prose states no number the code did not compute."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lrlearn import claims

BOOK = Path(__file__).resolve().parents[1] / "book"
PAGES = [BOOK / "myths.md", *sorted((BOOK / "papers").glob("*.md"))]
CELL = re.compile(r"```\{code-cell\}[^\n]*\n(.*?)```", re.S)
FENCE = re.compile(r"```.*?```", re.S)
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e-?\d+)?(?![\w])")
#: constants of formulas the prose explains (lr < 2/L, lr = 1/L, 1 - 2 lr, x^2): not results
FORMULA_CONSTANTS = {"0", "1", "2"}


def _cells(page: Path) -> list[str]:
    cells = []
    for body in CELL.findall(page.read_text()):
        lines = [ln for ln in body.splitlines() if not ln.startswith(":")]
        cells.append("\n".join(lines))
    return cells


def _prose(page: Path) -> str:
    text = page.read_text()
    text = text.split("---", 2)[2]  # drop the front matter
    return FENCE.sub("", text)


def run_page_fast(page: Path) -> dict:
    """Execute a page's code cells in order, in the fast setting, and return their namespace."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = _cells(page)
    assert cells, f"{page.name} has no code cells"
    source = "\n".join(cells)
    assert "fast=False" in source, "the book runs the full setting"
    namespace: dict = {}
    exec(compile(source.replace("fast=False", "fast=True"), str(page), "exec"), namespace)
    plt.close("all")
    return namespace


@pytest.mark.slow
def test_myths_page_cells_run_fast():
    """(The paper pages run in test_claims_book_papers.py, to spread the time over workers.)"""
    ns = run_page_fast(BOOK / "myths.md")
    shown = {ev.claim.key for ev in ns["evidence"].values()}
    assert shown == {c.key for c in claims.claims(source="seed guide")}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_figures_are_shown_explicitly(page):
    """A Figure made without pyplot is not displayed at the end of a cell: every figure a page
    draws goes through claims.show, which displays it exactly once."""
    for cell in _cells(page):
        for line in cell.splitlines():
            if ".plot(" in line or "figures." in line:
                assert line.startswith("claims.show(") and line.endswith(")"), line


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_names_only_registered_claims(page):
    keys = {c.key for c in claims.claims()}
    named = set(re.findall(r'(?:evidence\[|check\()"([a-z0-9-]+)"', page.read_text()))
    assert named, f"{page.name} names no claim"
    assert named <= keys, named - keys


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_prose_states_no_uncomputed_number(page):
    """Numbers in the prose must be quoted from the registry (the claims' statements, references
    and the papers' published settings, which the page also shows from code) or be formula
    constants; every measured result comes from a code cell."""
    from lrlearn import stats

    # the confidence level of the intervals is a setting of the method (stats.CONFIDENCE), not a
    # measured result: "the 95% interval" may be typed, read from the code here
    allowed = set(FORMULA_CONSTANTS) | {f"{100 * stats.CONFIDENCE:g}"}
    for c in claims.claims():
        quoted = [c.statement, c.reference, *(text for pair in c.published for text in pair)]
        for text in quoted:
            allowed |= set(NUMBER.findall(text))
    stray = [n for n in NUMBER.findall(_prose(page)) if n.lstrip("-") not in allowed
             and n not in allowed]
    assert not stray, f"{page.name} states numbers no code computed: {stray}"
