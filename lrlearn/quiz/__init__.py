"""Interview self-quiz on the learning rate and the batch size.

- ``load_bank()``: the validated question bank (JSON files in ``lrlearn/quiz/bank/``);
- ``Session``: draws questions by level, topic and due date, grades them, keeps Leitner boxes in a
  ``ProgressStore`` (a crash- and concurrency-safe JSON file in the user's data folder);
- front ends: ``lrlearn quiz`` on the terminal, ``lrlearn.widgets.quiz.QuizWidget`` in a notebook,
  ``to_markdown``/``write_book_page`` for the book, ``export_anki`` for Anki.
"""

from __future__ import annotations

from .anki import export_anki
from .bank import Bank, EmptySelectionError, load_bank
from .grading import Grade, InvalidAnswer, grade, model_answer, parse_number
from .leitner import BOXES, INTERVALS_DAYS, Card
from .render import to_markdown, write_book_page
from .schema import CURVE_LABELS, KINDS, LEVELS, NOTEBOOKS, TOPICS, BankError, Question
from .session import Score, Session
from .store import ProgressStore, ProgressWarning

__all__ = [
    "BOXES",
    "CURVE_LABELS",
    "INTERVALS_DAYS",
    "KINDS",
    "LEVELS",
    "NOTEBOOKS",
    "TOPICS",
    "Bank",
    "BankError",
    "Card",
    "EmptySelectionError",
    "Grade",
    "InvalidAnswer",
    "ProgressStore",
    "ProgressWarning",
    "Question",
    "Score",
    "Session",
    "export_anki",
    "grade",
    "load_bank",
    "model_answer",
    "parse_number",
    "to_markdown",
    "write_book_page",
]
