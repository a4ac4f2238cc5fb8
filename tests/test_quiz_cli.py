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
from lrlearn.quiz import Bank, ProgressStore, Session, load_bank
from lrlearn.quiz.grading import correct_value, format_value
from lrlearn.quiz.render import PAGES
from lrlearn.quiz.schema import validate_entry

pexpect = pytest.importorskip("pexpect")

BANK = load_bank()


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory, monkeypatch):
    """Nothing here may touch the user's real progress file."""
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path_factory.mktemp("lrlearn-data")))


REPO = Path(__file__).resolve().parents[1]
HEADER = re.compile(r"\[(\d+)/(\d+)\] (\w+) · ([^\r\n]*)")
SEEN_ID = re.compile(r"\(question\s+([a-z0-9-]+)\)")


def predict(tmp_path: Path, **filters) -> Session:
    """The session the command will run: same bank, filters, seed and progress file, so the
    same questions in the same order with the same shuffles (nothing is saved through it)."""
    s = Session(store=ProgressStore(data_dir=tmp_path), **filters)
    s.store = None
    return s


def spawn(tmp_path: Path, *args: str):
    env = {
        **os.environ,
        "LRLEARN_DATA_DIR": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "COLUMNS": "100",
        "PYTHONWARNINGS": "default",
    }
    # a terminal delivers Ctrl-C as SIGINT; give the child a terminal's default disposition, since
    # a runner started as a background job of a non-interactive shell inherits SIGINT ignored
    child = pexpect.spawn(
        sys.executable,
        ["-m", "lrlearn.cli", "quiz", *args],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 100),
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    return child


def answer_correctly(child, s: Session, *, try_bad_first: bool = False) -> str:
    """Answer the predicted session's current question right, as shown; return its id."""
    q = s.next_question()
    if q.kind == "recall":
        child.expect("press Enter to see the model answer")
        child.sendline("")
        child.expect("How did you do")
        if try_bad_first:
            child.sendline("perhaps")
            child.expect("again, hard, good or easy")
        child.sendline("3")
        child.expect("Rated Good")
        s.answer("good")
    else:
        child.expect("Your answer")
        if try_bad_first:
            child.sendline("zzz")
            child.expect("not a number" if q.kind == "numeric" else "answer with a letter")
        if q.kind == "numeric":
            text = format_value(correct_value(q))
        else:
            text = chr(ord("a") + s.order.index(q.answer))
        child.sendline(text)
        child.expect("Right: ")
        s.answer(text)
    child.expect(SEEN_ID)
    assert child.match.group(1) == q.id  # the id comes with the answer, not before
    return q.id


def test_full_session_through_a_pty(tmp_path):
    s = predict(tmp_path, topic=["stability", "warmup"], level="intermediate", count=4, seed=7)
    child = spawn(
        tmp_path,
        "--topic",
        "stability,warmup",
        "--level",
        "intermediate",
        "--count",
        "4",
        "--seed",
        "7",
    )
    child.expect(r"lrlearn quiz: 4 questions")
    seen = []
    for n in range(1, 5):
        child.expect(HEADER)
        assert child.match.group(1) == str(n) and child.match.group(2) == "4"
        q = s.next_question()
        assert child.match.group(3) == "intermediate" and q.id not in child.match.group(4)
        assert q.level == "intermediate" and {"stability", "warmup"} & set(q.topics)
        seen.append(answer_correctly(child, s, try_bad_first=True))
    child.expect(r"Score: 4 of 4 right \(100%\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    events = ProgressStore(data_dir=tmp_path).events()
    assert [e["question"] for e in events] == seen and all(e["correct"] for e in events)


def test_wrong_answer_shows_the_model_answer_is_saved_and_comes_back(tmp_path):
    s = predict(tmp_path, topic="loss-curves", count=1, seed=0)
    q = s.next_question()
    child = spawn(tmp_path, "--topic", "loss-curves", "--count", "1", "--seed", "0")
    child.expect(HEADER)
    if q.kind in ("curve", "training"):
        child.expect(r"\+-{10,}")  # the text plot's axis
    if q.kind == "curve":
        child.expect("floor \\(the lowest loss possible\\)")
    if q.kind == "recall":
        child.expect("press Enter")
        child.sendline("")
        wrong = "1"
    elif q.kind == "numeric":
        wrong = "12345"
    else:
        right = chr(ord("a") + s.order.index(q.answer))
        wrong = "b" if right == "a" else "a"
    child.expect(r"Your answer|How did you do")
    child.sendline(wrong)
    if q.kind == "recall":
        child.expect("Rated Again. It comes back later in this sitting.")
    else:
        child.expect("Not quite. The answer is ")
        child.expect("Model answer: ")
    child.expect("Why: ")
    s.answer(wrong)
    child.expect(HEADER)  # asked again at the end of the sitting, in a new order
    assert "again (missed earlier)" in child.match.group(4)
    answer_correctly(child, s)
    child.expect(r"Score: 1 of 2 right \(50%\)")
    child.expect("To review")
    child.expect(pexpect.EOF)
    card = ProgressStore(data_dir=tmp_path).cards()[q.id]
    assert card.wrong == 1 and card.right == 1
    assert card.last_rating == (3 if q.kind == "recall" else 2)  # Hard after a miss, if graded


@pytest.mark.parametrize("how", ["eof", "interrupt", "q"])
def test_quitting_midway_keeps_the_answers_given(tmp_path, how):
    s = predict(tmp_path, topic="schedules", count=5, seed=1)
    child = spawn(tmp_path, "--topic", "schedules", "--count", "5", "--seed", "1")
    child.expect(HEADER)
    first = answer_correctly(child, s)
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
    child.expect("Nothing is due for review now. Run `lrlearn quiz` for new questions.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    ProgressStore(data_dir=tmp_path).record("basics-update-rule", True)
    child = spawn(tmp_path, "--due")
    child.expect(r"Nothing is due for review now. The next review is due \d{4}-\d\d-\d\d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    child = spawn(tmp_path, "--topic", "learning-magic")
    child.expect(r"error: unknown topic 'learning-magic'; valid: basics")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_corrupt_progress_file_is_set_aside_with_a_notice(tmp_path):
    (tmp_path / "quiz_progress.json").write_text('{"format": "lrlearn-quiz-progress", "vers')
    child = spawn(tmp_path, "--topic", "momentum", "--count", "1", "--seed", "3")
    child.expect(
        "lrlearn: quiz progress file .* is not valid JSON \\(truncated or damaged\\); "
        "it was moved to"
    )
    s = predict(tmp_path, topic="momentum", count=1, seed=3)
    child.expect(HEADER)
    answer_correctly(child, s)
    child.expect(pexpect.EOF)
    assert "Traceback" not in child.before and "Warning" not in child.before
    assert len(ProgressStore(data_dir=tmp_path).events()) == 1
    assert len(list(tmp_path.glob("quiz_progress.json.corrupt-*"))) == 1


def test_due_review_session(tmp_path):
    store = ProgressStore(data_dir=tmp_path)
    store.record("basics-update-rule", False, when=0.0)  # long overdue
    s = predict(tmp_path, due_only=True, seed=int(__import__("time").time() // 86400))
    assert [q.id for q in s.questions] == ["basics-update-rule"]
    child = spawn(tmp_path, "--due")
    child.expect(r"lrlearn quiz: 1 question\.")
    child.expect(HEADER)
    assert answer_correctly(child, s) == "basics-update-rule"
    child.expect(pexpect.EOF)
    card = store.cards()["basics-update-rule"]
    assert card.right == 1 and card.wrong == 1 and card.last_rating == 3


# --- the other commands, in-process ---------------------------------------------------------


def test_list_topics_and_stats(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path))
    assert main(["quiz", "--list-topics"]) == 0
    out = capsys.readouterr().out
    assert "gradient-accumulation" in out and "edge-of-stability" in out
    store = ProgressStore(data_dir=tmp_path)
    day = 86400.0
    t = __import__("time").time()
    store.record("basics-update-rule", True, when=t - 10 * day)
    store.record("basics-update-rule", False, when=t - 3 * day)  # a review, missed
    store.record("num-critical-5x2", True, when=t - 3 * day)
    assert main(["quiz", "--stats"]) == 0
    out = capsys.readouterr().out
    assert f"2 of {len(BANK)} questions answered at least once" in out
    assert "Retention: 0% of 1 reviews right" in out and "FSRS predicts" in out
    assert re.search(
        r"Due for review: \d now, \d within 1 day, \d within 7 days, 2 within 30 days", out
    )
    level = BANK.get("basics-update-rule").level
    assert re.search(rf"{level}\s+\d+% of\s+\d+", out)
    assert re.search(r"basics\s+50% of\s+2", out)


def test_a_mistyped_data_dir_leaves_a_foreign_file_alone(tmp_path, capsys):
    other = tmp_path / "quiz_progress.json"  # someone else's file of the same name
    other.write_text('{"settings": {"theme": "dark"}}')
    assert main(["quiz", "--data-dir", str(tmp_path), "--count", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not an lrlearn quiz progress file" in err
    assert "left untouched" in err and "Traceback" not in err
    assert other.read_text() == '{"settings": {"theme": "dark"}}'
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "quiz_progress.json",
        "quiz_progress.json.lock",
    ]


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
    assert main(["export-anki", str(out), "--topic", "basics"]) == 0  # its own file: replaced


def test_export_anki_never_overwrites_progress_or_other_files(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path))
    store = ProgressStore(data_dir=tmp_path)
    store.record("basics-update-rule", True)
    before = store.path.read_bytes()
    assert main(["export-anki", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "is an lrlearn quiz progress file; not overwriting it" in err and "--force" in err
    assert store.path.read_bytes() == before and len(store.events()) == 1
    notes = tmp_path / "notes.txt"
    notes.write_text("my own notes\n")
    assert main(["export-anki", str(notes)]) == 2
    assert "was not written by lrlearn export-anki" in capsys.readouterr().err
    assert notes.read_text() == "my own notes\n"
    assert main(["export-anki", str(notes), "--force"]) == 0
    assert notes.read_text().startswith("#separator:tab")
    assert main(["export-anki", str(tmp_path)]) == 2  # a folder
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_quiz_page_command(tmp_path, capsys):
    out = tmp_path / "book" / "quiz.md"
    assert main(["quiz-page", "--out", str(out), "--topic", "warmup,one-cycle"]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    n = len(BANK.select(topic=["warmup", "one-cycle"]))
    assert text.startswith("# Interview self-quiz") and text.count("<details>") == n
    root = tmp_path / "site"
    assert main(["quiz-page", "--out", str(root), "--topic", "warmup,one-cycle"]) == 0
    assert f"wrote {len(PAGES) + 1} pages" in capsys.readouterr().out
    assert sum(p.read_text().count("<details>") for p in (root / "quiz").glob("*.md")) == n


def _interview_bank() -> Bank:
    base = {
        "kind": "recall",
        "level": "basic",
        "topics": ["basics"],
        "model_answer": "How far each update moves the weights.",
        "explanation": "E.",
        "notebook": "01_what_the_learning_rate_does",
    }
    q1 = validate_entry(
        {
            **base,
            "id": "iv-what",
            "prompt": "What is the learning rate?",
            "key_points": ["scales the gradient step", "too high diverges", "too low is slow"],
            "follow_ups": [
                {
                    "prompt": "How would you choose it?",
                    "key_points": ["range test", "sweep on a log grid"],
                }
            ],
        },
        "iv.json",
    )
    q2 = validate_entry(
        {
            **base,
            "id": "iv-batch",
            "prompt": "What does the batch size change?",
            "key_points": ["gradient noise", "steps per epoch", "memory"],
        },
        "iv.json",
    )
    return Bank((q1, q2))


def test_interview_command(tmp_path, capsys, monkeypatch):
    import builtins

    import lrlearn.quiz

    monkeypatch.setenv("LRLEARN_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(lrlearn.quiz, "load_bank", _interview_bank)
    typed = iter(
        [
            "It scales the gradient step; if it is too high training diverges.",
            "",
            "Run a range test.",
            "",  # the follow-up
            "",  # Enter: take the suggested grade
            "q",
        ]
    )
    monkeypatch.setattr(builtins, "input", lambda prompt="": next(typed))
    assert main(["interview", "--count", "2", "--seed", "0", "--time", "60"]) == 0
    out = capsys.readouterr().out
    assert "Interviewer (basic · basics): What is the learning rate?" in out
    assert re.search(r"Time: \d+ s\. Key points hit: 2 of 3\.", out)
    assert "[x] scales the gradient step" in out and "[ ] too low is slow" in out
    assert "Follow-up 1: How would you choose it?" in out
    assert "[x] range test" in out and "[ ] sweep on a log grid" in out
    assert (
        "Rated Hard (question iv-what)" in out and "Stopped." in out
    )  # 2 of 3, then 1 of 2 points
    (event,) = ProgressStore(data_dir=tmp_path).events()
    assert event["question"] == "iv-what" and event["rating"] == 2 and event["mode"] == "interview"
    assert main(["interview", "--time", "1"]) == 2
    assert "--time must be in [5, 3600]" in capsys.readouterr().err


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("lrlearn")
    if not script.exists():
        pytest.skip("the lrlearn console script is not installed in this environment")
    res = subprocess.run(
        [str(script), "quiz", "--help"], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0 and "--due" in res.stdout and "--topic" in res.stdout
    json.dumps(res.stdout)  # plain text
