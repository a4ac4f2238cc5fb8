"""Rendering evidence as Markdown and HTML tables."""

from __future__ import annotations

import pytest

from lrlearn import claims
from lrlearn.claims import Table, detail_table, fmt, numbers_table, verdict_table


def test_fmt():
    assert fmt(True) == "yes" and fmt(False) == "no"
    assert fmt(7) == "7"
    assert fmt(0.0) == "0"
    assert fmt(0.123456) == "0.123"
    assert fmt(1.66e-19) == "1.66e-19"
    assert fmt(6.4e60) == "6.40e+60"
    assert fmt("text") == "text"


def test_markdown_and_html_escape():
    t = Table(("a|b", "c"), (("x|y", "<b>"),), caption="cap")
    md = t.to_markdown()
    assert r"a\|b" in md and r"x\|y" in md
    assert md.splitlines()[2] == r"| a\|b | c |"
    assert md.splitlines()[3] == "|---|---|"
    html = t.to_html()
    assert "&lt;b&gt;" in html and "<caption>cap</caption>" in html
    assert t._repr_markdown_() == md and t._repr_html_() == html


def test_table_rejects_ragged_rows():
    with pytest.raises(ValueError, match="row 0 has 1 cells, the table has 2 columns"):
        Table(("a", "b"), (("x",),))


def test_tables_from_evidence():
    ev = claims.check("worked-example")
    vt = verdict_table([ev], rule=True)
    assert vt.headers == ("Claim", "Source", "Measured", "Verdict", "Rule")
    assert vt.rows[0][3] == ev.verdict.value
    assert vt.rows[0][2] == ev.measurement.finding
    nt = numbers_table(ev, ["a_small_step", "b_small_step"])
    assert nt.rows == (("a_small_step", ev.numbers["a_small_step"]),
                       ("b_small_step", ev.numbers["b_small_step"]))
    dt = detail_table(ev, ["version", "after lr 0.05"])
    assert len(dt.rows) == 3 and "0.6" in dt.to_markdown()
    with pytest.raises(ValueError, match="names must be measured numbers"):
        numbers_table(ev, ["nope"])
    with pytest.raises(ValueError, match="columns must be among"):
        detail_table(ev, ["nope"])


def test_show_displays_one_png_and_closes(monkeypatch):
    import IPython.display
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from lrlearn.claims import show

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    fig, _ = plt.subplots()
    show(fig)
    assert not plt.get_fignums()  # closed after display, so the cell end shows nothing more
    show(Figure())  # a Figure pyplot does not manage is shown the same way
    assert len(shown) == 2
    for image in shown:
        assert isinstance(image, IPython.display.Image)
        assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        show("not a figure")
