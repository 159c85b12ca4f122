"""Feedback keeps a test cell's printed output but none of its hidden code."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grader.course.nbgrader_feedback import HideHiddenTests

TEST_SOURCE = """assert np.shape(y_hat) == (2,)
### BEGIN HIDDEN TESTS
secret_check(y_hat)
### END HIDDEN TESTS"""


def error_output() -> nbformat.NotebookNode:
    return new_output(
        "error",
        ename="NameError",
        evalue="name 'y_hat' is not defined",
        traceback=["----> 1 assert np.shape(y_hat) == (2,)", "      3 secret_check(y_hat)"],
    )


def cell(grade: bool) -> nbformat.NotebookNode:
    metadata = {"grade": grade, "solution": False, "locked": True, "grade_id": "t", "points": 1}
    code = new_code_cell(TEST_SOURCE if grade else "secret = 1\nundefined_name")
    code.metadata["nbgrader"] = metadata if grade else {}
    code.outputs = [new_output("stream", name="stdout", text="q1: Correct.\n"), error_output()]
    return code


def test_test_cells_lose_hidden_code_and_tracebacks() -> None:
    notebook = new_notebook(cells=[cell(grade=True), cell(grade=False)])
    notebook, _ = HideHiddenTests().preprocess(notebook, {})
    test_cell, other = notebook.cells
    assert "secret_check" not in test_cell.source
    assert "assert np.shape(y_hat)" in test_cell.source
    assert test_cell.outputs[0].text == "q1: Correct.\n"
    assert test_cell.outputs[1].traceback == ["NameError: name 'y_hat' is not defined"]
    assert "secret_check" not in nbformat.writes(test_cell)
    assert other.outputs[1].traceback == error_output().traceback  # a student's own cell
