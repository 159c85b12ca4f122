"""prepare_source.py writes the points from the rubric and ships the variant module standalone."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jupytext
import pytest

import solutions
from grader import RUBRIC, Rubric
from solutions.variant import make_variant
from tests.course import COURSE_SOURCE, REPOSITORY, prepare_source_module

SOURCE = COURSE_SOURCE / "source" / "hw4" / "hw4.md"
prepare_source = prepare_source_module()


def graded_cells(notebook: Any) -> dict[str, Any]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }


def headings(notebook: Any) -> list[str]:
    return [
        line
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## Question")
    ]


def test_the_committed_source_states_no_points() -> None:
    notebook = jupytext.read(SOURCE)
    for grade_id, cell in graded_cells(notebook).items():
        assert "points" not in cell.metadata["nbgrader"], grade_id
    assert headings(notebook) == [f"## Question {n}" for n in range(1, 8)]


def test_graded_cells_and_headings_get_the_rubrics_points() -> None:
    notebook = prepare_source.set_points(jupytext.read(SOURCE))
    cells = graded_cells(notebook)
    assert set(cells) == {f"test_q{n}" for n in (1, 2, 4, 5, 6)} | {"answer_q3", "answer_q7"}
    for grade_id, cell in cells.items():
        question = grade_id.split("_")[1]
        assert cell.metadata["nbgrader"]["points"] == RUBRIC.points(question), grade_id
    assert headings(notebook) == [
        "## Question 1 (2 points)",
        "## Question 2 (1 point)",
        "## Question 3 (5 points, graded by hand)",
        "## Question 4 (4 points)",
        "## Question 5 (2 points)",
        "## Question 6 (2 points)",
        "## Question 7 (3 points, graded by hand)",
    ]
    assert sum(c.metadata["nbgrader"]["points"] for c in cells.values()) == RUBRIC.total_points


def test_changed_points_in_the_rubric_reach_the_notebook() -> None:
    data = RUBRIC.to_dict()
    data["questions"][0]["quantities"][0]["points"] = 3.5  # q1
    data["hand_graded"][0]["points"] = 6  # q3
    rubric = Rubric.from_dict(data)
    notebook = prepare_source.set_points(jupytext.read(SOURCE), rubric)
    cells = graded_cells(notebook)
    assert cells["test_q1"].metadata["nbgrader"]["points"] == 3.5
    assert cells["answer_q3"].metadata["nbgrader"]["points"] == 6
    assert "**Rubric (6 points).**" in cells["answer_q3"].source
    assert "## Question 1 (3.5 points)" in headings(notebook)


def test_a_hand_graded_rubric_adds_up_to_its_points() -> None:
    cells = graded_cells(prepare_source.set_points(jupytext.read(SOURCE)))
    for question in RUBRIC.hand_graded:
        source = cells[f"answer_{question.key}"].source
        assert f"**Rubric ({question.points:g} points).**" in source
        items = [int(n) for n in re.findall(r"^- (\d+) points?:", source, re.MULTILINE)]
        assert sum(items) == question.points, question.key


def test_points_written_in_the_source_are_refused() -> None:
    notebook = jupytext.read(SOURCE)
    graded_cells(notebook)["test_q2"].metadata["nbgrader"]["points"] = 1
    with pytest.raises(ValueError, match="test_q2"):
        prepare_source.set_points(notebook)
    notebook = jupytext.read(SOURCE)
    prompt = next(c for c in notebook.cells if c.source.startswith("## Question 2"))
    prompt.source = prompt.source.replace("## Question 2", "## Question 2 (1 point)", 1)
    with pytest.raises(ValueError, match="its own points"):
        prepare_source.set_points(notebook)


def shipped_variant() -> str:
    return str(
        prepare_source.standalone_variant(
            (REPOSITORY / "solutions" / "variant.py").read_text(encoding="utf-8"),
            (REPOSITORY / "solutions" / "data.py").read_text(encoding="utf-8"),
        )
    )


def imported_modules(source: str) -> set[str]:
    tree = ast.parse(source)
    return {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }


def test_the_shipped_variant_imports_only_numpy_and_the_standard_library() -> None:
    source = shipped_variant()
    ast.parse(source, feature_version=(3, 8))
    assert imported_modules(source) - {"numpy"} <= set(sys.stdlib_module_names) | {"__future__"}
    assert source.startswith('"""')
    assert source.count("from __future__ import annotations") == 1


REFUSE_PROJECT = """
import sys

class RefuseProjectPackages:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("grader", "solutions"):
            raise ImportError(f"imported {name}")
        return None

sys.meta_path.insert(0, RefuseProjectPackages())
sys.path.insert(0, ".")
from hw4_variant import SEED, make_variant
for student in ("", "alice", "s123456"):
    v = make_variant(student)
    print(v.X.tolist(), v.y.tolist(), v.theta.tolist(), v.eta)
print(SEED.describe())
"""


def test_the_shipped_variant_runs_alone_and_agrees_with_the_grader(tmp_path: Path) -> None:
    (tmp_path / "hw4_variant.py").write_text(shipped_variant(), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", REFUSE_PROJECT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    expected = [
        f"{v.X.tolist()} {v.y.tolist()} {v.theta.tolist()} {v.eta}"
        for v in map(make_variant, ("", "alice", "s123456"))
    ]
    lines = result.stdout.splitlines()
    assert lines[:3] == expected
    assert "\n".join(lines[3:]) == solutions.SEED.describe()


def test_a_variant_module_without_the_data_import_is_refused() -> None:
    with pytest.raises(ValueError, match=r"solutions\.data"):
        prepare_source.standalone_variant("import numpy as np\n", "X = 1\n")
