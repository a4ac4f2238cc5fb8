"""The book's sources, config and build tooling, without a browser.

- every notebook and page is in ``_toc.yml`` and every entry exists (messages name the file);
- every citation resolves in ``book/references.bib``, which holds the papers the book relies on;
- ``tools/vendor_js.py`` lays out exactly the files ``_config.yml`` points at and names what is
  missing;
- the build extension drops repeated inline scripts and names unlisted pages;
- (slow) a real build with a failing notebook, a page left out of the toc and a broken link fails
  and names each file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))
lrlearn_book = pytest.importorskip("lrlearn_book", reason="needs the book extra (sphinx)")
import vendor_js  # noqa: E402

GENERATED = {"book/quiz"} | {  # written by the build from the question bank
    n for n in lrlearn_book.toc_docnames(ROOT / "_toc.yml") if n.startswith("book/quiz/")
}
# Folders that tools, tests and builds create in a checkout; none of them holds a page.
CACHE_FOLDERS = (
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".mypy_cache",
    ".ipynb_checkpoints",
    "notebooks/.ipynb_checkpoints",
    "lrlearn/__pycache__",
    "lrlearn.egg-info",
    ".venv/lib",
    "node_modules/mathjax",
    "_build/jupyter_execute",
    "_vendor/mathjax",
    "artifacts/book",
    "build/lib",
    "dist",
    ".git",
    ".github",
    ".ci",
    "docs",
    "binder",
    "tests",
    "tools",
    "benchmarks",
)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
PAPERS = {  # the works the issue requires the references to hold
    "goyal2017accurate",
    "shallue2018measuring",
    "mccandlish2018empirical",
    "smith2017cyclical",
    "smith2019superconvergence",
    "loshchilov2017sgdr",
    "loshchilov2019decoupled",
    "kingma2015adam",
    "keskar2017large",
    "cohen2021gradient",
    "masters2018revisiting",
    "hoffer2017train",
    "smith2018bayesian",
    "goodfellow2016deep",
    "nesterov2004introductory",
}


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_no_tool_or_cache_folder_is_read_as_a_page(tmp_path: Path) -> None:
    """`make test` then `make book` in one checkout: the folders the tests and tools leave
    behind (and everything .gitignore names) are excluded from the book's sources."""
    from sphinx.project import Project

    for folder in CACHE_FOLDERS:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "README.md").write_text("# A tool's own file\n")
        (tmp_path / folder / "page.ipynb").write_text("{}")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    (tmp_path / "notebooks" / "01_x.ipynb").write_text("{}")
    project = Project(str(tmp_path), {".md": "markdown", ".ipynb": "ipynb"})
    wanted = {"book/intro", "notebooks/01_x"}
    assert project.discover(exclude_paths=_config()["exclude_patterns"]) == wanted
    ignored = [
        line.strip().rstrip("/")
        for line in (ROOT / ".gitignore").read_text().splitlines()
        if line.strip().endswith("/") and not line.startswith(("#", "book/"))
    ]  # (book/... holds pages the build writes, such as the quiz's)
    for folder in ignored:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "x.md").write_text("# x\n")
    found = project.discover(exclude_paths=_config()["exclude_patterns"])
    assert found == wanted, f"read from .gitignore'd folders: {sorted(found - wanted)}"


def test_every_notebook_and_page_is_in_the_toc() -> None:
    listed = set(lrlearn_book.toc_docnames(ROOT / "_toc.yml"))
    missing = lrlearn_book.unlisted_pages(ROOT, listed)
    assert not missing, f"not listed in _toc.yml: {missing}"


def test_every_toc_entry_exists() -> None:
    names = lrlearn_book.toc_docnames(ROOT / "_toc.yml")
    assert len(names) == len(set(names)), "a page is listed twice in _toc.yml"
    absent = [
        n
        for n in names
        if n not in GENERATED and not any((ROOT / f"{n}{s}").is_file() for s in (".md", ".ipynb"))
    ]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"
    assert {"book/intro", "book/quiz", "book/myths", "book/references"} <= set(names)


def test_unlisted_pages_names_each_file(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book" / "papers").mkdir()
    for rel in (
        "book/intro.md",
        "book/stray.md",
        "book/papers/p.md",
        "notebooks/01_x.ipynb",
        "notebooks/02_y.ipynb",
    ):
        (tmp_path / rel).write_text("")
    assert lrlearn_book.unlisted_pages(tmp_path, {"book/intro", "notebooks/01_x"}) == [
        "notebooks/02_y.ipynb",
        "book/papers/p.md",
        "book/stray.md",
    ]


def test_toc_docnames_reads_parts_chapters_and_sections(tmp_path: Path) -> None:
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: book/intro\nparts:\n"
        "  - caption: A\n    chapters:\n      - file: notebooks/a.ipynb\n"
        "        sections:\n          - file: book/b\n"
        "  - caption: B\n    chapters:\n      - file: book/c.md\n"
    )
    assert lrlearn_book.toc_docnames(toc) == ["book/intro", "notebooks/a", "book/b", "book/c"]


def test_quiz_page_renders_answers_hidden_until_clicked() -> None:
    text = lrlearn_book.render_quiz_page()
    assert text.startswith("# ")
    assert text.count("<details>") == text.count("</details>") >= 100
    assert "<summary>" in text


def _cited_keys() -> dict[str, set[str]]:
    cited: dict[str, set[str]] = {}
    sources = [
        *sorted((ROOT / "book").rglob("*.md")),
        *sorted((ROOT / "notebooks").glob("*.ipynb")),
    ]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c["source"]) for c in json.loads(text)["cells"])
        for group in CITE.findall(text):
            for key in group.split(","):
                cited.setdefault(key.strip(), set()).add(path.relative_to(ROOT).as_posix())
    return cited


def test_every_citation_is_in_the_bibliography() -> None:
    pybtex = pytest.importorskip("pybtex.database")
    bib = pybtex.parse_file(str(ROOT / "book" / "references.bib"))
    cited = _cited_keys()
    assert cited, "no page cites anything"
    unknown = {k: sorted(v) for k, v in cited.items() if k not in bib.entries}
    assert not unknown, f"cited but not in book/references.bib: {unknown}"
    assert PAPERS <= set(bib.entries), f"missing from references.bib: {PAPERS - set(bib.entries)}"
    for key, entry in bib.entries.items():
        assert entry.fields.get("title"), f"{key} has no title"
        assert entry.fields.get("year"), f"{key} has no year"
        assert entry.persons.get("author"), f"{key} has no author"
    assert _config()["bibtex_bibfiles"] == ["book/references.bib"]


def _fake_node_modules(root: Path, *, mathjax: bool = True) -> None:
    dist = root / "node_modules" / "@jupyter-widgets" / "html-manager" / "dist"
    dist.mkdir(parents=True)
    (dist / "embed.js").write_text("window._jupyter_widget_embedder = true;")
    (dist / "abc123.woff2").write_bytes(b"font")
    (dist / "embed.js.map").write_text("{}")  # not a font: must not be copied
    if mathjax:
        es5 = root / "node_modules" / "mathjax" / "es5"
        (es5 / "output" / "chtml" / "fonts").mkdir(parents=True)
        (es5 / "tex-mml-chtml.js").write_text("window.MathJax = {};")
        (es5 / "output" / "chtml" / "fonts" / "a.woff").write_bytes(b"font")
    (root / "package.json").write_text("{}")


def test_vendor_lays_out_every_file_the_config_loads(tmp_path: Path) -> None:
    _fake_node_modules(tmp_path)
    dest = vendor_js.vendor(tmp_path, install=False)
    sphinx = _config()["sphinx"]["config"]
    assert sphinx["html_static_path"] == ["_vendor"]
    assert dest == tmp_path / "_vendor"
    wanted = [*sphinx["nb_ipywidgets_js"], sphinx["mathjax_path"]]
    assert all("://" not in w for w in wanted), "the config loads something from a CDN"
    assert not [w for w in wanted if not (dest / w).is_file()]
    assert (dest / "widgets" / "abc123.woff2").read_bytes() == b"font"
    assert not (dest / "widgets" / "embed.js.map").exists()
    assert (dest / "mathjax" / "output" / "chtml" / "fonts" / "a.woff").is_file()
    # the MathJax bridge before the widget bundle that calls it; no AMD loader any more
    assert list(sphinx["nb_ipywidgets_js"]) == ["widgets/mathjax_hub.js", "widgets/embed.js"]
    assert not (dest / "widgets" / "require.js").exists()
    assert "_vendor" in _config()["exclude_patterns"]
    # idempotent: a second run replaces the folder
    (dest / "stale.js").write_text("")
    vendor_js.vendor(tmp_path, install=False)
    assert not (dest / "stale.js").exists()


def test_vendor_names_the_missing_package(tmp_path: Path) -> None:
    _fake_node_modules(tmp_path, mathjax=False)
    with pytest.raises(vendor_js.VendorError, match=r"mathjax.*missing"):
        vendor_js.vendor(tmp_path, install=False)
    assert vendor_js.main(["--root", str(tmp_path), "--no-install"]) == 1


def test_vendor_without_package_json(tmp_path: Path) -> None:
    with pytest.raises(vendor_js.VendorError, match=r"package\.json"):
        vendor_js.vendor(tmp_path, install=False)


def test_installed_packages_match_the_lockfile() -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    for name, version in pinned.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock[f"node_modules/{name}"]["version"] == version


def test_the_theme_icon_script_is_replaced_by_a_stub(tmp_path: Path) -> None:
    script = tmp_path / "_static" / "scripts" / "fontawesome.js"
    script.parent.mkdir(parents=True)
    script.write_text("x" * 1_500_000)
    script.with_name("fontawesome.js.map").write_text("{}")
    assert lrlearn_book.stub_icon_script(tmp_path)
    assert script.stat().st_size < 200 and not script.with_name("fontawesome.js.map").exists()
    assert not lrlearn_book.stub_icon_script(tmp_path)  # already done
    assert not lrlearn_book.stub_icon_script(tmp_path / "elsewhere")  # no theme script: nothing


def test_pages_url_comes_from_the_repository_url() -> None:
    from sphinx.errors import ConfigError

    assert (
        lrlearn_book.pages_url("https://github.com/Me/lrlearn") == "https://me.github.io/lrlearn/"
    )
    assert (
        lrlearn_book.pages_url("https://github.com/me/me.github.io.git") == "https://me.github.io/"
    )
    with pytest.raises(ConfigError, match=r"not https://github\.com/OWNER/REPO"):
        lrlearn_book.pages_url("https://gitlab.com/me/lrlearn")


def test_one_repository_url_which_the_workflow_can_override(monkeypatch) -> None:
    from types import SimpleNamespace

    url = _config()["repository"]["url"]
    config = SimpleNamespace(html_theme_options={"repository_url": url}, ogp_site_url="")
    monkeypatch.delenv(lrlearn_book.REPOSITORY_ENV, raising=False)
    lrlearn_book._use_repository(config)
    assert config.html_theme_options["repository_url"] == url
    assert config.ogp_site_url == lrlearn_book.pages_url(url)
    fork = SimpleNamespace(html_theme_options={"repository_url": url}, ogp_site_url="")
    monkeypatch.setenv(lrlearn_book.REPOSITORY_ENV, "https://github.com/someone/lrlearn-fork")
    lrlearn_book._use_repository(fork)
    assert fork.html_theme_options["repository_url"] == "https://github.com/someone/lrlearn-fork"
    assert fork.ogp_site_url == "https://someone.github.io/lrlearn-fork/"
    env = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())["jobs"]
    assert env["build"]["env"][lrlearn_book.REPOSITORY_ENV] == (
        "${{ github.server_url }}/${{ github.repository }}"
    )
    launch = _config()["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
    assert launch["colab_url"] == "https://colab.research.google.com"
    html = _config()["html"]
    assert html["use_repository_button"] and html["use_issues_button"]
    assert html["use_edit_page_button"]
    assert "sphinxext.opengraph" in _config()["sphinx"]["extra_extensions"]


def test_unique_scripts_drops_repeated_inline_scripts() -> None:
    from sphinx.builders.html._assets import _JavaScript

    scripts = [
        _JavaScript(None, body="const A = 1;"),
        _JavaScript("a.js"),
        _JavaScript("", body="const A = 1;"),  # the same inline script, listed again
        _JavaScript("", body="const B = 2;"),
        _JavaScript("a.js", **{"async": "async"}),  # different attributes: kept
    ]
    kept = lrlearn_book.unique_scripts(scripts)
    assert [s.attributes for s in kept] == [
        {"body": "const A = 1;"},
        {},
        {"body": "const B = 2;"},
        {"async": "async"},
    ]


BAD_NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Bad\n"},
        {
            "cell_type": "code",
            "metadata": {},
            "source": "raise ValueError('boom')",
            "outputs": [],
            "execution_count": None,
        },
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_build_fails_and_names_each_bad_file(tmp_path: Path) -> None:
    """A failing notebook, a page not in the toc, a toc entry with no file and a broken link: the
    real config fails the build and the log names every file."""
    pytest.importorskip("jupyter_book")
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "book" / "_ext", tmp_path / "book" / "_ext")
    shutil.copy(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    sphinx = _config()["sphinx"]["config"]
    for rel in [*sphinx["nb_ipywidgets_js"], sphinx["mathjax_path"]]:
        (tmp_path / "_vendor" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "_vendor" / rel).write_text("// stand-in\n")
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "99_fails.ipynb").write_text(json.dumps(BAD_NOTEBOOK))
    (tmp_path / "book" / "intro.md").write_text("# Intro\n\nSee {doc}`no_such_page`.\n")
    (tmp_path / "book" / "forgotten.md").write_text("# Not in the toc\n")
    for folder in CACHE_FOLDERS:  # what `make test` leaves behind: never read as pages
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "README.md").write_text("# A tool's own file\n")
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nchapters:\n  - file: notebooks/99_fails\n"
        "  - file: book/not_written_yet\n"
    )
    jb = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run(
        [str(jb), "build", str(tmp_path), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=280,
    )
    log = done.stdout + done.stderr
    assert done.returncode != 0, log[-3000:]
    assert re.search(r"99_fails\.ipynb.*(Executing notebook failed|ValueError)", log), log[-3000:]
    assert "book/forgotten.md is not listed in _toc.yml" in log
    for folder in CACHE_FOLDERS:
        assert f"{folder}/README" not in log, f"{folder} was read as a page"
    assert "nonexisting document 'book/not_written_yet'" in log
    assert re.search(r"book/intro\.md:\d+: WARNING: unknown document: 'no_such_page'", log), log[
        -3000:
    ]


def test_pages_workflow_builds_checks_and_deploys() -> None:
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    assert flow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = flow["jobs"]["build"]["steps"]
    runs = " ".join(s.get("run", "") for s in build)
    uses = [s.get("uses", "").split("@")[0] for s in build]
    assert "make book" in runs and "tests/test_book_site.py" in runs
    assert "actions/upload-pages-artifact" in uses
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_build_stops_with_a_hint_when_the_javascript_is_not_vendored(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from sphinx.errors import ConfigError

    sphinx = _config()["sphinx"]["config"]
    config = SimpleNamespace(
        html_static_path=["_vendor"],
        nb_ipywidgets_js=sphinx["nb_ipywidgets_js"],
        html_js_files=[],
        mathjax_path=sphinx["mathjax_path"],
    )
    app = SimpleNamespace(confdir=str(tmp_path))
    with pytest.raises(ConfigError, match=r"widgets/mathjax_hub\.js.*tools/vendor_js\.py"):
        lrlearn_book._check_vendor(app, config)
    _fake_node_modules(tmp_path)
    vendor_js.vendor(tmp_path, install=False)
    lrlearn_book._check_vendor(app, config)  # complete now: no error
