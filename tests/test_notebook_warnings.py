"""A warning raised by a notebook's code fails its test and the book build, with no scaffolding
cell in the notebook: the kernels start with the profile of ``tools/kernel_profile.py``
(``conftest.py`` sets ``IPYTHONDIR`` for the tests, ``book/_ext/lrlearn_book.py`` for the book)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import kernel_profile  # noqa: E402

pytestmark = pytest.mark.slow


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _nbval(path: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax"]
    cmd += ["--nbval-current-env", "--rootdir", str(ROOT), str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=240, cwd=ROOT)


def test_the_tests_start_kernels_with_the_strict_profile():
    assert kernel_profile.is_strict(os.environ["IPYTHONDIR"])


@pytest.mark.timeout(300)
def test_a_notebook_that_warns_fails_and_one_that_does_not_passes(tmp_path):
    warns = _notebook(
        tmp_path / "warns.ipynb",
        "import numpy as np",
        "np.log(np.zeros(1))  # RuntimeWarning: divide by zero",
    )
    done = _nbval(warns)
    assert done.returncode != 0, done.stdout[-2000:]
    assert "RuntimeWarning" in done.stdout and "divide by zero" in done.stdout
    explicit = _notebook(
        tmp_path / "explicit.ipynb", "import warnings\nwarnings.warn('stale', RuntimeWarning)"
    )
    assert _nbval(explicit).returncode != 0
    quiet = _notebook(  # a figure too: the profile's retina setting warns about nothing
        tmp_path / "quiet.ipynb",
        "import numpy as np",
        "print(np.log(1.0))",
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])",
    )
    done = _nbval(quiet)
    assert done.returncode == 0, done.stdout[-2000:]


def test_the_book_build_uses_the_same_profile(monkeypatch, tmp_path):
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    lrlearn_book = pytest.importorskip("lrlearn_book", reason="needs the book extra (sphinx)")
    monkeypatch.delenv("IPYTHONDIR", raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    lrlearn_book._kernel_profiles(ROOT)
    assert kernel_profile.is_strict(os.environ["IPYTHONDIR"])
    assert os.environ["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"
    startup = Path(os.environ["IPYTHONDIR"]) / "profile_default" / "startup"
    assert '{"retina"}' in (startup / kernel_profile.FIGURES_NAME).read_text()


@pytest.mark.timeout(300)
def test_a_figure_under_the_book_profile_is_retina_and_prints_nothing(monkeypatch, tmp_path):
    """What the book build sees: a pyplot figure comes out at twice its layout size (the PNG's
    width metadata is half its pixels) and the kernel writes nothing to stderr, which the
    build (stderr_output: warn, -W) would turn into a failure."""
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("IPYTHONDIR", str(kernel_profile.make_ipython_dir(tmp_path / "ipython")))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 2])")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.get("name") == "stderr"], outputs
    image = next(o for o in outputs if "image/png" in o.get("data", {}))
    import base64
    import io

    from PIL import Image

    pixels = Image.open(io.BytesIO(base64.b64decode(image["data"]["image/png"]))).size[0]
    assert image["metadata"]["image/png"]["width"] * 2 == pytest.approx(pixels, abs=2)
