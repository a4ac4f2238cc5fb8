"""Known gaps: public callables whose argument checks this test found missing and that are not
fixed yet, each with the reason. Their entries are reported as ``xfail`` and not run (a missing
refusal would cost the time limit); once fixed, delete the line here and the entry runs. Keep
this list short and say why."""

from __future__ import annotations

QUIZ = (
    "the quiz engine is being rewritten in another change; its entry checks (junk "
    "sessions, questions, events, paths, seeds, flags) come with it"
)

#: target -> reason
GAPS = {
    "lrlearn.quiz.anki.anki_rows": QUIZ,
    "lrlearn.quiz.anki.export_anki": QUIZ,
    "lrlearn.quiz.bank.Bank": QUIZ,
    "lrlearn.quiz.grading.accepted_values": QUIZ,
    "lrlearn.quiz.grading.correct_value": QUIZ,
    "lrlearn.quiz.grading.format_value": QUIZ,
    "lrlearn.quiz.grading.grade": QUIZ,
    "lrlearn.quiz.grading.model_answer": QUIZ,
    "lrlearn.quiz.grading.parse_choice": QUIZ,
    "lrlearn.quiz.grading.parse_rating": QUIZ,
    "lrlearn.quiz.grading.round_sig": QUIZ,
    "lrlearn.quiz.interview.normalise": QUIZ,
    "lrlearn.quiz.interview.run_interview": QUIZ,
    "lrlearn.quiz.interview.suggested_rating": QUIZ,
    "lrlearn.quiz.real_curves.label_run": QUIZ,
    "lrlearn.quiz.real_curves.write_bank_file": QUIZ,
    "lrlearn.quiz.render.anchor": QUIZ,
    "lrlearn.quiz.render.curve_figure": QUIZ,
    "lrlearn.quiz.render.curve_png": QUIZ,
    "lrlearn.quiz.render.page_of": QUIZ,
    "lrlearn.quiz.render.pages_markdown": QUIZ,
    "lrlearn.quiz.render.text_plot": QUIZ,
    "lrlearn.quiz.render.to_markdown": QUIZ,
    "lrlearn.quiz.scheduling.cards_from_events": QUIZ,
    "lrlearn.quiz.scheduling.event_rating": QUIZ,
    "lrlearn.quiz.scheduling.retrievability": QUIZ,
    "lrlearn.quiz.session.Session": QUIZ,
    "lrlearn.quiz.session.draw": QUIZ,
    "lrlearn.quiz.session.learner_level": QUIZ,
    "lrlearn.quiz.shuffle.letter": QUIZ,
    "lrlearn.quiz.shuffle.options_in_order": QUIZ,
    "lrlearn.quiz.shuffle.shuffled_order": QUIZ,
    "lrlearn.quiz.stats.format_stats": QUIZ,
    "lrlearn.quiz.stats.progress_stats": QUIZ,
    "lrlearn.quiz.terminal.run_terminal_quiz": QUIZ,
    "lrlearn.quiz.textplot.text_curve": QUIZ,
}


def reason(target: str) -> str | None:
    return GAPS.get(target)
