"""The IPython profile the tests and the book build start notebook kernels with.

The notebooks carry no test scaffolding. Instead ``tests/conftest.py`` and the book build
(``book/_ext/lrlearn_book.py``) point ``IPYTHONDIR`` at a folder made here, so every kernel they
start

* turns each warning raised by the notebook's code into an error (an IPython startup file runs
  ``warnings.simplefilter("error")``): a notebook whose code warns (a RuntimeWarning from numpy, a
  deprecation) fails its nbval test and the book build. Warnings raised by the kernel's own
  machinery (ipykernel, jupyter_client, zmq, tornado, traitlets, comm, matplotlib-inline) stay
  warnings;
* draws the notebooks' inline figures at twice their layout size (``InlineBackend`` "retina",
  sharp on high-density screens) with the book's text sizes (``lrlearn.plots.STYLE``).

A reader's own Jupyter is left alone.

    python tools/kernel_profile.py [DIR]    # make DIR (default: a new temporary folder), print it
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

STARTUP_NAME = "00-lrlearn-warnings-as-errors.py"
# matplotlib_inline: traitlets' deprecation of its observer is attributed to that file (by path)
KERNEL_MODULES = "ipykernel|jupyter_client|zmq|tornado|traitlets|comm|.*matplotlib_inline"
STARTUP = f'''\
# Written by tools/kernel_profile.py: a warning raised by a notebook's code is an error.
import warnings

warnings.simplefilter("error")
warnings.filterwarnings("default", module="{KERNEL_MODULES}")
'''


FIGURES_NAME = "10-lrlearn-figures.py"


def _figures_startup() -> str:
    try:
        from lrlearn.plots import STYLE
    except ImportError:  # the profile works without lrlearn installed, at matplotlib's sizes
        STYLE = {}
    # Set on the inline backend's own instance, with its traitlets deprecation notice silenced
    # (matplotlib-inline's, not the notebook's): a config-file setting would print it to stderr.
    return f"""\
# Written by tools/kernel_profile.py: inline figures at twice their layout size.
import warnings as _warnings

from IPython import get_ipython as _get_ipython

with _warnings.catch_warnings():
    _warnings.simplefilter("ignore", DeprecationWarning)
    from matplotlib_inline.config import InlineBackend as _InlineBackend

    _inline = _InlineBackend.instance(parent=_get_ipython())
    _inline.figure_formats = {{"retina"}}
    _inline.rc = {json.dumps(STYLE)}
del _warnings, _get_ipython, _InlineBackend, _inline
"""


def make_ipython_dir(dest: str | Path | None = None) -> Path:
    """An IPython folder (``dest``, or a new temporary one) holding the profile described above;
    set ``IPYTHONDIR`` to it before starting kernels. Returns the folder."""
    root = Path(dest) if dest is not None else Path(tempfile.mkdtemp(prefix="lrlearn-ipython-"))
    startup = root / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / STARTUP_NAME).write_text(STARTUP, encoding="utf-8")
    (startup / FIGURES_NAME).write_text(_figures_startup(), encoding="utf-8")
    return root


def is_strict(ipython_dir: str | Path) -> bool:
    """True when ``ipython_dir`` holds the warnings-as-errors startup file written here."""
    path = Path(ipython_dir) / "profile_default" / "startup" / STARTUP_NAME
    return path.is_file() and path.read_text(encoding="utf-8") == STARTUP


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(make_ipython_dir(args[0] if args else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
