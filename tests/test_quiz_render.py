"""The book page (MyST Markdown, answers in <details>) and the Anki export."""

from __future__ import annotations

import base64
import csv
import html
import io
import re
import shutil
import subprocess
import sys

import pytest

from lrlearn.quiz import (
    export_anki,
    load_bank,
    model_answer,
    shuffled_order,
    to_markdown,
    write_book_page,
    write_book_pages,
)
from lrlearn.quiz.render import PAGES, anchor, curve_figure, page_of, pages_markdown
from lrlearn.quiz.textplot import text_curve

BANK = load_bank()
# one question of every kind, including a curve, keeps the rendering fast
SAMPLE = [
    BANK.get(i)
    for i in (
        "basics-update-rule",
        "num-critical-5x2",
        "basics-what-is-lr",
        "curve-sgd-diverging",
        "hilo-worked-example-broken",
    )
]


@pytest.fixture(scope="module")
def page() -> str:
    return to_markdown(SAMPLE)


def _chunks(text: str) -> dict[str, str]:
    parts = re.split(r"^\(quiz-[0-9a-f]{8}\)=$", text, flags=re.M)[1:]
    # the id is named only inside the answer, after the click
    return {re.search(r"Question <code>([a-z0-9-]+)</code>", c).group(1): c for c in parts}


def test_every_question_has_a_label_heading_and_hidden_answer(page):
    chunks = _chunks(page)
    assert list(chunks) == [
        q.id
        for q in sorted(SAMPLE, key=lambda q: ["basic", "intermediate", "advanced"].index(q.level))
    ]
    for q in SAMPLE:
        chunk = chunks[q.id]
        assert chunk.count("<details>") == 1 and chunk.count("</details>") == 1
        before, answer = chunk.split("<details>")
        assert q.id not in before
        assert "<summary>Show the answer</summary>" in answer
        shown = html.escape(model_answer(q)).replace("\n", "<br>")
        assert shown in answer and shown not in before  # hidden until clicked
        assert html.escape(q.explanation) in answer
        assert f'href="../notebooks/{q.notebook}.html' in answer
        # MyST ends an HTML block at a blank line: the whole <details> must have none
        block = answer.split("</details>")[0]
        assert "\n\n" not in block


def test_choices_numeric_and_corrections(page):
    chunks = _chunks(page)
    mc = BANK.get("basics-update-rule")
    order = shuffled_order(mc, 0)
    assert order != tuple(range(len(order)))  # this one is shuffled away from the bank order
    for pos, i in enumerate(order):
        assert f"- {chr(97 + pos)}) {mc.choices[i]}" in chunks[mc.id]
    before, answer = chunks[mc.id].split("<details>")
    right = chr(97 + order.index(mc.answer))
    assert f"<strong>Answer.</strong> {html.escape(right)}) " in answer
    assert mc.id not in before  # the heading names level and topics, never the id
    assert "*Give a number.*" in chunks["num-critical-5x2"]
    assert "What the usual answer gets wrong." in chunks["hilo-worked-example-broken"]
    assert "{value" not in page


def test_curve_is_an_inline_png_of_the_simulated_run(page):
    chunk = _chunks(page)["curve-sgd-diverging"]
    m = re.search(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', chunk)
    assert m is not None
    png = base64.b64decode(m.group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # drawn at twice the width it is laid out at, as a palette image (64 colours at most)
    laid_out = int(re.search(r'width="(\d+)"', chunk).group(1))
    assert int.from_bytes(png[16:20], "big") == 2 * laid_out and png[25] == 3  # colour type 3
    assert 'alt="a training loss curve' in chunk
    fig = curve_figure(BANK.get("curve-sgd-diverging"))
    line = fig.axes[0].get_lines()[0]
    from lrlearn.quiz.compute import run_curve

    run = run_curve(BANK.get("curve-sgd-diverging").curve)
    assert list(line.get_ydata()) == list(run.losses)
    assert fig.axes[0].get_yscale() == "log"  # the blow-up spans decades
    assert fig.get_layout_engine() is not None
    assert run.landscape.min_value == 0 and "floor" in fig.axes[0].get_title()


def test_the_floor_is_drawn_where_it_is_on_the_plot():
    from lrlearn.quiz.compute import run_curve

    for q in BANK.select(kind="curve"):
        run = run_curve(q.curve)
        fig = curve_figure(q)
        ax = fig.axes[0]
        floors = [ln for ln in ax.get_lines()[1:] if ln.get_linestyle() == "--"]
        floor = float(run.landscape.min_value)
        if ax.get_yscale() == "linear" or floor > 0:
            assert [ln.get_ydata()[0] for ln in floors] == [floor], q.id
        else:
            assert "below the log scale" in ax.get_title(), q.id
        assert "floor (the lowest loss possible)" in text_curve(run.losses, floor=floor)


def test_markdown_special_characters_are_escaped():
    text = to_markdown([BANK.get("transfer-param-groups-code")])
    # the PyTorch snippet keeps its brackets and underscores as text, not Markdown syntax
    assert r"optim.AdamW(\[{'params': model.backbone.parameters()" in text
    assert "lr=\\[1e-5, 1e-4\\]" in text


def test_pages_split_the_bank_by_topic_with_a_contents_page(tmp_path):
    pages = pages_markdown()
    assert set(pages) == {"quiz", *(f"quiz/{slug}" for slug in PAGES)}
    total = sum(text.count("<details>") for name, text in pages.items() if name != "quiz")
    assert total == len(BANK)  # every question on exactly one page
    for q in BANK:
        assert f"({anchor(q)})=" in pages[f"quiz/{page_of(q)}"]
    contents = pages["quiz"]
    assert "<details>" not in contents
    for slug, (title, _) in PAGES.items():
        n = sum(page_of(q) == slug for q in BANK)
        assert f"- [{title}](quiz/{slug}.md): {n} question" in contents
    # each page holds a fraction of the bank (the single page held all of it)
    assert max(t.count("<details>") for t in pages.values()) < 0.35 * len(BANK)
    paths = write_book_pages(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == sorted(
        f"{name}.md" for name in pages
    )
    mtimes = [p.stat().st_mtime_ns for p in paths]
    write_book_pages(tmp_path)  # unchanged pages are not rewritten
    assert [p.stat().st_mtime_ns for p in paths] == mtimes


def test_book_toc_lists_the_quiz_pages():
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[1]
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    chapters = [c for part in toc["parts"] for c in part["chapters"]]
    (quiz,) = [c for c in chapters if c["file"] == "book/quiz"]
    assert [s["file"] for s in quiz["sections"]] == [f"book/quiz/{slug}" for slug in PAGES]
    ignored = (root / ".gitignore").read_text().split()
    assert "book/quiz.md" in ignored and "book/quiz/" in ignored


def test_filters_and_errors(tmp_path):
    n = len(BANK.select(level="advanced", topic="warmup"))
    text = to_markdown(level="advanced", topic="warmup")
    assert text.count("<details>") == n and "## Advanced" in text and "## Basic" not in text
    with pytest.raises(ValueError, match="notebook_url must contain"):
        to_markdown(SAMPLE, notebook_url="x.html")
    with pytest.raises(TypeError, match="either questions or level/topic"):
        to_markdown(SAMPLE, level="basic")
    with pytest.raises(ValueError, match="must not be empty"):
        to_markdown([])
    with pytest.raises(ValueError, match="unknown topic"):
        to_markdown(topic="nope")
    out = write_book_page(tmp_path / "b" / "quiz.md", questions=SAMPLE[:2])
    assert out.read_text().count("<details>") == 2


@pytest.mark.slow
def test_page_builds_with_sphinx_and_myst_without_warnings(tmp_path, page):
    pytest.importorskip("myst_parser")
    if shutil.which("sphinx-build", path=str(sys.prefix) + "/bin") is None:
        pytest.skip("sphinx-build not installed")
    src = tmp_path / "src"
    (src / "book").mkdir(parents=True)
    (src / "conf.py").write_text(
        "extensions = ['myst_parser']\nmyst_enable_extensions = "
        "['dollarmath']\nmaster_doc = 'book/quiz'\n"
    )
    (src / "book" / "quiz.md").write_text(page)
    res = subprocess.run(
        [
            f"{sys.prefix}/bin/sphinx-build",
            "-W",
            "-n",
            "-q",
            "-b",
            "html",
            str(src),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    built = (tmp_path / "out" / "book" / "quiz.html").read_text()
    assert built.count("<details>") == len(SAMPLE)
    assert built.count('<img src="data:image/png;base64,') == 1
    # the answer sits inside its details element in the built page
    m = re.search(r"<details>(.*?)</details>", built, flags=re.S)
    assert "Show the answer" in m.group(1) and "Answer." in m.group(1)


@pytest.mark.slow
def test_split_pages_build_with_sphinx_and_link_to_each_other(tmp_path):
    pytest.importorskip("myst_parser")
    if shutil.which("sphinx-build", path=str(sys.prefix) + "/bin") is None:
        pytest.skip("sphinx-build not installed")
    src = tmp_path / "src"
    pages = pages_markdown(SAMPLE)
    for rel, text in pages.items():
        (src / "book" / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / "book" / f"{rel}.md").write_text(text)
    # the book's _toc.yml lists the pages; a plain Sphinx project lists them in a toctree
    toctree = "\n".join(f"book/{rel}" for rel in pages)
    (src / "index.md").write_text(f"# Site\n\n```{{toctree}}\n{toctree}\n```\n")
    (src / "conf.py").write_text(
        "extensions = ['myst_parser']\nmyst_enable_extensions = ['dollarmath']\n"
    )
    res = subprocess.run(
        [
            f"{sys.prefix}/bin/sphinx-build",
            "-W",
            "-n",
            "-q",
            "-b",
            "html",
            str(src),
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    contents = (tmp_path / "out" / "book" / "quiz.html").read_text()
    for slug in PAGES:
        assert f'href="quiz/{slug}.html"' in contents
    built = sum(
        (tmp_path / "out" / "book" / "quiz" / f"{slug}.html").read_text().count("<details>")
        for slug in PAGES
    )
    assert built == len(SAMPLE)


# --- Anki ----------------------------------------------------------------------------------


def _read_anki(path):
    lines = path.read_text(encoding="utf-8").split("\n")
    header = [x for x in lines if x.startswith("#")]
    body = "\n".join(x for x in lines if not x.startswith("#"))
    rows = list(csv.reader(io.StringIO(body), delimiter="\t"))
    return header, [r for r in rows if r]


def test_anki_export_is_importable_text(tmp_path):
    path = export_anki(tmp_path / "deck.txt")
    header, rows = _read_anki(path)
    assert header == [
        "#separator:tab",
        "#html:true",
        "#notetype:Basic",
        "#deck:lrlearn",
        "#guid column:1",
        "#tags column:4",
    ]
    assert len(rows) == len(BANK) and all(len(r) == 4 for r in rows)
    assert len({r[0] for r in rows}) == len(BANK)
    by_id = {r[0].removeprefix("lrlearn-"): r for r in rows}
    for q in BANK:
        _, front, back, tags = by_id[q.id]
        assert "\t" not in front + back
        assert f"lrlearn::{q.level}" in tags.split()
        assert all(f"lrlearn::{t}" in tags.split() for t in q.topics)
        assert html.escape(q.explanation).replace("\n", "<br>") in back
        if q.kind != "recall":
            assert (
                html.escape(model_answer(q)) in back and html.escape(model_answer(q)) not in front
            )
        assert q.id not in front
        if q.choices:  # shown shuffled (seeded), reshuffled by the card's script at each showing
            items = re.findall(r"<li>(.*?)</li>", front)
            assert items == [
                html.escape(q.choices[i]).replace("\n", "<br>") for i in shuffled_order(q, 0)
            ]
            assert "Math.random()" in front and "<li>" not in back
            assert html.escape(q.choices[q.answer]) in back
    curve = BANK.get("curve-sgd-good")
    assert "<pre>" in by_id[curve.id][1]


def test_anki_export_refuses_files_it_did_not_write(tmp_path):
    from lrlearn.quiz import ProgressStore

    store = ProgressStore(data_dir=tmp_path)
    store.record("basics-update-rule", True)
    before = store.path.read_bytes()
    with pytest.raises(FileExistsError, match="is an lrlearn quiz progress file"):
        export_anki(store.path, SAMPLE)
    assert store.path.read_bytes() == before
    other = tmp_path / "deck.txt"
    other.write_text("#separator:tab\nsomeone else's deck\n")
    with pytest.raises(FileExistsError, match="was not written by lrlearn export-anki"):
        export_anki(other, SAMPLE)
    mine = export_anki(tmp_path / "mine.txt", SAMPLE)
    export_anki(mine, SAMPLE[:2], seed=3)  # its own file may be replaced
    assert len(_read_anki(mine)[1]) == 2
    for name in ("quiz_progress.json", "quiz_progress.json.corrupt-1"):  # not there yet, even
        with pytest.raises(FileExistsError, match="where the quiz keeps its progress"):
            export_anki(tmp_path / "new" / name, SAMPLE)
    export_anki(other, SAMPLE, force=True)
    assert len(_read_anki(other)[1]) == len(SAMPLE)
    assert not list(tmp_path.glob(".*.tmp"))


def test_anki_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="deck must be a non-empty single-line name"):
        export_anki(tmp_path / "x.txt", SAMPLE, deck="a\tb")
    with pytest.raises(ValueError, match="tag_prefix"):
        export_anki(tmp_path / "x.txt", SAMPLE, tag_prefix="two words")
    with pytest.raises(ValueError, match="must not be empty"):
        export_anki(tmp_path / "x.txt", [])


def test_text_curve():
    text = text_curve([1.0, 0.1, 0.01, 0.001], width=20, height=4)
    lines = text.splitlines()
    # one decade per row on a log scale, one point every 5 columns
    assert lines[:4] == [
        "    1 |*",
        "      |     *",
        "      |          *",
        "0.001 |               *",
    ]
    assert lines[4] == "      +" + "-" * 20 and "log scale" in lines[-1]
    linear = text_curve([3.0, 2.0, 1.0], width=10, height=3)
    assert "linear scale" in linear and linear.count("*") == 3
    with pytest.raises(ValueError, match="finite 1-D curve"):
        text_curve([1.0, float("nan")])
    with pytest.raises(ValueError, match="width must be in"):
        text_curve([1.0, 2.0], width=3)
