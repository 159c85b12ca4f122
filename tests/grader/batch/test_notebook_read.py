"""Reading submitted notebooks in any state never raises and names what is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from grader.batch.notebook_read import read_submission


def codes(path: Path) -> list[str]:
    return [problem.code for problem in read_submission(path).problems]


def test_valid_notebook_reads_clean_without_outputs(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 1000)]
    notebook.cells = [cell]
    path = tmp_path / "a.ipynb"
    nbformat.write(notebook, path)
    result = read_submission(path)
    assert result.problems == []
    assert result.notebook is not None
    assert [c.source for c in result.notebook.cells] == ["x = 1"]
    assert result.notebook.cells[0].outputs == []


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_bytes(b"")
    assert read_submission(path).notebook is None
    assert codes(path) == ["notebook-empty"]


def test_truncated_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text('{"cells": [\n {"cell_type": "code", "source": "x')
    result = read_submission(path)
    assert result.notebook is None
    assert [p.code for p in result.problems] == ["notebook-malformed"]
    assert "line 2" in result.problems[0].message


def test_json_that_is_not_a_notebook(tmp_path: Path) -> None:
    path = tmp_path / "a.ipynb"
    path.write_text("[1, 2, 3]")
    assert codes(path) == ["notebook-malformed"]


def test_latin1_bytes_are_replaced_and_reported(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1  # café")]
    path = tmp_path / "a.ipynb"
    path.write_bytes(nbformat.writes(notebook).encode("latin-1"))
    result = read_submission(path)
    assert [p.code for p in result.problems] == ["notebook-not-utf8"]
    assert result.notebook is not None
    assert result.notebook.cells[0].source.startswith("x = 1")


def test_nbformat3_is_converted(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("hi")]
    path = tmp_path / "a.ipynb"
    path.write_text(nbformat.writes(nbformat.convert(notebook, 3), version=3))
    assert json.loads(path.read_text())["nbformat"] == 3
    result = read_submission(path)
    assert [p.code for p in result.problems] == ["notebook-old-format"]
    assert result.notebook is not None
    assert [(c.cell_type, c.source) for c in result.notebook.cells] == [
        ("code", "x = 1"),
        ("markdown", "hi"),
    ]


def test_odd_cells_are_skipped_and_bad_metadata_dropped(tmp_path: Path) -> None:
    raw = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "code", "source": ["a = ", "1"], "metadata": {"nbgrader": "oops"}},
            {"cell_type": "widget", "source": "?"},
            "not a cell",
            {"cell_type": "markdown", "source": 42},
        ],
    }
    path = tmp_path / "a.ipynb"
    path.write_text(json.dumps(raw))
    result = read_submission(path)
    assert result.notebook is not None
    assert [c.source for c in result.notebook.cells] == ["a = 1"]
    assert "nbgrader" not in result.notebook.cells[0].metadata
    assert [p.code for p in result.problems] == ["notebook-bad-cells"]
    assert "3 cell(s)" in result.problems[0].message
