"""The torchrun command line from lrlearn.deep.ddp's docstring really runs (2 CPU workers)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lrlearn.deep import ddp  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.slow]


def test_docstring_gives_the_command():
    assert "torchrun --standalone --nproc_per_node=2 -m lrlearn.deep.ddp" in ddp.__doc__


def test_main_without_torchrun_says_how(monkeypatch, capsys):
    monkeypatch.delenv("RANK", raising=False)
    with pytest.raises(SystemExit):
        ddp.main([])
    assert "run me with torchrun" in capsys.readouterr().err


def test_torchrun_two_cpu_workers():
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists():
        pytest.skip("torchrun is not installed next to this Python")
    port = ddp.free_port()
    cmd = [str(torchrun), "--nnodes=1", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={port}", "-m", "lrlearn.deep.ddp", "--epochs", "1",
           "--per-worker-batch", "32", "--base-batch", "16", "--base-lr", "0.05"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "2 workers (gloo, cpu) x batch 32 = global batch 64" in out
    assert "lr = 0.05 * 64/16 = 0.2 (linear scaling rule)" in out
    m = re.search(r"(\d+) steps on (\d+) examples: loss ([\d.]+) -> ([\d.]+)", out)
    assert m and int(m[1]) == -(-int(m[2]) // 64)  # ceil(n / 64) steps in one epoch
    assert float(m[4]) < float(m[3])
