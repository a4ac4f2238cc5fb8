"""The first code cell of every notebook: install lrlearn where it is missing.

A notebook opened from the book's Colab button, downloaded from a page, or started in a fresh
Python has no lrlearn; this cell installs it from the repository (``repository.url`` in
``_config.yml``) and does nothing where lrlearn is already installed (JupyterLab after
``make lab``, Binder, the tests, the book build). It is tagged ``remove-cell``, so the book's pages
do not show it; the notebook file keeps it.

    python tools/launch_cell.py --check   # exit 1 naming each notebook without it
    python tools/launch_cell.py --write   # insert it (or bring an older one up to date)

``--write`` re-reads each notebook right before writing it and only adds or replaces that one
cell; it writes the file the way nbstripout leaves it (``nbformat``, one-space indent).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TAG = "remove-cell"
CELL_ID = "install-lrlearn"
MARK = "# Colab, Binder or a fresh Python: install lrlearn when it is missing"


def repository_url(root: Path = ROOT) -> str:
    """``repository.url`` of ``_config.yml``, without a trailing slash or ``.git``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/").removesuffix(".git")


def cell_source(root: Path = ROOT) -> str:
    """The install cell's code."""
    return (
        f"{MARK} (a no-op where it is installed).\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("lrlearn") is None:\n'
        f'    %pip install --quiet "lrlearn[torch] @ git+{repository_url(root)}"'
    )


def first_code_cell(nb: nbformat.NotebookNode) -> tuple[int, nbformat.NotebookNode] | None:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            return i, cell
    return None


def has_cell(nb: nbformat.NotebookNode, root: Path = ROOT) -> bool:
    """True when the notebook's first code cell is exactly the install cell, tagged."""
    first = first_code_cell(nb)
    return (
        first is not None
        and first[1].source == cell_source(root)
        and TAG in first[1].metadata.get("tags", [])
    )


def with_cell(nb: nbformat.NotebookNode, root: Path = ROOT) -> nbformat.NotebookNode:
    """``nb`` with the install cell first among its code cells (an older one replaced)."""
    cell = nbformat.v4.new_code_cell(cell_source(root), metadata={"tags": [TAG]})
    cell["id"] = CELL_ID  # the same in every copy of a notebook, so versions merge cleanly
    first = first_code_cell(nb)
    if first is not None and first[1].source.startswith(MARK):
        cell["id"] = first[1].get("id", cell["id"])
        nb.cells[first[0]] = cell
    else:
        nb.cells.insert(first[0] if first is not None else len(nb.cells), cell)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--check", action="store_true", help="only report; exit 1 if missing")
    group.add_argument("--write", action="store_true", help="insert or update the cell")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("*.ipynb"))
    missing = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)  # read right before writing: others may edit
        if has_cell(nb):
            continue
        missing.append(path)
        if args.write:
            nbformat.write(with_cell(nb), path)
    for path in missing:
        print(f"{'no install cell' if args.check else 'install cell written'}: {path}")
    return 1 if (args.check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
