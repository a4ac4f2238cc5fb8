"""Notebooks are stored clean and follow the series' shape; tools/strip_notebooks.py cleans them."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

from lrlearn.quiz.schema import NOTEBOOKS as NOTEBOOK_SERIES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SERIES = list(NOTEBOOK_SERIES)  # the series the quiz links to, in reading order
PRESENT = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))

spec = importlib.util.spec_from_file_location("strip_notebooks", ROOT / "tools/strip_notebooks.py")
strip_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(strip_notebooks)


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def test_the_series_is_complete():
    assert PRESENT == SERIES, {
        "missing": sorted(set(SERIES) - set(PRESENT)),
        "unexpected": sorted(set(PRESENT) - set(SERIES)),
    }


@pytest.mark.parametrize("name", PRESENT)
def test_stored_without_outputs(name):
    nb = load(name)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: run tools/strip_notebooks.py"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    assert "widgets" not in nb.metadata
    assert strip_notebooks.main(["--check", str(NOTEBOOKS / f"{name}.ipynb")]) == 0


@pytest.mark.parametrize("name", PRESENT)
def test_follows_the_series_shape(name):
    nb = load(name)
    first = nb.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    assert "**The question" in first.source and "?" in first.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    # warnings are failures: the first code cell turns them into errors, which nbval reports
    assert 'warnings.simplefilter("error")' in code[0].source
    assert "remove-cell" in code[0].metadata.get("tags", [])
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Exercises" in text and "<details>" in text and "</details>" in text
    assert "## Interview questions" in text
    for cell in code:
        assert "plt.show()" not in cell.source


def test_strip_cleans_a_run_notebook(tmp_path):
    nb = json.loads((NOTEBOOKS / f"{PRESENT[0]}.ipynb").read_text(encoding="utf-8"))
    dirty = copy.deepcopy(nb)
    dirty["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    cell = next(c for c in dirty["cells"] if c["cell_type"] == "code")
    cell["execution_count"] = 3
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hi\n"}]
    cell["metadata"]["execution"] = {"iopub.status.idle": "2024-01-01"}
    path = tmp_path / "dirty.ipynb"
    path.write_text(json.dumps(dirty), encoding="utf-8")
    assert strip_notebooks.main(["--check", str(path)]) == 1
    assert strip_notebooks.main([str(path)]) == 0
    assert json.loads(path.read_text(encoding="utf-8")) == nb
    assert strip_notebooks.main(["--check", str(path)]) == 0
