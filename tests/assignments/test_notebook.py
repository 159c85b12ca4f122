"""The source notebook has the cells and ids agreed with the grader (points: see prepare_source)."""

from __future__ import annotations

import re
from typing import Any

import jupytext
import pytest

from tests.course import COURSE_SOURCE

SOURCE = COURSE_SOURCE / "source" / "hw4" / "hw4.md"
ANSWERS = ("answer_q1", "answer_q2", "answer_q4", "answer_q5", "answer_q6")
TESTS = {"test_q1": "q1", "test_q2": "q2", "test_q4": "q4", "test_q5": "q5", "test_q6": "q6"}
MANUAL = ("answer_q3", "answer_q7")


@pytest.fixture(scope="module")
def cells() -> dict[str, Any]:
    notebook = jupytext.read(SOURCE)
    by_id = {}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id:
            assert grade_id not in by_id, f"duplicate grade_id {grade_id}"
            by_id[grade_id] = cell
    return by_id


def flags(cell: Any) -> tuple[bool, bool, bool]:
    meta = cell.metadata["nbgrader"]
    return meta["grade"], meta["solution"], meta["locked"]


def test_student_id_and_variant_cells(cells: dict[str, Any]) -> None:
    assert flags(cells["student_id"]) == (False, False, False)
    assert cells["student_id"].source == 'STUDENT_ID = ""'
    assert flags(cells["variant"]) == (False, False, True)
    assert "make_variant(STUDENT_ID)" in cells["variant"].source
    assert "X, y, theta, eta = " in cells["variant"].source


def test_answer_cells_hold_solution_regions(cells: dict[str, Any]) -> None:
    for grade_id in (*ANSWERS, "experiment_q7", "selfcheck_loss"):
        cell = cells[grade_id]
        assert cell.cell_type == "code"
        assert flags(cell) == (False, True, False), grade_id
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


def test_test_cells_call_the_grader(cells: dict[str, Any]) -> None:
    for grade_id, question in TESTS.items():
        cell = cells[grade_id]
        assert flags(cell) == (True, False, True), grade_id
        visible, hidden = cell.source.split("### BEGIN HIDDEN TESTS")
        assert "assert " in visible and "grader" not in visible
        assert f'grade_question("{question}", globals())' in hidden
        assert hidden.rstrip().endswith("### END HIDDEN TESTS")


def test_manual_answers_are_markdown_with_a_rubric(cells: dict[str, Any]) -> None:
    for grade_id in MANUAL:
        cell = cells[grade_id]
        assert cell.cell_type == "markdown"
        assert flags(cell) == (True, True, False)
        assert "**Rubric.**" in cell.source
        assert re.search(r"^- \d+ points?: ", cell.source, re.MULTILINE)


def test_questions_come_in_order(cells: dict[str, Any]) -> None:
    notebook = jupytext.read(SOURCE)
    headings = [
        int(match.group(1))
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for match in re.finditer(r"^## Question (\d)", cell.source, re.MULTILINE)
    ]
    assert headings == [1, 2, 3, 4, 5, 6, 7]
    order = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in notebook.cells]
    wanted = ["student_id", "variant", "answer_q1", "test_q1", "answer_q2", "test_q2",
              "answer_q3", "answer_q4", "test_q4", "answer_q5", "test_q5", "answer_q6",
              "test_q6", "experiment_q7", "answer_q7"]  # fmt: skip
    assert [grade_id for grade_id in order if grade_id in wanted] == wanted


def test_source_is_plain_numpy(cells: dict[str, Any]) -> None:
    code = "\n".join(
        cell.source.split("### BEGIN HIDDEN TESTS")[0]
        for cell in jupytext.read(SOURCE).cells
        if cell.cell_type == "code"
    )
    imports = set(re.findall(r"^\s*(?:from|import)\s+(\w+)", code, re.MULTILINE))
    assert imports == {"matplotlib", "numpy", "hw4_variant", "hw4_selfcheck"}
