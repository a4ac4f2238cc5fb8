"""The interview quiz as a notebook widget: a thin view over ``lrlearn.quiz.Session``.

    from lrlearn.widgets.quiz import quiz_widget
    quiz_widget(level="basic", topic="warmup", count=5)

All logic (drawing questions, grading, Leitner boxes, saving) is the session's; the widget only
shows a question, collects the answer and shows the result.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import ipywidgets as w

from ..quiz import InvalidAnswer, ProgressStore, Session
from ..quiz.bank import Bank
from ..quiz.grading import Grade
from ..quiz.schema import Question

__all__ = ["QuizWidget", "quiz_widget"]

_STYLE = {"description_width": "initial"}


def _p(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


class QuizWidget(w.VBox):
    """One question at a time: answer (choice buttons, a number box, or reveal-and-self-grade),
    check, read the model answer and why, go on. Answers are saved by the session's store."""

    def __init__(self, session: Session) -> None:
        if not isinstance(session, Session):
            raise TypeError(
                f"session must be an lrlearn.quiz.Session, got {type(session).__name__}"
            )
        self.session = session
        self.header = w.HTML()
        self.prompt = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="480px"))
        self.choices = w.RadioButtons(
            options=[], value=None, layout=w.Layout(width="auto"), style=_STYLE
        )
        self.number = w.Text(
            placeholder="a number, e.g. 0.2 or 1/5", description="Answer:", style=_STYLE
        )
        self.check_button = w.Button(description="Check", button_style="primary")
        self.reveal_button = w.Button(description="Show the model answer")
        self.got_it_button = w.Button(description="I had it", button_style="success")
        self.missed_button = w.Button(description="I missed it", button_style="warning")
        self.skip_button = w.Button(description="Skip")
        self.next_button = w.Button(description="Next question")
        self.feedback = w.HTML()
        self.score_label = w.HTML()
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.reveal())
        self.got_it_button.on_click(lambda _: self.self_grade(True))
        self.missed_button.on_click(lambda _: self.self_grade(False))
        self.skip_button.on_click(lambda _: self.skip())
        self.next_button.on_click(lambda _: self.show_current())
        super().__init__(layout=w.Layout(width="100%"))
        self.show_current()

    # --- what is shown ------------------------------------------------------------------------

    @property
    def question(self) -> Question | None:
        return self.session.next_question()

    def _score_text(self) -> str:
        return f"<small>Score: {html.escape(str(self.session.score))}</small>"

    def show_current(self) -> None:
        """Show the session's current question (or the final score)."""
        q = self.question
        self.feedback.value = ""
        self.score_label.value = self._score_text()
        if q is None:
            missed = self.session.score.missed
            self.header.value = "<b>Done.</b>"
            self.prompt.value = f"<p>Final score: {html.escape(str(self.session.score))}.</p>" + (
                f"<p>Back in box 1 for review tomorrow: {html.escape(', '.join(missed))}</p>"
                if missed
                else ""
            )
            self.children = (self.header, self.prompt, self.score_label)
            return
        n, total = self.session.position + 1, len(self.session)
        self.header.value = (
            f"<b>Question {n} of {total}</b> · {q.level} · "
            f"{html.escape(', '.join(q.topics))} · <code>{q.id}</code>"
        )
        self.prompt.value = f"<p>{_p(q.prompt)}</p>"
        parts: list[w.Widget] = [self.header, self.prompt]
        if q.kind == "curve":
            from ..quiz.render import curve_png

            self.image.value = curve_png(q)
            parts.append(self.image)
        if q.kind in ("choice", "curve"):
            self.choices.options = [(f"{chr(97 + i)}) {c}", i) for i, c in enumerate(q.choices)]
            self.choices.value = None
            parts += [self.choices, w.HBox([self.check_button, self.skip_button])]
        elif q.kind == "numeric":
            self.number.value = ""
            unit = f" ({q.unit})" if q.unit else ""
            self.number.description = f"Answer{unit}:"
            parts += [w.HBox([self.number, self.check_button, self.skip_button])]
        else:
            parts += [w.HBox([self.reveal_button, self.skip_button])]
        self.children = (*parts, self.feedback, self.score_label)

    def _show_result(self, g: Grade) -> None:
        q = g.question
        if q.kind == "recall":
            verdict = "Marked right." if g.correct else "Marked for review tomorrow."
        elif g.correct:
            verdict = f"✔ Right: {_p(g.expected)}"
        else:
            verdict = f"✘ Not quite. The answer is {_p(g.expected)}"
        lines = [f"<p><b>{verdict}</b></p>"]
        if q.kind != "recall":
            lines.append(f"<p><b>Model answer.</b> {_p(g.model_answer)}</p>")
        lines.append(f"<p><b>Why.</b> {_p(g.explanation)}</p>")
        if q.correction:
            lines.append(f"<p><b>What the usual answer gets wrong.</b> {_p(q.correction)}</p>")
        lines.append(f"<p><small>See it in <code>{html.escape(q.link)}</code></small></p>")
        self.feedback.value = "".join(lines)
        self.score_label.value = self._score_text()
        self.children = (
            self.header,
            self.prompt,
            *([self.image] if q.kind == "curve" else []),
            self.feedback,
            self.next_button,
            self.score_label,
        )

    # --- actions --------------------------------------------------------------------------------

    def check(self) -> Grade | None:
        """Grade the answer given in the choice buttons or the number box."""
        q = self.question
        if q is None or q.kind == "recall":
            return None
        response: Any = self.choices.value if q.kind in ("choice", "curve") else self.number.value
        if response is None:
            self.feedback.value = "<p>Pick one of the options first.</p>"
            return None
        try:
            result = self.session.answer(response)
        except InvalidAnswer as exc:
            self.feedback.value = f"<p>{_p(str(exc))}</p>"  # nothing saved; same question
            return None
        except OSError as exc:
            self.feedback.value = f"<p>Could not save this answer ({_p(str(exc))}); try again.</p>"
            return None
        self._show_result(result)
        return result

    def reveal(self) -> None:
        """Free recall: show the model answer and ask for a self-grade."""
        q = self.question
        if q is None or q.kind != "recall":
            return
        self.feedback.value = f"<p><b>Model answer.</b> {_p(q.model_answer)}</p>"
        self.children = (
            self.header,
            self.prompt,
            self.feedback,
            w.HBox([self.got_it_button, self.missed_button]),
            self.score_label,
        )

    def self_grade(self, correct: bool) -> Grade | None:
        q = self.question
        if q is None or q.kind != "recall":
            return None
        try:
            result = self.session.answer(bool(correct))
        except OSError as exc:
            self.feedback.value = f"<p>Could not save this answer ({_p(str(exc))}); try again.</p>"
            return None
        self._show_result(result)
        return result

    def skip(self) -> None:
        if self.question is not None:
            self.session.skip()
        self.show_current()


def quiz_widget(
    *,
    level: str | Iterable[str] | None = None,
    topic: str | Iterable[str] | None = None,
    count: int | None = 10,
    due_only: bool = False,
    store: ProgressStore | str | None = "default",
    seed: int | None = 0,
    bank: Bank | None = None,
) -> QuizWidget:
    """A quiz widget over a new ``Session`` (same arguments; ``store=None`` saves nothing)."""
    return QuizWidget(
        Session(
            bank, level=level, topic=topic, count=count, due_only=due_only, store=store, seed=seed
        )
    )
