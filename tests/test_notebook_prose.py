"""The notebooks' prose agrees with their code.

Three rules, checked statically (no notebook is run; only the code that builds each widget):

1. **Sliders offer what the text asks for.** Every value the prose asks the reader to try on a
   widget ("try lr = 0.05", "Move the start to -0.5", "In the widget, compare ratio 1.5 ...") is a
   value of that widget's slider grid, so the kernel-free book page has it; and every widget opens
   at the value its code sets (the value is on its grid). A *try item* is a sentence or list item
   that contains "try", "in the widget", or starts with Move/Push/Drag/Set/Pick/Compare, or an item
   of a list introduced by a line containing "try". In it, a number right after a control word
   ("lr", "rate", "start", "ratio", "momentum", "β", "batch size", "smoothing", "schedule") must
   be on the grid of a matching control: of a widget shown since the previous widget (the text
   under a widget is about that widget), or of any widget of the notebook in its Exercises.
2. **Measured directions are computed.** A sentence with a directional word (faster, slower,
   helps, hurts, better, worse, lie on top of, no faster, ...) that states a measured result (it
   has a number, or speaks of what was measured/printed/shown "here" or "above") must take its
   words or numbers from the computation (a myst-nb ``{glue:...}`` role), unless it is a statement
   of theory on the explicit allow-list below (each entry is checked to still exist).
3. **Every glued name exists, once.** Each ``{glue:text}`name``` in the markdown is glued by a code
   cell of the same notebook, and no name is glued by two calls (myst-nb warns, and the book
   builds with -W).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from lrlearn.quiz.schema import NOTEBOOKS as NOTEBOOK_SERIES

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

#: notebooks held to these rules: the whole series but these (brought under them as their prose is
#: computed)
NOT_CHECKED = {"12_interview_quiz", "13_adam_era", "14_learning_rates_at_scale"}
CHECKED = [n for n in NOTEBOOK_SERIES if n not in NOT_CHECKED]

#: views whose construction needs a measurement (seconds of training or timing): their slice is not
#: run here, and the text under them must not ask the reader to try a value (checked)
EXPENSIVE = {"measure_throughput", "train", "range_test", "powers_of_two"}

#: sentences of theory, definition or a cited paper's result that rule 2 would otherwise flag:
#: (notebook, a substring of the sentence). Each must still match a sentence.
THEORY = [
    ("02_too_high_too_low", "a worse local one near"),
    ("03_schedules", "on the side of the *worse* (local) minimum"),
    ("03_schedules", "which schedule wins on a real network"),
    ("04_momentum_and_adaptive", "found adaptive methods generalising worse"),  # a paper's result
    ("05_lr_range_test", "a rate that helps for 100 steps is not always the best"),
    ("06_batch_size_basics", "so full batch is 10 times faster"),  # a claim to critique
    ("08_generalisation_and_sharpness", 'Whether large batches "generalise worse" depends'),
    ("08_generalisation_and_sharpness", '"flat minima generalise better", is an observation'),
    ("08_generalisation_and_sharpness", 'claims.check("large-batches-generalise-worse",'),
    ("08_generalisation_and_sharpness", "In deep networks trained on images, large batches"),
    ("09_pytorch_on_a_gpu", "above 1: the power of two was faster"),  # defines the printed ratio
]

DIRECTIONAL = [
    r"faster",
    r"slower",
    r"helps?",
    r"hurts?",
    r"better",
    r"worse",
    r"lie on top of",
    r"no faster",
    r"no slower",
    r"outperforms?",
    r"beats?",
    r"wins?",
]
MEASURED_CONTEXT = re.compile(
    r"\b(measured|printed|printout|here|above|below|this run|these runs|our runs|in the table)\b",
    re.I,
)
DIRECTION_RE = re.compile(r"\b(" + "|".join(DIRECTIONAL) + r")\b", re.I)
NUMBER_RE = re.compile(r"(?<![\w.])-?\d+(?:[.,]\d+)*(?:e-?\d+)?%?")
GLUE_ROLE = re.compile(r"\{glue(?::\w+)?\}`([^`]+)`")

#: control words in prose -> predicates on a control's name
CONTROL_WORDS: list[tuple[str, Any]] = [
    (r"SGD rate|lr \(SGD", lambda n: n == "sgd_lr"),
    (r"Adam rate|adaptive rate", lambda n: n == "adaptive_lr"),
    (r"peak (?:learning )?rate", lambda n: n == "peak_lr"),
    (r"learning rate|lr|rate", lambda n: n == "lr" or n.endswith("_lr")),
    (r"start(?: point)?(?: x_?0)?", lambda n: n == "x0"),
    (r"ratio", lambda n: n == "ratio"),
    (r"momentum|\\beta|β", lambda n: n in ("momentum", "beta")),
    (r"batch size|batch", lambda n: n in ("batch_size", "log2_batch")),
    (r"smoothing(?: factor)?", lambda n: n == "smooth_f"),
]
CONNECTOR = r"(?:\s*(?:=|:|of|at|to|around|about|up to|is)\s*|\s+)"
VALUE = r"\$?\s*(-?\d+(?:\.\d+)?)\$?"
MORE = r"((?:\s*(?:,|or|and|to|–)\s*\$?-?\d+(?:\.\d+)?\$?)*)"
TRY_START = re.compile(r"^\W*(?:\d+\.\s*)?(move|push|drag|set|pick|compare|put)\b", re.I)
TRY_WORD = re.compile(r"\btry\b|\bin the widget\b|\bin the designer\b", re.I)


def load(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def present() -> list[str]:
    return [n for n in CHECKED if (NOTEBOOKS / f"{n}.ipynb").exists()]


# -- prose helpers ---------------------------------------------------------------------------
def strip_markdown(text: str) -> str:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"^\s*\|.*$", " ", text, flags=re.M)  # tables: cells, not sentences
    text = re.sub(r"<[^>]+>", " ", text)
    return text


def items(text: str) -> list[tuple[str, bool]]:
    """(item, in a try list) for every list item and every sentence of a paragraph."""
    out: list[tuple[str, bool]] = []
    try_list = False
    for block in re.split(r"\n\s*\n", strip_markdown(text)):
        lines = block.strip().splitlines()
        if not lines:
            continue
        bullets: list[str] = []
        lead: list[str] = []
        for line in lines:
            if re.match(r"^\s*(?:[-*]|\d+\.)\s+", line):
                bullets.append(line.strip())
            elif bullets:
                bullets[-1] += " " + line.strip()
            else:
                lead.append(line.strip())
        if lead:
            paragraph = " ".join(lead)
            try_list = bool(TRY_WORD.search(paragraph)) and paragraph.rstrip().endswith(":")
            out += [(s, False) for s in sentences(paragraph)]
        out += [(b, try_list) for b in bullets]
        if not bullets:
            continue
    return out


def sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z*(\[$])", paragraph) if s.strip()]


def is_try(item: str, in_try_list: bool) -> bool:
    return in_try_list or bool(TRY_WORD.search(item)) or bool(TRY_START.match(item))


def asked_values(item: str) -> list[tuple[str, float]]:
    """(control word, value) pairs the item asks for."""
    out = []
    taken: list[tuple[int, int]] = []
    for words, _ in CONTROL_WORDS:
        pattern = re.compile(rf"(?<![\w\\])(?P<w>{words})(?![\w]){CONNECTOR}{VALUE}{MORE}", re.I)
        for m in pattern.finditer(item):
            if any(a <= m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            numbers = [m.group(2), *re.findall(r"-?\d+(?:\.\d+)?", m.group(3) or "")]
            out += [(m.group("w"), float(x)) for x in numbers]
    return out


def controls_for(word: str, views: list[Any]) -> list[tuple[Any, tuple]]:
    for words, pred in CONTROL_WORDS:
        if re.fullmatch(words, word, re.I):
            return [
                (c, grid)
                for view, grids in views
                for c in view.controls
                if pred(c.name)
                for grid in [tuple(grids.get(c.name, c.grid))]
            ]
    return []


def on_grid(value: float, grid: tuple, control: Any) -> bool:
    values = [2.0**g if control.name == "log2_batch" else g for g in grid]
    return any(
        isinstance(g, (int, float)) and abs(g - value) <= 5e-3 * max(abs(g), 1e-9) for g in values
    )


# -- the views, by running only the code that builds them ------------------------------------
def defined(stmt: ast.stmt) -> set[str]:
    names = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def used(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def calls(stmts: list[ast.stmt]) -> set[str]:
    out = set()
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call):
                f = node.func
                out.add(f.id if isinstance(f, ast.Name) else getattr(f, "attr", ""))
    return out


def shows(stmts: list[ast.stmt]) -> bool:
    """Whether the statements call the widgets' ``show(...)`` (a bare name, not ``x.show``)."""
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "show"
        for stmt in stmts
        for node in ast.walk(stmt)
    )


def code_statements(cell: Any) -> list[ast.stmt]:
    """The cell's statements, its IPython magics (``%pip`` in the install cell) turned into the
    Python that IPython runs for them."""
    from IPython.core.inputtransformer2 import TransformerManager

    return ast.parse(TransformerManager().transform_cell(cell.source)).body


def widget_cells(nb: Any) -> list[tuple[int, list[ast.stmt]]]:
    """(cell index, the statements up to and including that cell) for every cell calling show()."""
    history: list[ast.stmt] = []
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        stmts = code_statements(cell)
        history += stmts
        if shows(stmts):
            out.append((i, list(history)))
    return out


def build_views(history: list[ast.stmt]) -> tuple[list[Any], bool]:
    """Run the slice of ``history`` that the last show() call needs, with show() recording its
    view; returns ([(view, grid overrides)], whether it was skipped as expensive)."""
    show_stmts = [s for s in history if shows([s])]
    target = show_stmts[-1]
    need = used(target) - {"show"}
    chosen: list[ast.stmt] = [target]
    for stmt in reversed(history[: history.index(target)]):
        if defined(stmt) & need and not isinstance(stmt, (ast.For, ast.While, ast.With)):
            chosen.append(stmt)
            need |= used(stmt)
    chosen.reverse()
    if calls(chosen) & EXPENSIVE:
        return [], True
    recorded: list[Any] = []

    def record(view: Any, mode: str | None = None, **options: Any) -> None:
        recorded.append((view, dict(options.get("grid") or {})))

    namespace: dict[str, Any] = {}
    for stmt in chosen:
        if stmt is target:
            namespace["show"] = record
        exec(compile(ast.Module([stmt], type_ignores=[]), "<notebook>", "exec"), namespace)
    return recorded, False


def regions(nb: Any) -> list[tuple[list[Any], bool, list[str]]]:
    """(views, skipped, markdown texts under them until the next widget)."""
    cells = widget_cells(nb)
    out = []
    for n, (i, history) in enumerate(cells):
        end = cells[n + 1][0] if n + 1 < len(cells) else len(nb.cells)
        texts = [c.source for c in nb.cells[i + 1 : end] if c.cell_type == "markdown"]
        texts = [t.split("## Exercises")[0] for t in texts]
        views, skipped = build_views(history)
        out.append((views, skipped, texts))
    return out


def exercise_text(nb: Any) -> str:
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return (
        text.split("## Exercises", 1)[1].split("## Interview", 1)[0]
        if "## Exercises" in text
        else ""
    )


# -- rule 1 -----------------------------------------------------------------------------------
def grid_problems(name: str, nb: Any = None) -> list[str]:
    nb = load(name) if nb is None else nb
    problems = []
    all_views: list[Any] = []
    for views, skipped, texts in regions(nb):
        all_views += views
        for view, grids in views:
            for c in view.controls:
                grid = tuple(grids.get(c.name, c.grid))
                if c.kind == "choice":
                    ok = c.value in grid
                else:
                    ok = on_grid(c.value, grid, c) if c.name != "log2_batch" else c.value in grid
                if not ok:
                    problems.append(
                        f"{type(view).__name__} opens at {c.name}={c.value!r}, not on its grid "
                        f"{grid}"
                    )
        for text in texts:
            for item, in_list in items(text):
                if not is_try(item, in_list):
                    continue
                for word, value in asked_values(item):
                    if skipped:
                        problems.append(
                            f"asks for {word} = {value} under a widget built from a "
                            f"measurement: {item[:80]!r}"
                        )
                        continue
                    matches = controls_for(word, views)
                    if matches and not any(on_grid(value, g, c) for c, g in matches):
                        problems.append(
                            f"asks for {word} = {value:g}, not on the grid "
                            f"{[g for _, g in matches]}: {item[:90]!r}"
                        )
    for item, in_list in items(exercise_text(nb)):
        if not is_try(item, in_list):
            continue
        for word, value in asked_values(item):
            matches = controls_for(word, all_views)
            if matches and not any(on_grid(value, g, c) for c, g in matches):
                problems.append(
                    f"exercise asks for {word} = {value:g}, on no widget's grid: {item[:90]!r}"
                )
    return problems


@pytest.mark.parametrize("name", present())
def test_sliders_offer_what_the_text_asks_for(name):
    assert grid_problems(name) == []


# -- rule 2 ---------------------------------------------------------------------------------
def directional_problems(
    name: str, used_allowances: set | None = None, nb: Any = None
) -> list[str]:
    nb = load(name) if nb is None else nb
    allowed = [s for n, s in THEORY if n == name]
    problems = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for item, _ in items(cell.source):
            for sentence in sentences(item):
                if not DIRECTION_RE.search(sentence) or GLUE_ROLE.search(sentence):
                    continue
                bare = re.sub(r"\$[^$]*\$", " ", re.sub(r"`[^`]*`", " ", sentence))
                if not (NUMBER_RE.search(bare) or MEASURED_CONTEXT.search(bare)):
                    continue
                hit = [a for a in allowed if a in sentence]
                if hit:
                    if used_allowances is not None:
                        used_allowances.update((name, a) for a in hit)
                    continue
                problems.append(sentence.strip()[:160])
    return problems


@pytest.mark.parametrize("name", present())
def test_measured_directions_are_computed(name):
    assert directional_problems(name) == []


def test_every_theory_exception_is_still_needed():
    used_allowances: set = set()
    for name in present():
        directional_problems(name, used_allowances)
    assert sorted(set(THEORY) - used_allowances) == []


# -- rule 3 -------------------------------------------------------------------------------
def glued_patterns(nb: Any) -> list[re.Pattern]:
    """One pattern per glue() call: the literal name, or an f-string's name with each field
    as ``.+``."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for stmt in code_statements(cell):
            for node in ast.walk(stmt):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "glue"):
                    continue
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    out.append(re.compile(re.escape(first.value)))
                elif isinstance(first, ast.JoinedStr):
                    parts = [
                        re.escape(v.value) if isinstance(v, ast.Constant) else r".+"
                        for v in first.values
                    ]
                    out.append(re.compile("".join(parts)))
    return out


@pytest.mark.parametrize("name", present())
def test_every_glued_name_is_glued(name):
    nb = load(name)
    patterns = glued_patterns(nb)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    missing = []
    for role in GLUE_ROLE.findall(text):
        key = role.split(":", 1)[0].split("::")[-1]
        if not any(p.fullmatch(key) for p in patterns):
            missing.append(key)
    assert missing == []
    literal = [p.pattern for p in patterns if "." not in p.pattern.replace("\\.", "")]
    assert sorted({n for n in literal if literal.count(n) > 1}) == []


# -- the rules catch what they are meant to ----------------------------------------------------
def test_rules_flag_typed_claims_and_accept_glued_ones():
    assert DIRECTION_RE.search("On a CPU, bfloat16 is usually no faster")
    assert asked_values("lr = 0.05 or 0.1: the run settles") == [("lr", 0.05), ("lr", 0.1)]
    assert asked_values("Move the start to $-0.5$: any small rate") == [("start", -0.5)]
    assert asked_values("SGD rate 0.077: the fastest") == [("SGD rate", 0.077)]
    assert asked_values("compare ratio 1.5 with ratio 2.0") == [("ratio", 1.5), ("ratio", 2.0)]
    typed = items("Things to try:\n\n- lr = 0.05: it settles.\n- lr = 0.25: it cycles.")
    assert [(i, is_try(i, t)) for i, t in typed][1:] == [
        ("- lr = 0.05: it settles.", True),
        ("- lr = 0.25: it cycles.", True),
    ]
    assert not is_try(*items("The loss falls at lr = 0.3.")[0])
    claim = "compare the two throughputs above: bfloat16 is 1.3 times faster"
    assert DIRECTION_RE.search(claim) and NUMBER_RE.search(claim)
    assert GLUE_ROLE.search("bfloat16 steps were {glue:text}`bf16_verdict` float32 steps")


def test_a_notebook_that_breaks_the_rules_fails():
    v4 = nbformat.v4
    nb = v4.new_notebook(
        cells=[
            v4.new_code_cell(
                "from lrlearn.landscapes import DoubleWell\n"
                "from lrlearn.widgets import LearningRatePath, show\n\n"
                "show(LearningRatePath(DoubleWell(0.3), lr=0.05, lr_range=(0.005, 0.3)))"
            ),
            v4.new_markdown_cell(
                "Things to try:\n\n- lr = 0.1: it settles.\n- lr = 0.3: it jumps.\n\n"
                "The two loss curves lie on top of each other, and bfloat16 is usually no faster "
                "than the 64,192 examples/s printed above."
            ),
        ]
    )
    grid = grid_problems("synthetic", nb)
    assert any("opens at lr=0.05" in p for p in grid)  # default grid: geomspace(0.005, 0.3, 7)
    assert any("asks for lr = 0.1," in p for p in grid)
    assert not any("lr = 0.3," in p for p in grid)  # 0.3, the range's end, is on the grid
    assert len(directional_problems("synthetic", nb=nb)) == 1
