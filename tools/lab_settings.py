"""JupyterLab settings for this project's environment: no news pop-up, no update checks.

``make install`` runs this. It merges the settings below into
``<environment>/share/jupyter/lab/settings/overrides.json``, which JupyterLab reads as the
defaults of every user of that environment (a user's own settings still win). Without it, a
first ``make lab`` greets the reader with "Would you like to get notified about official Jupyter
news?" and JupyterLab asks a web server for news and new versions.

    python tools/lab_settings.py [--prefix PREFIX]   # default: this Python's sys.prefix
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SETTINGS: dict[str, dict[str, Any]] = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def overrides_path(prefix: str | Path = sys.prefix) -> Path:
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def write(prefix: str | Path = sys.prefix) -> Path:
    """Merge ``SETTINGS`` into the environment's ``overrides.json``; returns its path."""
    path = overrides_path(prefix)
    current: dict[str, Any] = {}
    if path.is_file():
        current = json.loads(path.read_text(encoding="utf-8") or "{}")
    for plugin, values in SETTINGS.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", default=sys.prefix, help="the environment (sys.prefix)")
    args = parser.parse_args(argv)
    print(f"lab_settings: wrote {write(args.prefix)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
