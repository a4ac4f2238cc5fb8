"""Notebooks are stored clean and follow the series' shape.

Clean means what ``nbstripout`` (the git filter ``make install`` sets up, with ``--keep-id``)
leaves: no outputs, execution counts, widget state or run metadata. A notebook opened and run in
JupyterLab is stripped again whenever git stages it, so the working copy may hold outputs while
the repository never does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from lrlearn.quiz.schema import NOTEBOOKS as NOTEBOOK_SERIES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SERIES = list(NOTEBOOK_SERIES)  # the series the quiz links to, in reading order
PRESENT = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))
NBSTRIPOUT = [sys.executable, "-m", "nbstripout", "--keep-id"]
sys.path.insert(0, str(ROOT / "tools"))
import launch_cell  # noqa: E402


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_the_series_is_complete():
    assert PRESENT == SERIES, {
        "missing": sorted(set(SERIES) - set(PRESENT)),
        "unexpected": sorted(set(PRESENT) - set(SERIES)),
    }


def _committed(name: str) -> str | None:
    """The notebook as git stores it (after the filter), or None outside a git checkout."""
    done = subprocess.run(
        ["git", "show", f"HEAD:notebooks/{name}.ipynb"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else None


@pytest.mark.parametrize("name", PRESENT)
def test_stored_without_outputs(name):
    """The committed notebook is exactly what nbstripout leaves (so the filter never changes
    it) and has no outputs."""
    text = _committed(name) or (NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: git add it again (nbstripout)"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    assert "widgets" not in nb.metadata
    stripped = subprocess.run(
        [*NBSTRIPOUT, "-t"], input=text, capture_output=True, text=True, check=True
    ).stdout
    assert stripped.rstrip("\n") == text.rstrip("\n"), f"{name}: nbstripout would change it"


@pytest.mark.parametrize("name", PRESENT)
def test_follows_the_series_shape(name):
    nb = load(name)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "**The question" in first.source and "?" in first.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook of the series runs code"
    # opened from Colab or a download, it installs lrlearn first (tools/launch_cell.py)
    assert launch_cell.has_cell(nb), "first code cell is not the install cell: run launch_cell.py"
    for i, cell in enumerate(code):
        # warnings-as-errors lives in the test configuration (tools/kernel_profile.py)
        assert 'warnings.simplefilter("error")' not in cell.source, f"code cell {i}: scaffolding"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Exercises" in text and "<details>" in text and "</details>" in text
    assert "## Interview questions" in text
    for cell in code:
        assert "plt.show()" not in cell.source


def test_git_routes_notebooks_through_nbstripout():
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()
    assert "*.ipynb filter=nbstripout" in attributes
    assert "*.ipynb diff=ipynb" in attributes
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    install = makefile[makefile.index("$(STAMP):") :].split("\n\n")[0]
    assert "nbstripout --install --attributes .gitattributes" in install
    assert re.search(r"filter\.nbstripout\.clean .*-m nbstripout --keep-id", install)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_staging_a_run_notebook_stores_it_stripped(tmp_path):
    """What the install step sets up, in a scratch repository: a notebook with outputs, widget
    state and run metadata is staged without them, cell ids kept; the working copy keeps its
    outputs and git sees nothing to commit."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=tmp_path, capture_output=True, text=True, check=True
        ).stdout

    git("init", "-q")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "test")
    subprocess.run(
        [sys.executable, "-m", "nbstripout", "--install", "--attributes", ".gitattributes"],
        cwd=tmp_path,
        check=True,
    )
    git("config", "filter.nbstripout.clean", f'"{sys.executable}" -m nbstripout --keep-id')
    clean = (NOTEBOOKS / f"{PRESENT[0]}.ipynb").read_text(encoding="utf-8")
    dirty = json.loads(clean)
    dirty["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    cell = next(c for c in dirty["cells"] if c["cell_type"] == "code")
    cell["execution_count"] = 3
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    cell["metadata"]["execution"] = {"iopub.status.idle": "2024-01-01"}
    (tmp_path / "nb.ipynb").write_text(json.dumps(dirty, indent=1), encoding="utf-8")
    git("add", "nb.ipynb", ".gitattributes")
    assert git("show", ":nb.ipynb").rstrip("\n") == clean.rstrip("\n")
    git("commit", "-q", "-m", "notebook")
    assert (
        "outputs" in (tmp_path / "nb.ipynb").read_text()
        and "hi\\n" in (tmp_path / "nb.ipynb").read_text()
    )
    assert git("status", "--porcelain") == ""
