"""tools/launch_cell.py: the install cell that opens every notebook (Colab, Binder, a download)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import launch_cell  # noqa: E402


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def test_the_cell_installs_from_the_configured_repository():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    source = launch_cell.cell_source()
    assert f'git+{url.rstrip("/")}"' in source
    assert 'find_spec("lrlearn") is None' in source and "%pip install" in source


def test_write_puts_it_first_among_the_code_cells_once(tmp_path):
    nb = _notebook(
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("print(x)"),
    )
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert launch_cell.main(["--check", str(path)]) == 1
    assert launch_cell.main(["--write", str(path)]) == 0
    written = nbformat.read(path, as_version=4)
    assert [c.cell_type for c in written.cells] == ["markdown", "code", "code", "code"]
    assert written.cells[1].source == launch_cell.cell_source()
    assert written.cells[1].metadata["tags"] == ["remove-cell"]
    assert written.cells[1]["id"] == launch_cell.CELL_ID
    assert [c.source for c in written.cells[2:]] == ["x = 1", "print(x)"]
    assert launch_cell.main(["--check", str(path)]) == 0
    before = path.read_text()
    assert launch_cell.main(["--write", str(path)]) == 0 and path.read_text() == before
    # what nbstripout leaves is what the tool writes: the git filter never changes it
    stripped = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--keep-id", "-t"],
        input=before,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert stripped.rstrip("\n") == before.rstrip("\n")


def test_an_older_install_cell_is_replaced_not_repeated(tmp_path):
    old = nbformat.v4.new_code_cell(launch_cell.MARK + "\n%pip install lrlearn")
    nb = _notebook(old, nbformat.v4.new_code_cell("x = 1"))
    updated = launch_cell.with_cell(nb)
    codes = [c for c in updated.cells if c.cell_type == "code"]
    assert len(codes) == 2 and codes[0].source == launch_cell.cell_source()
    assert codes[0]["id"] == old["id"]


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_the_cell_runs_in_a_kernel(tmp_path):
    """As written it is a no-op here (lrlearn is installed); with the package missing, the
    ``%pip`` line inside the ``if`` runs (``--version`` stands in for the install)."""
    source = launch_cell.cell_source()
    missing = source.replace('"lrlearn"', '"lrlearn_is_not_installed_here"')
    missing = missing.split("%pip")[0] + "%pip --version\n    ran_pip = True"
    nb = _notebook(
        nbformat.v4.new_code_cell(source),
        nbformat.v4.new_code_cell(missing),
        nbformat.v4.new_code_cell("assert ran_pip"),
    )
    path = tmp_path / "launch.ipynb"
    nbformat.write(nb, path)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax"]
    cmd += ["--nbval-current-env", "--rootdir", str(ROOT), str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
