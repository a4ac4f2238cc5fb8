"""The progress file: location, atomic writes, corrupt files, killed writers, concurrent writers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import pytest

from lrlearn.quiz import ProgressStore, ProgressWarning
from lrlearn.quiz.store import ENV_VAR, FILE_NAME, FORMAT, default_data_dir

REPO = Path(__file__).resolve().parents[1]


def test_location_parameter_env_and_platformdirs(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.delenv(ENV_VAR, raising=False)
    expected = Path(platformdirs.user_data_dir("lrlearn", appauthor=False))
    assert default_data_dir() == expected
    assert ProgressStore().path == expected / FILE_NAME
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert ProgressStore().path == tmp_path / "env" / FILE_NAME
    assert ProgressStore(data_dir=tmp_path / "arg").path == tmp_path / "arg" / FILE_NAME
    assert ProgressStore(tmp_path / "p.json").path == tmp_path / "p.json"
    with pytest.raises(TypeError, match="either path or data_dir"):
        ProgressStore(tmp_path / "p.json", data_dir=tmp_path)


def test_record_round_trip_and_file_format(tmp_path):
    store = ProgressStore(data_dir=tmp_path / "new" / "dir")
    assert store.events() == []
    e1 = store.record("q-1", True, response="a", when=100.0)
    e2 = store.record("q-2", False, response="0.3", when=50.0)
    assert [e["id"] for e in store.events()] == [e2["id"], e1["id"]]  # oldest first
    doc = json.loads(store.path.read_text())
    assert doc["format"] == FORMAT and doc["version"] == 1 and len(doc["events"]) == 2
    assert not list(store.path.parent.glob("*.tmp"))
    store.merge([e1, e2])  # merging known events is a no-op
    assert len(store.events()) == 2
    with pytest.raises(ValueError, match="malformed answer event"):
        store.merge([{"id": "x"}])


@pytest.mark.parametrize(("content", "reason"), [
    (b"{\"format\": \"lrlearn-quiz-progress\", \"version\": 1, \"events\": [", "not valid JSON"),
    (b"\xff\xfe garbage", "not valid JSON"),
    (b"", "not valid JSON"),
    (b"[1, 2, 3]", "not an lrlearn quiz progress file"),
    (b"{\"format\": \"someone-else\", \"events\": []}", "not an lrlearn quiz progress file"),
    (b"{\"format\": \"lrlearn-quiz-progress\", \"version\": 99, \"events\": []}",
     "not an lrlearn quiz progress file"),
    (b"{\"format\": \"lrlearn-quiz-progress\", \"version\": 1, \"events\": [{\"id\": 1}]}",
     "not an lrlearn quiz progress file"),
])
def test_corrupt_or_foreign_file_is_set_aside(tmp_path, content, reason):
    store = ProgressStore(data_dir=tmp_path)
    store.path.write_bytes(content)
    with pytest.warns(ProgressWarning, match=reason):
        assert store.events() == []
    aside = list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content  # kept, not destroyed
    assert not store.path.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.record("q", True)
        assert len(store.events()) == 1
    # a second bad file in the same second gets its own name
    store.path.write_bytes(b"nope")
    with pytest.warns(ProgressWarning):
        store.events()
    assert len(list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))) == 2


def test_stale_temp_files_are_cleaned(tmp_path):
    store = ProgressStore(data_dir=tmp_path)
    store.record("q", True)
    stale = tmp_path / f".{FILE_NAME}.abc123.tmp"
    stale.write_text("{half a fi")
    store.record("q", False)
    assert not stale.exists() and len(store.events()) == 2


WRITER = textwrap.dedent("""
    import sys
    from lrlearn.quiz.store import ProgressStore
    store = ProgressStore(sys.argv[1])
    tag, n = sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    i = 0
    while n < 0 or i < n:
        event = store.record(f"{tag}-{i % 7}", i % 3 != 0, response=str(i))
        print(event["id"], flush=True)  # acknowledged: record() has returned
        i += 1
""")


def _spawn(path: Path, tag: str, n: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


@pytest.mark.slow
def test_killed_writer_never_corrupts_or_loses_acknowledged_answers(tmp_path):
    path = tmp_path / FILE_NAME
    store = ProgressStore(path)
    # a large file makes each rewrite take long enough for kills to land mid-write
    store.merge([{"id": f"old{i}", "question": "q", "time": float(i), "correct": True,
                  "response": "x" * 100} for i in range(3000)])
    acknowledged: set[str] = set()
    for round_ in range(8):
        proc = _spawn(path, f"r{round_}", -1)
        acknowledged.add(proc.stdout.readline().strip())  # at least one answer per round
        time.sleep(0.02 + 0.04 * (round_ % 5))  # then kill it at varying points of its loop
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        lines = out.split("\n")
        acknowledged.update(line for line in lines[:-1] if line)  # the last may be cut off
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a set-aside file would warn
            ids = {e["id"] for e in ProgressStore(path).events()}
        assert acknowledged <= ids
        assert sum(i.startswith("old") for i in ids) == 3000
    assert not list(tmp_path.glob("*.corrupt-*"))


@pytest.mark.slow
def test_concurrent_writers_lose_no_answer(tmp_path):
    path = tmp_path / FILE_NAME
    n = 60
    procs = [_spawn(path, tag, n) for tag in ("a", "b", "c")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    acknowledged = {line for out, _ in outs for line in out.split()}
    assert len(acknowledged) == 3 * n
    events = ProgressStore(path).events()
    assert {e["id"] for e in events} == acknowledged
    assert len(events) == 3 * n
    for tag in "abc":
        assert sum(e["question"].startswith(f"{tag}-") for e in events) == n
