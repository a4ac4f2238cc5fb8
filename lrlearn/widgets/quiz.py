"""The interview quiz as a notebook widget: a thin view over ``lrlearn.quiz.Session``.

    from lrlearn.widgets.quiz import quiz_widget
    quiz_widget(level="basic", topic="warmup", count=5)

All logic (drawing questions, shuffling options, grading, FSRS scheduling, saving) is the
session's; the widget only shows a question (options in the session's shuffled order, no id
until answered), collects the answer and shows the result. ``progress_figure`` plots what the
progress file says over time.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import numpy as np

from .. import _checks
from ..quiz import RATINGS, InvalidAnswer, ProgressStore, Session, load_bank, progress_stats
from ..quiz.bank import Bank
from ..quiz.grading import Grade
from ..quiz.schema import LEVELS, Question
from ..quiz.shuffle import options_in_order

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["QuizWidget", "progress_figure", "quiz_widget"]

_STYLE = {"description_width": "initial"}


def _p(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


class QuizWidget(w.VBox):
    """One question at a time: answer (choice buttons, a number box, or reveal-and-self-grade),
    check, read the model answer and why, go on. Answers are saved by the session's store."""

    def __init__(self, session: Session) -> None:
        if not isinstance(session, Session):
            raise TypeError(
                f"session must be a Session, got {session!r:.40} ({type(session).__name__})"
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
        self.rating_buttons = {
            r: w.Button(description=name, button_style=style)
            for (r, name), style in zip(
                RATINGS.items(), ("danger", "warning", "success", "info"), strict=True
            )
        }
        self.got_it_button = self.rating_buttons[3]  # Good
        self.missed_button = self.rating_buttons[1]  # Again
        self.skip_button = w.Button(description="Skip")
        self.next_button = w.Button(description="Next question")
        self.progress_button = w.Button(description="Show my progress")
        self.progress_image = w.Image(format="png", layout=w.Layout(width="100%"))
        self.feedback = w.HTML()
        self.score_label = w.HTML()
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.reveal())
        for r, button in self.rating_buttons.items():
            button.on_click(lambda _, r=r: self.self_grade(r))
        self.skip_button.on_click(lambda _: self.skip())
        self.next_button.on_click(lambda _: self.show_current())
        self.progress_button.on_click(lambda _: self.show_progress())
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
                f"<p>Missed (scheduled again soon): {html.escape(', '.join(missed))}</p>"
                if missed
                else ""
            )
            self.children = (self.header, self.prompt, self.score_label)
            if self.session.store is not None:
                self.children = (*self.children, self.progress_button)
            return
        n, total = self.session.position + 1, len(self.session)
        again = " · again (missed earlier)" if self.session.is_reask else ""
        self.header.value = (
            f"<b>Question {n} of {total}</b> · {q.level} · "
            f"{html.escape(', '.join(q.topics))}{again}"
        )
        self.prompt.value = f"<p>{_p(q.prompt)}</p>"
        parts: list[w.Widget] = [self.header, self.prompt]
        if q.kind in ("curve", "training"):
            from ..quiz.render import curve_png

            self.image.value = curve_png(q)
            parts.append(self.image)
        if q.choices:
            order = self.session.order
            self.choices.options = [
                (f"{key}) {c}", i)
                for (key, c), i in zip(options_in_order(q, order), order, strict=True)
            ]
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
            verdict = f"Rated {RATINGS[g.rating]}." + (
                "" if g.correct else " It comes back later in this sitting."
            )
        elif g.correct:
            verdict = f"✔ Right: {_p(g.expected)}"
        else:
            verdict = f"✘ Not quite. The answer is {_p(g.expected)}"
        lines = [f"<p><b>{verdict}</b></p>"]
        if g.note:
            lines.append(f"<p>{_p(g.note)}</p>")
        if q.kind != "recall":
            lines.append(f"<p><b>Model answer.</b> {_p(g.model_answer)}</p>")
        lines.append(f"<p><b>Why.</b> {_p(g.explanation)}</p>")
        if q.correction:
            lines.append(f"<p><b>What the usual answer gets wrong.</b> {_p(q.correction)}</p>")
        lines.append(
            f"<p><small>See it in <code>{html.escape(q.link)}</code> · question "
            f"<code>{html.escape(q.id)}</code></small></p>"
        )
        self.feedback.value = "".join(lines)
        self.score_label.value = self._score_text()
        self.children = (
            self.header,
            self.prompt,
            *([self.image] if q.kind in ("curve", "training") else []),
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
        response: Any = self.choices.value if q.choices else self.number.value
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
        points = (
            "<p><b>Key points.</b> " + "; ".join(_p(k) for k in q.key_points) + "</p>"
            if q.key_points
            else ""
        )
        self.feedback.value = f"<p><b>Model answer.</b> {_p(q.model_answer)}</p>{points}"
        self.children = (
            self.header,
            self.prompt,
            self.feedback,
            w.HBox([w.Label("How did you do?"), *self.rating_buttons.values()]),
            self.score_label,
        )

    def self_grade(self, rating: int | bool) -> Grade | None:
        """Rate a recall answer: 1-4 (Again, Hard, Good, Easy), or True/False (Good/Again)."""
        q = self.question
        if q is None or q.kind != "recall":
            return None
        try:
            result = self.session.answer(rating)
        except OSError as exc:
            self.feedback.value = f"<p>Could not save this answer ({_p(str(exc))}); try again.</p>"
            return None
        self._show_result(result)
        return result

    def skip(self) -> None:
        if self.question is not None:
            self.session.skip()
        self.show_current()

    def show_progress(self) -> None:
        """Plot the progress file over time (``progress_figure``) under the final score."""
        if self.session.store is None:
            return
        import io

        buf = io.BytesIO()
        progress_figure(self.session.store, self.session.bank).savefig(buf, format="png", dpi=80)
        self.progress_image.value = buf.getvalue()
        if self.progress_image not in self.children:
            self.children = (*self.children, self.progress_image)


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


def progress_figure(
    store: ProgressStore | None = None, bank: Bank | None = None, now: float | None = None
) -> Figure:
    """Three panels from the progress file: answers per day with the share right, the measured
    retention of each day's reviews, and accuracy by level (``lrlearn.quiz.stats``)."""
    store = ProgressStore() if store is None else store
    bank = load_bank() if bank is None else bank
    stats = progress_stats(store.events(), bank, time.time() if now is None else now)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 3.0), layout="constrained")
    a1, a2, a3 = fig.subplots(1, 3)
    day = (stats.days - (stats.days[0] if stats.days.size else 0)) / 86400
    if stats.days.size:
        a1.bar(day, stats.answers_per_day, color="0.8", label="answers")
        a1.bar(day, stats.right_per_day, color="C2", label="right")
        a1.legend(fontsize=8)
        ok = np.isfinite(stats.retention_per_day)
        a2.plot(day[ok], 100 * stats.retention_per_day[ok], "o-", color="C0")
        a2.axhline(90, color="0.4", ls="--", lw=1, label="FSRS target 90%")
        a2.legend(fontsize=8)
    else:
        a1.text(0.5, 0.5, "no answers yet", ha="center", transform=a1.transAxes)
    a1.set(xlabel="day", ylabel="answers", title="Answers per day")
    a2.set(xlabel="day", ylabel="% right", ylim=(0, 105), title="Retention of reviews")
    counts = [stats.by_level.get(lvl, (0, 0)) for lvl in LEVELS]
    a3.bar(list(LEVELS), [100 * r / n if n else 0.0 for r, n in counts], color="C1")
    a3.set(ylabel="% right", ylim=(0, 105), title="Accuracy by level")
    return fig


_checks.check_public(globals())
