"""Test configuration shared by ``pytest tests`` and ``pytest notebooks``.

Kernels the tests start (nbval) use the IPython profile of ``tools/kernel_profile.py``: every
warning a notebook's code raises is an error, so that notebook fails its test. The notebooks
themselves carry no test scaffolding.
"""

import atexit
import importlib.util
import os
import shutil
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "kernel_profile", Path(__file__).resolve().parent / "tools" / "kernel_profile.py"
)
kernel_profile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kernel_profile)

if not kernel_profile.is_strict(os.environ.get("IPYTHONDIR") or "/nonexistent"):
    os.environ["IPYTHONDIR"] = str(kernel_profile.make_ipython_dir())
    atexit.register(shutil.rmtree, os.environ["IPYTHONDIR"], ignore_errors=True)
