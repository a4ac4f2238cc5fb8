"""Load the question bank (the JSON files in ``lrlearn/quiz/bank/``) and select from it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import _checks
from .schema import KINDS, LEVELS, TOPICS, BankError, Question, validate_entry

__all__ = ["BANK_DIR", "Bank", "EmptySelectionError", "load_bank"]

BANK_DIR = Path(__file__).with_name("bank")


class EmptySelectionError(ValueError):
    """No question matches the filters."""


def _as_tuple(
    name: str, value: str | Iterable[str] | None, valid: Iterable[str]
) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    valid = list(valid)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must be a string or a list of strings, got {item!r}")
        if item not in valid:
            raise ValueError(f"unknown {name} {item!r}; valid: {', '.join(valid)}")
    return items


@dataclass(frozen=True)
class Bank(Sequence[Question]):
    """An ordered, validated collection of questions with unique ids."""

    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for q in self.questions:
            if q.id in seen:
                raise BankError(f"{q.source}: entry {q.id!r}: id already used in {seen[q.id]}")
            seen[q.id] = q.source

    def __getitem__(self, index: int) -> Question:  # type: ignore[override]
        return self.questions[index]

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def get(self, qid: str) -> Question:
        """The question with this id (KeyError naming it if none)."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"no question with id {qid!r}")

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.questions)

    def select(
        self,
        level: str | Iterable[str] | None = None,
        topic: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
    ) -> Bank:
        """Questions at any of the given levels that carry any of the given topics (and kinds).

        Unknown names raise ValueError listing the valid ones; an empty result raises
        ``EmptySelectionError``.
        """
        levels = _as_tuple("level", level, LEVELS)
        topics = _as_tuple("topic", topic, TOPICS)
        kinds = _as_tuple("kind", kind, KINDS)
        chosen = tuple(
            q
            for q in self.questions
            if (not levels or q.level in levels)
            and (not topics or set(q.topics) & set(topics))
            and (not kinds or q.kind in kinds)
        )
        if not chosen:
            parts = [
                f"{n}={'/'.join(v)}"
                for n, v in (("level", levels), ("topic", topics), ("kind", kinds))
                if v
            ]
            raise EmptySelectionError(f"no question matches {', '.join(parts)}")
        return Bank(chosen)


def _load_file(path: Path) -> list[Question]:
    name = path.name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BankError(f"{name}: not valid JSON: {exc}") from None
    if (
        not isinstance(data, dict)
        or set(data) != {"questions"}
        or not isinstance(data["questions"], list)
    ):
        raise BankError(f'{name}: a bank file is {{"questions": [...]}}')
    return [validate_entry(entry, name) for entry in data["questions"]]


@lru_cache(maxsize=8)
def _load_dir(directory: str) -> Bank:
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise BankError(f"{directory}: no bank files (*.json)")
    return Bank(tuple(q for f in files for q in _load_file(f)))


def load_bank(path: str | Path | None = None) -> Bank:
    """All questions of the bank directory (default: the one shipped with lrlearn), or of one file.

    Raises ``BankError`` naming the file and entry id of the first malformed entry.
    """
    p = BANK_DIR if path is None else Path(path)
    if p.is_dir():
        return _load_dir(str(p.resolve()))
    if not p.exists():
        raise FileNotFoundError(f"no bank file or directory at {p}")
    return Bank(tuple(_load_file(p)))


_checks.check_public(globals())
