"""The progress file: a log of answers, safe against crashes and concurrent sessions.

- Where: ``path`` if given, else ``data_dir/quiz_progress.json`` with ``data_dir`` taken from the
  argument, the environment variable ``LRLEARN_DATA_DIR``, or ``platformdirs.user_data_dir("lrlearn")``.
- Atomic: a new version is written to a temporary file in the same folder, flushed and fsync'ed,
  then ``os.replace``'d over the old one (and the folder fsync'ed), so a reader sees the old file
  or the new one, never half of one, even if the writer is killed.
- Concurrent: every read-merge-write happens under an exclusive ``flock`` on ``<file>.lock``; the
  file is a set of answer events with unique ids, so merging is a union and no answer is lost.
- A truncated, unreadable or too deeply nested file is renamed ``<file>.corrupt-<UTC timestamp>``
  and a fresh log is started, with a one-line notice (``notify``, default: printed to stderr). A
  file that is valid JSON but not a progress file (a mistyped path) is never renamed or
  overwritten: reading it raises ``ValueError``.
- One malformed event does not cost the others: it is moved, alone, to ``<file>.quarantine``
  (a JSON list) and the rest stays in use.
- Format versions: version 1 (answers right or wrong) is read as is and rewritten as version 2
  (answers also carry a rating and the order the options were shown in); no answer is dropped.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .scheduling import AGAIN, EASY, Card, cards_from_events

__all__ = [
    "ENV_VAR",
    "FILE_NAME",
    "FORMAT",
    "VERSION",
    "NotAProgressFile",
    "ProgressStore",
    "default_data_dir",
]

ENV_VAR = "LRLEARN_DATA_DIR"
FILE_NAME = "quiz_progress.json"
FORMAT = "lrlearn-quiz-progress"
VERSION = 2
READABLE_VERSIONS = (1, 2)


class NotAProgressFile(ValueError):
    """The path holds a file that is not an lrlearn progress file; it is left untouched."""


def _print_notice(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
        return (
            type(ev["id"]) is str
            and type(ev["question"]) is str
            and type(ev["time"]) in (int, float)
            and math.isfinite(ev["time"])
            and type(ev["correct"]) is bool
            and (type(ev.get("rating", 1)) is int and AGAIN <= ev.get("rating", 1) <= EASY)
            and type(ev.get("response", "")) is str
        )
    except (TypeError, KeyError, IndexError, AttributeError):
        return False


def _looks_like_ours(raw: bytes) -> bool:
    return not raw.strip() or FORMAT.encode() in raw[:200]


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ProgressStore:
    """Answer events on disk. ``record`` returns only once the answer is durably in the file."""

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        notify: Callable[[str], None] = _print_notice,
    ) -> None:
        self.notify = notify
        if path is not None and data_dir is not None:
            raise TypeError("give either path or data_dir, not both")
        if path is not None:
            self.path = Path(path).expanduser()
        else:
            self.path = (
                Path(data_dir).expanduser() / FILE_NAME
                if data_dir
                else (default_data_dir() / FILE_NAME)
            )
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.quarantine_path = self.path.with_name(self.path.name + ".quarantine")

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
        _fsync_dir(self.path.parent)
        self.notify(
            f"lrlearn: quiz progress file {self.path} {reason}; it was moved to "
            f"{target.name} and a fresh one started"
        )
        return target

    def _quarantine(self, bad: list[Any]) -> None:
        """Append malformed events to the quarantine file (atomically), before they leave the
        progress file."""
        kept: list[Any] = []
        with contextlib.suppress(OSError, ValueError, RecursionError):
            old = json.loads(self.quarantine_path.read_text(encoding="utf-8"))
            kept = old if isinstance(old, list) else [old]
        self._atomic_write(self.quarantine_path, json.dumps(kept + bad).encode("utf-8"))
        self.notify(
            f"lrlearn: {len(bad)} malformed answer(s) in {self.path} moved to "
            f"{self.quarantine_path.name}; the other answers are kept"
        )

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read(self) -> list[dict[str, Any]]:
        """The events on disk (caller holds the lock); set a bad file aside. The events this
        store last wrote are reused while the file is the one it wrote (same inode, time, size:
        every writer replaces the file, so any other write changes the inode)."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(OSError):  # left by a writer that was killed mid-write
                stale.unlink()
        cached = getattr(self, "_cache", None)
        if cached is not None and cached[0] == self._signature():
            return list(cached[1])
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            if not _looks_like_ours(raw) and self.path.name != FILE_NAME:
                raise NotAProgressFile(
                    f"{self.path} is not an lrlearn quiz progress file; it "
                    "was left untouched (check the path)"
                ) from None
            reason = (
                "is nested too deeply to read"
                if isinstance(exc, RecursionError)
                else "is not valid JSON (truncated or damaged)"
            )
            self._set_aside(reason)
            return []
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise NotAProgressFile(
                f"{self.path} is not an lrlearn quiz progress file (no "
                f"format {FORMAT!r}); it was left untouched (check the path)"
            )
        if doc.get("version") not in READABLE_VERSIONS or not isinstance(doc.get("events"), list):
            self._set_aside(
                f"has an unknown version {doc.get('version')!r} or no event list "
                f"(this lrlearn reads versions {list(READABLE_VERSIONS)})"
            )
            return []
        events = doc["events"]
        good = [e for e in events if _valid_event(e)]
        if len(good) != len(events):
            self._quarantine([e for e in events if not _valid_event(e)])
            self._write(good)
        return good

    @staticmethod
    def _atomic_write(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def _write(self, events: list[dict[str, Any]]) -> None:
        doc = {"format": FORMAT, "version": VERSION, "events": events}
        self._atomic_write(self.path, json.dumps(doc, separators=(",", ":")).encode("utf-8"))
        self._cache = (self._signature(), list(events))

    def events(self) -> list[dict[str, Any]]:
        """All recorded answer events, oldest first."""
        with self._locked():
            events = self._read()
        return sorted((dict(e) for e in events), key=lambda e: (e["time"], e["id"]))

    def cards(self) -> dict[str, Card]:
        """FSRS state per question id, from the recorded answers (replayed again only when the
        file has changed)."""
        with self._locked():
            events = self._read()
            signature = self._signature()
        cached = getattr(self, "_cards", None)
        if cached is None or cached[0] != signature or signature is None:
            self._cards = cached = (signature, cards_from_events(events))
        return dict(cached[1])

    def record(
        self,
        question: str,
        correct: bool,
        *,
        response: str = "",
        when: float | None = None,
        rating: int | None = None,
        order: Iterable[int] | None = None,
        mode: str | None = None,
    ) -> dict[str, Any]:
        """Append one answer (read-merge-write under the lock) and return its event.

        ``rating``: 1-4 (Again, Hard, Good, Easy; default Good if right, Again if wrong);
        ``order``: the option indices in the order shown; ``mode``: e.g. ``"interview"``.
        """
        if not isinstance(question, str) or not question.strip() or len(question) > 200:
            raise TypeError(
                f"question must be a question id (a non-empty string), got {question!r}"
            )
        if not isinstance(correct, bool):
            raise TypeError(f"correct must be True or False, got {correct!r}")
        if not isinstance(response, str):
            raise TypeError(f"response must be a string, got {type(response).__name__}")
        if when is None:
            when = time.time()
        if (
            isinstance(when, bool)
            or not isinstance(when, (int, float))
            or not math.isfinite(when)
            or when < 0
        ):
            raise ValueError(f"when must be a finite time in epoch seconds >= 0, got {when!r}")
        if rating is None:
            rating = 3 if correct else AGAIN
        if isinstance(rating, bool) or not isinstance(rating, int) or not AGAIN <= rating <= EASY:
            raise ValueError(
                f"rating must be 1, 2, 3 or 4 (Again, Hard, Good, Easy), got {rating!r}"
            )
        if (rating == AGAIN) == correct:
            raise ValueError(
                f"rating {rating} contradicts correct={correct} (Again is a miss, "
                "Hard/Good/Easy are right)"
            )
        event: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "question": question,
            "time": float(when),
            "correct": correct,
            "rating": rating,
            "response": response[:200],
        }
        if order is not None:
            shown = [int(i) for i in order]
            if sorted(shown) != list(range(len(shown))):
                raise ValueError(f"order must be a permutation of 0..n-1, got {shown!r}")
            event["order"] = shown
        if mode is not None:
            event["mode"] = str(mode)
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
