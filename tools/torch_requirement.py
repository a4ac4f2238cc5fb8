"""Print a pip requirement for a CPU-only PyTorch build if one is at hand locally, else nothing.

PyPI's Linux wheels of torch carry CUDA (several GB). When pip's find-links wheelhouse (for
example a machine image's ``/opt/wheels``) already holds a ``+cpu`` wheel for this Python, we pin
that version so ``pip install -e .[torch]`` is satisfied by it and downloads nothing more.
Everywhere else this prints nothing and the ordinary ``torch`` requirement applies.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def find_links() -> list[Path]:
    dirs = os.environ.get("PIP_FIND_LINKS", "").split()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        key, _, value = line.partition("=")
        if key.strip().endswith("find-links"):
            dirs += value.strip().strip("'\"").split()
    return [Path(d.removeprefix("file://")) for d in dirs if d]


def main() -> None:
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    pattern = re.compile(rf"torch-([0-9.]+)\+cpu-{tag}-{tag}-.*\.whl$")
    versions = [
        m.group(1)
        for d in find_links()
        if d.is_dir()
        for f in d.iterdir()
        if (m := pattern.match(f.name))
    ]
    if versions:
        best = max(versions, key=lambda v: tuple(int(p) for p in v.split(".")))
        print(f"torch=={best}")


if __name__ == "__main__":
    main()
