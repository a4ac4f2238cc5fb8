#!/usr/bin/env python3
"""Keep notebooks stored without outputs: clear outputs, execution counts and run metadata.

    python tools/strip_notebooks.py                 # clean notebooks/*.ipynb in place
    python tools/strip_notebooks.py --check [paths] # exit 1 and list notebooks that need it

Use it before committing (or as a git pre-commit hook: ``tools/strip_notebooks.py --check``).
Only the standard library is used, and files are written the way Jupyter writes them
(one-space indent, UTF-8, trailing newline), so a clean notebook round-trips unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUN_METADATA = ("widgets", "execution")
CELL_RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def strip(nb: dict[str, Any]) -> dict[str, Any]:
    """The notebook without outputs, execution counts, widget state or timing metadata."""
    for key in RUN_METADATA:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        for key in CELL_RUN_METADATA:
            meta.pop(key, None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return nb


def dump(nb: dict[str, Any]) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if dirty")
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        clean = dump(strip(json.loads(text)))
        if clean != text:
            dirty.append(path)
            if not args.check:
                path.write_text(clean, encoding="utf-8")
    for path in dirty:
        print(f"{'needs stripping' if args.check else 'stripped'}: {path}")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
