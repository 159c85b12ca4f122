"""Build the nbgrader source folder of hw4 from its committed text files.

The notebook is committed as a jupytext MyST file (``source/hw4/hw4.md``) so its diffs
stay readable; this script writes ``hw4.ipynb`` beside it (no outputs) and
``hw4_variant.py``, the variant generator the students receive. Both results are
generated files (gitignored). ``make release`` runs it, then
``nbgrader generate_assignment hw4 --force``.

Two things are written in one place only and filled in here:

- the points of every question come from ``grader/judgment/rubric.py``: each graded cell's
  nbgrader ``points``, the question's heading (``## Question 4`` becomes
  ``## Question 4 (4 points)``) and a hand-graded rubric's title (``**Rubric.**``);
- the homework's numbers and the ``Dataset`` that holds them come from
  ``solutions/data.py``, which ``hw4_variant.py`` gets a copy of in place of its
  import, so that it runs with numpy alone.

Usage: ``python assignments/prepare_source.py [COURSE_ROOT]`` (default: this folder).
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import jupytext
import nbformat

from grader.judgment.rubric import RUBRIC, Rubric

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
ASSIGNMENT = "hw4"
COMMITTED_FILES = ("hw4.md", "hw4_selfcheck.py")
VARIANT_MODULE = REPOSITORY / "solutions" / "variant.py"
DATA_MODULE = REPOSITORY / "solutions" / "data.py"
DATA_IMPORT = "solutions.data"
HEADING = re.compile(r"^## Question (\d+)[ \t]*$", re.MULTILINE)
RUBRIC_TITLE = "**Rubric.**"


def _points_text(points: float) -> str:
    return f"{points:g} point" + ("" if points == 1 else "s")


def _metadata_points(points: float) -> float | int:
    return int(points) if float(points).is_integer() else points


def _question_of(grade_id: str) -> str:
    """``test_q4`` and ``answer_q3`` → ``q4`` and ``q3``."""
    match = re.fullmatch(r"(?:test|answer)_(q\d+)", grade_id)
    if match is None:
        raise ValueError(f"graded cell {grade_id!r} is not test_qN or answer_qN")
    return match.group(1)


def set_points(notebook: Any, rubric: Rubric = RUBRIC) -> Any:
    """Write the rubric's points into the graded cells, the headings and the rubric titles.

    A graded cell or a heading that states points of its own is refused: the
    points are written in ``grader/judgment/rubric.py`` only.
    """
    by_hand = {question.key for question in rubric.hand_graded}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        heading = HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            key = f"q{heading.group(1)}"
            note = ", graded by hand" if key in by_hand else ""
            text = f"## Question {heading.group(1)} ({_points_text(rubric.points(key))}{note})"
            cell.source = cell.source[: heading.start()] + text + cell.source[heading.end() :]
        elif re.search(r"^## Question \d", cell.source, re.MULTILINE):
            raise ValueError(f"a question heading states its own points: {cell.source[:60]!r}")
        if not meta.get("grade"):
            continue
        if "points" in meta:
            raise ValueError(f"cell {meta['grade_id']!r} states its own points")
        key = _question_of(meta["grade_id"])
        meta["points"] = _metadata_points(rubric.points(key))
        if key in by_hand and meta.get("solution") and RUBRIC_TITLE in cell.source:
            title = f"**Rubric ({_points_text(rubric.points(key))}).**"
            cell.source = cell.source.replace(RUBRIC_TITLE, title)
    return notebook


def _body(module_source: str) -> str:
    """A module's source without its docstring and ``from __future__`` import."""
    tree = ast.parse(module_source)
    statements = [
        node
        for node in tree.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
        and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")
    ]
    lines = module_source.splitlines(keepends=True)
    return "".join(lines[statements[0].lineno - 1 :])


def standalone_variant(variant_source: str, data_source: str) -> str:
    """The variant module with its ``from solutions.data import ...`` replaced by that module.

    Only the module-level import of ``solutions.data`` may reach outside numpy and
    the standard library; the result imports neither ``solutions`` nor ``grader``.
    """
    imports = [
        node
        for node in ast.parse(variant_source).body
        if isinstance(node, ast.ImportFrom) and node.module == DATA_IMPORT
    ]
    if len(imports) != 1:
        raise ValueError(f"the variant module must import {DATA_IMPORT} once, at module level")
    node = imports[0]
    assert node.end_lineno is not None
    lines = variant_source.splitlines(keepends=True)
    copied = (
        f"# ---- {DATA_MODULE.name} of the course's reference package: the data set and the\n"
        "# ---- homework's own numbers\n" + _body(data_source) + "# ---- end of the copy\n"
    )
    return "".join(lines[: node.lineno - 1]) + copied + "".join(lines[node.end_lineno :])


def prepare(course_root: Path) -> Path:
    """Write the source notebook and hw4_variant.py into course_root/source/hw4; return it."""
    committed = HERE / "source" / ASSIGNMENT
    target = course_root / "source" / ASSIGNMENT
    target.mkdir(parents=True, exist_ok=True)
    if target.resolve() != committed:
        for name in COMMITTED_FILES:
            shutil.copyfile(committed / name, target / name)
    variant = standalone_variant(
        VARIANT_MODULE.read_text(encoding="utf-8"), DATA_MODULE.read_text(encoding="utf-8")
    )
    (target / "hw4_variant.py").write_text(variant, encoding="utf-8")
    notebook = set_points(jupytext.read(committed / f"{ASSIGNMENT}.md"))
    notebook.metadata.pop("jupytext", None)
    nbformat.write(notebook, target / f"{ASSIGNMENT}.ipynb")
    return target


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    print(f"source notebook written to {prepare(root)}")
