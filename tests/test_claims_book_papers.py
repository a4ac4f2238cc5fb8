"""The paper pages of the book run (their code cells, in the fast setting)."""

from __future__ import annotations

import pytest
from test_claims_book import BOOK, run_page_fast

from lrlearn import claims

PAPER_PAGES = sorted((BOOK / "papers").glob("*.md"))


def test_every_paper_claim_has_a_page():
    text = "".join(p.read_text() for p in PAPER_PAGES)
    for c in claims.claims(group="paper"):
        assert f'"{c.key}"' in text, f"no page shows {c.key}"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAPER_PAGES, ids=lambda p: p.name)
def test_paper_page_cells_run_fast(page):
    ns = run_page_fast(page)
    ev = ns["ev"]
    assert ev.claim.group == "paper" and ev.fast
