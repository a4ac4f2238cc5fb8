"""The progress file: a log of answers, safe against crashes and concurrent sessions.

- Where: ``path`` if given, else ``data_dir/quiz_progress.json`` with ``data_dir`` taken from the
  argument, the environment variable ``LRLEARN_DATA_DIR``, or ``platformdirs.user_data_dir("lrlearn")``.
- Atomic: a new version is written to a temporary file in the same folder, flushed and fsync'ed,
  then ``os.replace``'d over the old one (and the folder fsync'ed), so a reader sees the old file
  or the new one, never half of one, even if the writer is killed.
- Concurrent: every read-merge-write happens under an exclusive ``flock`` on ``<file>.lock``; the
  file is a set of answer events with unique ids, so merging is a union and no answer is lost.
- A corrupt or foreign file is renamed ``<file>.corrupt-<UTC timestamp>`` with a warning, and a
  fresh log is started.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .leitner import Card, cards_from_events

__all__ = ["ENV_VAR", "FILE_NAME", "FORMAT", "ProgressStore", "ProgressWarning", "default_data_dir"]

ENV_VAR = "LRLEARN_DATA_DIR"
FILE_NAME = "quiz_progress.json"
FORMAT = "lrlearn-quiz-progress"
VERSION = 1


class ProgressWarning(UserWarning):
    """The progress file was unreadable and has been set aside."""


def default_data_dir() -> Path:
    """``$LRLEARN_DATA_DIR`` if set, else the platform's user data folder for lrlearn."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("lrlearn", appauthor=False))


try:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

except ImportError:  # pragma: no cover - Windows
    import msvcrt

    def _lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                time.sleep(0.05)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _valid_event(ev: Any) -> bool:
    try:  # exact type checks: fast on files with many thousands of answers
        return (type(ev["id"]) is str and type(ev["question"]) is str
                and type(ev["time"]) in (int, float) and type(ev["correct"]) is bool)
    except (TypeError, KeyError, IndexError):
        return False


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ProgressStore:
    """Answer events on disk. ``record`` returns only once the answer is durably in the file."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 data_dir: str | os.PathLike[str] | None = None) -> None:
        if path is not None and data_dir is not None:
            raise TypeError("give either path or data_dir, not both")
        if path is not None:
            self.path = Path(path).expanduser()
        else:
            self.path = Path(data_dir).expanduser() / FILE_NAME if data_dir else (
                default_data_dir() / FILE_NAME)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"ProgressStore({str(self.path)!r})"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock(fd)
            try:
                yield
            finally:
                _unlock(fd)
        finally:
            os.close(fd)

    def _set_aside(self, reason: str) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, target)
        warnings.warn(f"quiz progress file {self.path} {reason}; it was moved to {target.name} "
                      "and a fresh one started", ProgressWarning, stacklevel=4)
        return target

    def _read(self) -> list[dict[str, Any]]:
        """The events on disk (caller holds the lock); set a bad file aside."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):  # left by a writer that was killed mid-write
                stale.unlink()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            self._set_aside("is not valid JSON")
            return []
        if (not isinstance(doc, dict) or doc.get("format") != FORMAT
                or doc.get("version") != VERSION or not isinstance(doc.get("events"), list)
                or not all(_valid_event(e) for e in doc["events"])):
            self._set_aside(f"is not an lrlearn quiz progress file (format {FORMAT!r} "
                            f"version {VERSION})")
            return []
        return doc["events"]

    def _write(self, events: list[dict[str, Any]]) -> None:
        doc = {"format": FORMAT, "version": VERSION, "events": events}
        data = json.dumps(doc, separators=(",", ":")).encode("utf-8")  # C encoder: no indent
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.path.parent)

    def events(self) -> list[dict[str, Any]]:
        """All recorded answer events, oldest first."""
        with self._locked():
            events = self._read()
        return sorted(events, key=lambda e: (e["time"], e["id"]))

    def cards(self) -> dict[str, Card]:
        """Leitner state per question id, from the recorded answers."""
        return cards_from_events(self.events())

    def record(self, question: str, correct: bool, *, response: str = "",
               when: float | None = None) -> dict[str, Any]:
        """Append one answer (read-merge-write under the lock) and return its event."""
        event = {"id": uuid.uuid4().hex, "question": str(question), "time":
                 float(time.time() if when is None else when), "correct": bool(correct),
                 "response": str(response)[:200]}
        self.merge([event])
        return event

    def merge(self, events: Iterable[dict[str, Any]]) -> None:
        """Add events (deduplicated by id) to the file atomically."""
        new = list(events)
        bad = [e for e in new if not _valid_event(e)]
        if bad:
            raise ValueError(f"malformed answer event {bad[0]!r}")
        with self._locked():
            current = self._read()
            known = {e["id"] for e in current}
            merged = current + [e for e in new if e["id"] not in known]
            self._write(merged)
