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
GAPS = {}


def reason(target: str) -> str | None:
    return GAPS.get(target)
