"""lrlearn.deep is lazy, and its names are what they say whatever is imported first
(each test starts a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")

pytestmark = pytest.mark.torch


def test_importing_lrlearn_deep_does_not_import_torch():
    code = ("import sys, lrlearn, lrlearn.deep; assert 'torch' not in sys.modules, 'torch'; "
            "lrlearn.deep.resolve_device; assert 'torch' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("first", [
    "from lrlearn.deep.train import train as f",
    "import lrlearn.deep.transfer",  # imports the module lrlearn.deep.train first
])
def test_train_is_the_function_whatever_is_imported_first(first):
    code = (f"{first}\nimport lrlearn.deep\nfrom lrlearn.deep import train\n"
            "from lrlearn.deep.train import train as g, TrainHistory\n"
            "assert callable(train) and train is g and lrlearn.deep.train is g, train\n"
            "assert train.__name__ == 'train'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
