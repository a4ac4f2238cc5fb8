"""lrlearn.exercises: checkers never raise by design (a notebook cell must not crash on a
learner's half-written function); a wrong ``fn`` must give a Report that did not pass."""

from __future__ import annotations

import importlib

from boundary.kinds import Covered, Entry, Junk


def _not_passed(report):
    assert not report.passed, report


def _checkers():
    out = []
    for mod_name in ("adam", "basics", "batch", "scale"):
        mod = importlib.import_module(f"lrlearn.exercises.{mod_name}")
        for name in mod.__all__:
            if name.startswith("check_"):
                fn = getattr(mod, name)
                out.append(
                    Entry(
                        f"{fn.__module__}.{fn.__qualname__}",
                        call=lambda fn_, _f=fn: _f(fn_),
                        args={"fn_": Junk()},
                        then=_not_passed,
                        skip={"fn_": "the spec's own junk"},
                    )
                )
                out.append(
                    Entry(
                        f"{fn.__module__}.{fn.__qualname__}",
                        id=f"{name}(raises)",
                        call=lambda _f=fn: _f(lambda *a, **k: 1 / 0),
                        then=_not_passed,
                    )
                )
    return out


ENTRIES = [
    *_checkers(),
    Entry(
        "lrlearn.exercises._core.compare_arrays",
        args={"got": [1.0], "want": [1.0]},
        then=lambda r: r is None or (_ for _ in ()).throw(AssertionError(r)),
        skip={"rtol": "set by the exercise's author", "atol": "set by the exercise's author"},
    ),
    Entry(
        "lrlearn.exercises._core.compare_arrays",
        id="compare_arrays(junk)",
        args={"got": Junk(), "want": [1.0]},
        skip={"rtol": "the author's", "atol": "the author's"},
        then=lambda r: isinstance(r, str) or (_ for _ in ()).throw(AssertionError(r)),
    ),
    Covered(
        "lrlearn.exercises._core.attempt",
        "the checkers' helper: it runs the learner's fn "
        "and lets its errors through to the checker, which reports them (entries above)",
    ),
    Entry(
        "lrlearn.exercises._core.run_cases",
        args={"exercise": "x", "fn": Junk(), "cases": [("c", (), {}, 1.0)]},
        then=_not_passed,
        skip={
            "rtol": "the author's",
            "atol": "the author's",
            "exercise": "the author's",
            "hint": "the author's",
        },
    ),
    Covered("lrlearn.exercises._core.Report", "the record every checker returns"),
]
