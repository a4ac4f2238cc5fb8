"""The progress file: location, atomic writes, corrupt, foreign and old files, quarantined events,
killed writers, concurrent writers."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lrlearn.quiz import NotAProgressFile, ProgressStore
from lrlearn.quiz.scheduling import cards_from_events
from lrlearn.quiz.store import ENV_VAR, FILE_NAME, FORMAT, VERSION, default_data_dir

REPO = Path(__file__).resolve().parents[1]
#: a progress file written by the previous release (format version 1, Leitner boxes)
OLD_FILE = Path(__file__).with_name("data") / "quiz_progress_v1.json"


class Notices(list):
    def __call__(self, message: str) -> None:
        self.append(message)


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
    assert doc["format"] == FORMAT and doc["version"] == VERSION == 2 and len(doc["events"]) == 2
    assert doc["events"][0]["rating"] == 3 and doc["events"][1]["rating"] == 1
    assert not list(store.path.parent.glob("*.tmp"))
    store.merge([e1, e2])  # merging known events is a no-op
    assert len(store.events()) == 2
    with pytest.raises(ValueError, match="malformed answer event"):
        store.merge([{"id": "x"}])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"format": "lrlearn-quiz-progress", "version": 1, "events": [', "truncated"),
        (b"\xff\xfe garbage", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"format": "lrlearn-quiz-progress", "events": ' + b"[" * 100_000, "nested too deeply"),
        (b'{"format": "lrlearn-quiz-progress", "version": 99, "events": []}', "unknown version 99"),
    ],
)
def test_damaged_file_is_set_aside_with_a_printed_notice(tmp_path, content, reason, capfd):
    store = ProgressStore(data_dir=tmp_path)
    store.path.write_bytes(content)
    assert store.events() == []
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lrlearn: quiz progress file") and reason in err
    assert "Traceback" not in err and "Warning" not in err
    aside = list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content  # kept, not destroyed
    assert not store.path.exists()
    store.record("q", True)
    assert len(store.events()) == 1 and capfd.readouterr().err == ""
    # a second bad file in the same second gets its own name
    store.path.write_bytes(b"nope")
    store.events()
    assert len(list(tmp_path.glob(f"{FILE_NAME}.corrupt-*"))) == 2


@pytest.mark.parametrize(
    "content",
    [
        b"[1, 2, 3]",
        b'{"format": "someone-else", "events": []}',
        b"my notes\nline 2\n",
        b'{"name": "a package.json"}',
    ],
)
def test_a_mistyped_path_never_renames_or_overwrites_a_users_file(tmp_path, content):
    path = tmp_path / "notes.json"
    path.write_bytes(content)
    store = ProgressStore(path)
    with pytest.raises(NotAProgressFile, match="left untouched"):
        store.events()
    with pytest.raises(NotAProgressFile):
        store.record("q", True)
    assert path.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.json",
        "notes.json.lock",
    ]


def test_a_malformed_event_is_quarantined_alone(tmp_path, capfd):
    store = ProgressStore(data_dir=tmp_path)
    good = [store.record(f"q{i}", i % 2 == 0, when=100.0 + i) for i in range(5)]
    doc = json.loads(store.path.read_text())
    bad = [
        {"id": 1},
        {"id": "x", "question": "q", "time": "yesterday", "correct": True},
        {"id": "y", "question": "q", "time": 5.0, "correct": True, "rating": 9},
        "junk",
    ]
    doc["events"][2:2] = bad
    store.path.write_text(json.dumps(doc))
    assert [e["id"] for e in store.events()] == [e["id"] for e in good]
    assert "4 malformed answer(s)" in capfd.readouterr().err
    assert json.loads(store.quarantine_path.read_text()) == bad
    # the file itself no longer holds them; a second bad event adds to the quarantine
    assert len(json.loads(store.path.read_text())["events"]) == 5
    doc = json.loads(store.path.read_text())
    doc["events"].append({"id": "z"})
    store.path.write_text(json.dumps(doc))
    store.record("q9", True)
    assert len(store.events()) == 6
    assert json.loads(store.quarantine_path.read_text()) == [*bad, {"id": "z"}]


def test_an_old_progress_file_migrates_without_losing_an_answer(tmp_path):
    path = tmp_path / FILE_NAME
    shutil.copy(OLD_FILE, path)
    old = json.loads(OLD_FILE.read_text())
    assert old["version"] == 1 and len(old["events"]) == 120
    assert all("rating" not in e for e in old["events"])
    store = ProgressStore(path)
    assert {e["id"] for e in store.events()} == {e["id"] for e in old["events"]}
    cards = store.cards()
    for qid in {e["question"] for e in old["events"]}:
        mine = [e for e in old["events"] if e["question"] == qid]
        card = cards[qid]
        assert (card.right, card.wrong) == (
            sum(e["correct"] for e in mine),
            sum(not e["correct"] for e in mine),
        )
        assert card.last_rating == (3 if max(mine, key=lambda e: e["time"])["correct"] else 1)
    store.record("basics-update-rule", True, rating=4)
    doc = json.loads(path.read_text())
    assert doc["version"] == 2 and len(doc["events"]) == 121
    assert all(e in doc["events"] for e in old["events"])  # every old answer, unchanged
    assert cards_from_events(doc["events"][:120]) == cards


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"question": ""}, TypeError, "question must be a question id"),
        ({"question": 7}, TypeError, "question must be a question id"),
        ({"correct": 1}, TypeError, "correct must be True or False"),
        ({"correct": "yes"}, TypeError, "correct must be True or False"),
        ({"when": float("nan")}, ValueError, "when must be a finite time"),
        ({"when": -5.0}, ValueError, "when must be a finite time"),
        ({"when": "now"}, ValueError, "when must be a finite time"),
        ({"rating": 5}, ValueError, "rating must be 1, 2, 3 or 4"),
        ({"rating": 1}, ValueError, "rating 1 contradicts correct=True"),
        ({"response": 3}, TypeError, "response must be a string"),
        ({"order": [0, 0, 1]}, ValueError, "order must be a permutation"),
    ],
)
def test_record_validates_its_inputs(tmp_path, kwargs, error, message):
    store = ProgressStore(data_dir=tmp_path)
    args = {"question": "q", "correct": True, **kwargs}
    with pytest.raises(error, match=message):
        store.record(args.pop("question"), args.pop("correct"), **args)
    assert not store.path.exists()


def test_two_stores_on_one_file_see_each_others_answers(tmp_path):
    a, b = ProgressStore(tmp_path / "p.json"), ProgressStore(tmp_path / "p.json")
    ids = []
    for i in range(6):
        ids.append((a if i % 2 else b).record(f"q{i}", True, when=float(i))["id"])
        assert [e["id"] for e in a.events()] == ids == [e["id"] for e in b.events()]
        assert set(a.cards()) == set(b.cards()) == {f"q{k}" for k in range(i + 1)}
    a.events()[0]["question"] = "changed by a caller"
    assert a.events()[0]["question"] == "q0"  # callers get copies
    # a file replaced behind a store's back (here by hand) is read again
    doc = json.loads(a.path.read_text())
    doc["events"] = doc["events"][:2]
    a.path.write_text(json.dumps(doc))
    assert len(a.events()) == 2


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
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), tag, str(n)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


@pytest.mark.slow
def test_killed_writer_never_corrupts_or_loses_acknowledged_answers(tmp_path):
    path = tmp_path / FILE_NAME
    store = ProgressStore(path)
    # a large file makes each rewrite take long enough for kills to land mid-write
    store.merge(
        [
            {
                "id": f"old{i}",
                "question": "q",
                "time": float(i),
                "correct": True,
                "response": "x" * 100,
            }
            for i in range(3000)
        ]
    )
    acknowledged: set[str] = set()
    for round_ in range(8):
        proc = _spawn(path, f"r{round_}", -1)
        acknowledged.add(proc.stdout.readline().strip())  # at least one answer per round
        time.sleep(0.02 + 0.04 * (round_ % 5))  # then kill it at varying points of its loop
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        lines = out.split("\n")
        acknowledged.update(line for line in lines[:-1] if line)  # the last may be cut off
        notices = Notices()  # a set-aside file would print a notice
        ids = {e["id"] for e in ProgressStore(path, notify=notices).events()}
        assert notices == []
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
