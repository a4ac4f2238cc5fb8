"""`lrlearn quiz` driven through a real pseudo-terminal (pexpect), and the other quiz commands."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lrlearn.cli import main
from lrlearn.quiz import ProgressStore, load_bank
from lrlearn.quiz.grading import correct_value, format_value

pexpect = pytest.importorskip("pexpect")

BANK = load_bank()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Nothing here may touch the user's real progress file."""
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path_factory.mktemp("lrlearn-data")))
REPO = Path(__file__).resolve().parents[1]
HEADER = re.compile(r"\[(\d+)/(\d+)\] \w+ · [^\r\n]* · id: ([a-z0-9-]+)")


def spawn(tmp_path: Path, *args: str):
    env = {**os.environ, "LRLEARN_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO),
           "COLUMNS": "100", "PYTHONWARNINGS": "default"}
    # a terminal delivers Ctrl-C as SIGINT; give the child a terminal's default disposition, since
    # a runner started as a background job of a non-interactive shell inherits SIGINT ignored
    child = pexpect.spawn(sys.executable, ["-m", "lrlearn.cli", "quiz", *args], env=env,
                          encoding="utf-8", timeout=30, dimensions=(50, 100),
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return child


def answer_correctly(child, qid: str, *, try_bad_first: bool = False) -> None:
    q = BANK.get(qid)
    if q.kind == "recall":
        child.expect("press Enter to see the model answer")
        child.sendline("")
        child.expect("Did you get it right")
        if try_bad_first:
            child.sendline("perhaps")
            child.expect("y or n")
        child.sendline("y")
        child.expect("Marked right")
        return
    child.expect("Your answer")
    if try_bad_first:
        child.sendline("zzz")
        child.expect("not a number" if q.kind == "numeric" else "answer with a letter")
    if q.kind == "numeric":
        child.sendline(format_value(correct_value(q)))
    else:
        child.sendline(chr(ord("a") + q.answer))
    child.expect("Right: ")


def test_full_session_through_a_pty(tmp_path):
    child = spawn(tmp_path, "--topic", "stability,warmup", "--level", "intermediate",
                  "--count", "4", "--seed", "7")
    child.expect(r"lrlearn quiz: 4 questions")
    seen = []
    for n in range(1, 5):
        child.expect(HEADER)
        assert child.match.group(1) == str(n) and child.match.group(2) == "4"
        qid = child.match.group(3)
        q = BANK.get(qid)
        assert q.level == "intermediate" and {"stability", "warmup"} & set(q.topics)
        answer_correctly(child, qid, try_bad_first=True)
        child.expect("See it in: notebooks/")
        seen.append(qid)
    child.expect(r"Score: 4 of 4 right \(100%\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    events = ProgressStore(data_dir=tmp_path).events()
    assert [e["question"] for e in events] == seen and all(e["correct"] for e in events)


def test_wrong_answer_shows_the_model_answer_and_is_saved(tmp_path):
    child = spawn(tmp_path, "--topic", "loss-curves", "--count", "1", "--seed", "0")
    child.expect(HEADER)
    q = BANK.get(child.match.group(3))
    if q.kind == "curve":
        child.expect(r"\+-{10,}")  # the text plot's axis
    wrong = chr(ord("a") + (q.answer + 1) % len(q.choices))
    child.expect("Your answer")
    child.sendline(wrong)
    child.expect("Not quite. The answer is " + re.escape(chr(ord("a") + q.answer) + ")"))
    child.expect("Model answer: ")
    child.expect("Why: ")
    child.expect(r"Score: 0 of 1 right \(0%\)")
    child.expect("To review")
    child.expect(pexpect.EOF)
    card = ProgressStore(data_dir=tmp_path).cards()[q.id]
    assert card.box == 1 and card.wrong == 1


@pytest.mark.parametrize("how", ["eof", "interrupt", "q"])
def test_quitting_midway_keeps_the_answers_given(tmp_path, how):
    child = spawn(tmp_path, "--topic", "schedules", "--count", "5", "--seed", "1")
    child.expect(HEADER)
    first = child.match.group(3)
    answer_correctly(child, first)
    child.expect(HEADER)
    child.expect(r"Your answer|press Enter")  # at the prompt, as a person would quit
    {"eof": child.sendeof, "interrupt": child.sendintr, "q": lambda: child.sendline("q")}[how]()
    child.expect("Stopped.")
    child.expect(r"Score: 1 of 1 right")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [e["question"] for e in ProgressStore(data_dir=tmp_path).events()] == [first]


def test_due_only_with_nothing_due_and_bad_topic(tmp_path):
    child = spawn(tmp_path, "--due")
    child.expect("lrlearn quiz: error: no question is due for review")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    child = spawn(tmp_path, "--topic", "learning-magic")
    child.expect(r"error: unknown topic 'learning-magic'; valid: basics")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_corrupt_progress_file_is_set_aside_with_a_warning(tmp_path):
    (tmp_path / "quiz_progress.json").write_text('{"format": "lrlearn-quiz-progress", "vers')
    child = spawn(tmp_path, "--topic", "momentum", "--count", "1", "--seed", "3")
    child.expect("ProgressWarning: quiz progress file .* is not valid JSON; it was moved to")
    child.expect(HEADER)
    answer_correctly(child, child.match.group(3))
    child.expect(pexpect.EOF)
    assert len(ProgressStore(data_dir=tmp_path).events()) == 1
    assert len(list(tmp_path.glob("quiz_progress.json.corrupt-*"))) == 1


def test_due_review_session(tmp_path):
    store = ProgressStore(data_dir=tmp_path)
    store.record("basics-update-rule", False, when=0.0)  # long overdue
    child = spawn(tmp_path, "--due")
    child.expect(r"lrlearn quiz: 1 question\.")
    child.expect(HEADER)
    assert child.match.group(3) == "basics-update-rule"
    answer_correctly(child, "basics-update-rule")
    child.expect(pexpect.EOF)
    assert store.cards()["basics-update-rule"].box == 2


# --- the other commands, in-process ---------------------------------------------------------

def test_list_topics_and_stats(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path))
    assert main(["quiz", "--list-topics"]) == 0
    out = capsys.readouterr().out
    assert "gradient-accumulation" in out and "edge-of-stability" in out
    ProgressStore(data_dir=tmp_path).record("basics-update-rule", True)
    assert main(["quiz", "--stats"]) == 0
    out = capsys.readouterr().out
    assert f"1 of {len(BANK)} questions answered" in out and "box 1: 1" in out


def test_bad_count_and_no_command(capsys):
    assert main(["quiz", "--count", "0"]) == 2
    assert "--count must be >= 1, got 0" in capsys.readouterr().err
    assert main([]) == 2


def test_export_anki_command(tmp_path, capsys):
    out = tmp_path / "deck.txt"
    assert main(["export-anki", str(out), "--topic", "warmup"]) == 0
    n = len(BANK.select(topic="warmup"))
    assert f"wrote {n} notes" in capsys.readouterr().out
    lines = out.read_text().splitlines()
    assert lines[0] == "#separator:tab" and len([x for x in lines if not x.startswith("#")]) == n


def test_quiz_page_command(tmp_path, capsys):
    out = tmp_path / "book" / "quiz.md"
    assert main(["quiz-page", "--out", str(out), "--topic", "warmup,one-cycle"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    n = len(BANK.select(topic=["warmup", "one-cycle"]))
    assert text.startswith("# Interview self-quiz") and text.count("<details>") == n


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("lrlearn")
    if not script.exists():
        pytest.skip("the lrlearn console script is not installed in this environment")
    res = subprocess.run([str(script), "quiz", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0 and "--due" in res.stdout and "--topic" in res.stdout
    json.dumps(res.stdout)  # plain text
