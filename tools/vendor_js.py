"""Install the book's JavaScript from npm and copy it into ``_vendor/`` so the site needs no CDN.

``make book`` runs this before ``jupyter-book build``. It installs the versions pinned in
``package.json`` / ``package-lock.json`` (``npm ci``, skipped when ``node_modules`` already matches the
lockfile) and lays out::

    _vendor/widgets/mathjax_hub.js      lets the widgets' MathJax 2 calls reach MathJax 3
    _vendor/widgets/embed.js            @jupyter-widgets/html-manager: renders saved widget state
    _vendor/widgets/*.woff2 ...         the icon fonts embed.js loads (from its own folder)
    _vendor/mathjax/                    MathJax 3 (es5 build, with its fonts)

``_config.yml`` lists ``_vendor`` in ``html_static_path`` (Sphinx copies it to ``_static/``) and
points ``nb_ipywidgets_js`` and ``mathjax_path`` at these files. The folder is deliberately not
called ``_static``: Jupyter Book would then add every ``.js`` file in it to every page.

The widgets are rendered by ``embed.js``, the html-manager bundle that needs no AMD loader: it
holds the built-in widgets (all the book uses) once, where ``embed-amd.js`` carries two widget
protocol versions and needs require.js (1.9 MB instead of 3.7 MB on every notebook page). It
finds its icon fonts next to itself (webpack's public path is its own script's URL). MathJax 3
has no ``MathJax.Hub``, which the widgets' label typesetting calls: ``mathjax_hub.js`` bridges it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FONT_SUFFIXES = (".woff2", ".woff", ".ttf", ".eot", ".svg")

MATHJAX_HUB_JS = """\
// The widget library typesets labels with the MathJax 2 call MathJax.Hub.Queue(["Typeset", ...]).
// The book loads MathJax 3, which has no Hub: without this bridge every widget label is a console
// error. Whatever object window.MathJax becomes (the config, then MathJax itself), it gets a Hub
// whose Queue typesets the element with MathJax 3 once MathJax is ready.
(function () {
  var pending = [];
  var current = window.MathJax;
  function flush() {
    var mj = current;
    if (!mj || !mj.typesetPromise || !mj.startup || !mj.startup.promise) return;
    var elements = pending.splice(0);
    if (elements.length) {
      mj.startup.promise.then(function () { return mj.typesetPromise(elements); });
    }
  }
  var hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset" && job[2]) pending.push(job[2]);
      });
      flush();
    }
  };
  function attach(value) {
    if (value && typeof value === "object" && !value.Hub) value.Hub = hub;
  }
  attach(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = value; attach(value); }
  });
  window.addEventListener("load", flush);
})();
"""


class VendorError(RuntimeError):
    """The npm packages are missing or do not hold the files the book needs."""


def _run_npm(root: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise VendorError("npm not found on PATH: install Node.js (with npm) to build the book")
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
    print("vendor_js: " + " ".join(cmd[1:]), flush=True)
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise VendorError(f"npm ci failed in {root}:\n{done.stdout}\n{done.stderr}")


def _installed_matches_lock(root: Path) -> bool:
    """True when node_modules holds exactly the versions package-lock.json pins."""
    lock_file = root / "package-lock.json"
    installed_file = root / "node_modules" / ".package-lock.json"
    if not lock_file.is_file() or not installed_file.is_file():
        return False
    lock = json.loads(lock_file.read_text())["packages"]
    installed = json.loads(installed_file.read_text())["packages"]
    wanted = {k: v.get("version") for k, v in lock.items() if k}
    have = {k: v.get("version") for k, v in installed.items() if k}
    return wanted == have


def _need(path: Path) -> Path:
    if not path.exists():
        raise VendorError(f"{path} is missing: delete node_modules and run this script again")
    return path


def vendor(root: Path = ROOT, dest: Path | None = None, *, install: bool = True) -> Path:
    """Install (if needed) and copy the book's JavaScript into ``dest`` (default ``root/_vendor``).

    Returns ``dest``. Raises ``VendorError`` with the missing file's name when something is absent.
    """
    root = Path(root)
    dest = root / "_vendor" if dest is None else Path(dest)
    if not (root / "package.json").is_file():
        raise VendorError(f"{root / 'package.json'} not found")
    if install and not _installed_matches_lock(root):
        _run_npm(root)
    modules = root / "node_modules"
    html_manager = _need(modules / "@jupyter-widgets" / "html-manager" / "dist")
    embed = _need(html_manager / "embed.js")
    mathjax = _need(modules / "mathjax" / "es5")
    _need(mathjax / "tex-mml-chtml.js")

    if dest.exists():
        shutil.rmtree(dest)
    widgets = dest / "widgets"
    widgets.mkdir(parents=True)
    shutil.copy2(embed, widgets / "embed.js")
    fonts = [p for p in html_manager.iterdir() if p.suffix in FONT_SUFFIXES]
    if not fonts:
        raise VendorError(f"no font files in {html_manager}")
    for font in fonts:
        shutil.copy2(font, widgets / font.name)
    (widgets / "mathjax_hub.js").write_text(MATHJAX_HUB_JS)
    shutil.copytree(mathjax, dest / "mathjax")
    for package, target in (
        (modules / "@jupyter-widgets" / "html-manager", widgets / "LICENSE.html-manager"),
        (modules / "mathjax", dest / "mathjax" / "LICENSE"),
    ):
        licence = package / "LICENSE"
        if licence.is_file():
            shutil.copy2(licence, target)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="folder holding package.json")
    parser.add_argument(
        "--dest", type=Path, default=None, help="output folder (default ROOT/_vendor)"
    )
    parser.add_argument(
        "--no-install", action="store_true", help="do not run npm; use node_modules as it is"
    )
    args = parser.parse_args(argv)
    try:
        dest = vendor(args.root, args.dest, install=not args.no_install)
    except VendorError as err:
        print(f"vendor_js: error: {err}", file=sys.stderr)
        return 1
    print(f"vendor_js: JavaScript for the book copied to {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
