"""Interview self-quiz on the learning rate and the batch size.

- ``load_bank()``: the validated question bank (JSON files in ``lrlearn/quiz/bank/``);
- ``Session``: draws questions by level, topic and due date, shuffles their options at every
  presentation, grades them, schedules them with FSRS (``scheduling``) from a ``ProgressStore``
  (a crash- and concurrency-safe JSON file in the user's data folder);
- front ends: ``lrlearn quiz`` and ``lrlearn interview`` on the terminal,
  ``lrlearn.widgets.quiz.QuizWidget`` in a notebook, ``write_book_pages`` for the book,
  ``export_anki`` for Anki; ``progress_stats`` for what the progress file says.
"""

from __future__ import annotations

from .anki import export_anki
from .bank import Bank, EmptySelectionError, load_bank
from .grading import Grade, InvalidAnswer, grade, model_answer, parse_number
from .interview import match_key_points, run_interview
from .render import to_markdown, write_book_page, write_book_pages
from .scheduling import AGAIN, EASY, GOOD, HARD, RATINGS, Card
from .schema import CURVE_LABELS, KINDS, LEVELS, NOTEBOOKS, RUN_LABELS, TOPICS, BankError, Question
from .session import NothingDue, Score, Session
from .shuffle import shuffled_order
from .stats import ProgressStats, progress_stats
from .store import NotAProgressFile, ProgressStore

__all__ = [
    "AGAIN",
    "CURVE_LABELS",
    "EASY",
    "GOOD",
    "HARD",
    "KINDS",
    "LEVELS",
    "NOTEBOOKS",
    "RATINGS",
    "RUN_LABELS",
    "TOPICS",
    "Bank",
    "BankError",
    "Card",
    "EmptySelectionError",
    "Grade",
    "InvalidAnswer",
    "NotAProgressFile",
    "NothingDue",
    "ProgressStats",
    "ProgressStore",
    "Question",
    "Score",
    "Session",
    "export_anki",
    "grade",
    "load_bank",
    "match_key_points",
    "model_answer",
    "parse_number",
    "progress_stats",
    "run_interview",
    "shuffled_order",
    "to_markdown",
    "write_book_page",
    "write_book_pages",
]
