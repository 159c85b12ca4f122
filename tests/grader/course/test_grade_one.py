"""Grading one notebook: read whatever its state, aligned with the release (locked cells
restored, tampering reported), run, and judged; faults are problems, never exceptions."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode

from grader import RUBRIC
from grader.course.grade_one import (
    Problem,
    Release,
    align,
    grade_id,
    grade_notebook,
    is_test_cell,
    read_notebook,
)
from grader.course.writer import notebook_json
from grader.sandbox import Answer, CellResult, SandboxResult
from tests.conftest import Course

from .builders import cell_index, code_cell, filled, reference_answers


@pytest.fixture(scope="module")
def release(released_course: Course) -> Release:
    notebook = released_course.notebook("release")
    return Release("hw4.ipynb", tuple(notebook.cells), {}, {})


def cells_of(notebook: dict[str, Any]) -> list[NotebookNode]:
    return list(nbformat.reads(json.dumps(notebook), as_version=4).cells)


def ids(cells: list[NotebookNode]) -> list[str | None]:
    return [grade_id(c) for c in cells]


def to_run(cells: list[NotebookNode]) -> list[NotebookNode]:
    return [c for c in cells if c.cell_type == "code" and not is_test_cell(c)]


def aligned(raw: dict[str, Any], release: Release) -> tuple[list[NotebookNode], list[str]]:
    problems: list[Problem] = []
    cells = align(cells_of(raw), release, problems)
    return cells, [p.code for p in problems]


def raw_release(release: Release) -> dict[str, Any]:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [copy.deepcopy(cell) for cell in release.cells]
    raw: dict[str, Any] = json.loads(nbformat.writes(notebook))
    return raw


# -- align ---------------------------------------------------------------------------------


def test_untouched_release_aligns_without_problems(release: Release) -> None:
    cells, codes = aligned(raw_release(release), release)
    assert codes == []
    assert ids(cells) == ids(list(release.cells))
    run_ids = {grade_id(c) for c in to_run(cells)}
    assert "variant" in run_ids
    assert not any(str(gid).startswith("test_") for gid in run_ids)


def test_edited_variant_cell_is_restored(release: Release) -> None:
    raw = raw_release(release)
    position = cell_index(raw, "variant")
    raw["cells"][position]["source"] = "X, y, theta, eta = 0, 0, 0, 0"
    cells, codes = aligned(raw, release)
    assert codes == ["locked-cell-edited"]
    assert cells[position].source == release.cells[position].source


def test_deleted_variant_cell_is_put_back_in_place(release: Release) -> None:
    raw = raw_release(release)
    del raw["cells"][cell_index(raw, "variant")]
    cells, codes = aligned(raw, release)
    assert codes == ["locked-cell-deleted"]
    assert ids(cells) == ids(list(release.cells))


def test_duplicated_locked_cell_runs_once(release: Release) -> None:
    raw = raw_release(release)
    position = cell_index(raw, "variant")
    tampered = copy.deepcopy(raw["cells"][position])
    tampered["source"] = "X = 'mine'"
    tampered["id"] = "tampered-copy"
    raw["cells"].insert(position + 3, tampered)
    cells, codes = aligned(raw, release)
    assert codes == ["cell-duplicated"]
    assert all("mine" not in c.source for c in cells)


def test_test_cells_are_dropped_from_the_run_but_kept_with_instructor_source(
    release: Release,
) -> None:
    raw = raw_release(release)
    raw["cells"][cell_index(raw, "test_q1")]["source"] = "y_hat = 'hacked'"
    with_sources = Release(release.notebook_name, release.cells, {"test_q1": "hidden tests"}, {})
    cells, codes = aligned(raw, with_sources)
    assert codes == ["test-cell-edited"]
    assert cells[cell_index(raw, "test_q1")].source == "hidden tests"
    assert all("hacked" not in c.source for c in to_run(cells))


def test_answers_and_added_cells_are_kept(release: Release) -> None:
    raw = raw_release(release)
    raw["cells"][cell_index(raw, "answer_q1")]["source"] = "y_hat = [1, 2]"
    raw["cells"].insert(cell_index(raw, "answer_q1"), code_cell("helper = 3"))
    cells, codes = aligned(raw, release)
    assert codes == []
    sources = [c.source for c in to_run(cells)]
    assert sources.index("helper = 3") + 1 == sources.index("y_hat = [1, 2]")


def test_renamed_grade_id_runs_as_plain_code_and_the_answer_cell_is_missing(
    release: Release,
) -> None:
    raw = raw_release(release)
    cell = raw["cells"][cell_index(raw, "answer_q2")]
    cell["metadata"]["nbgrader"]["grade_id"] = "my_answer"
    cell["source"] = "loss = 1.5"
    cells, codes = aligned(raw, release)
    assert sorted(codes) == ["answer-cell-deleted", "cell-unknown"]
    assert "loss = 1.5" in [c.source for c in to_run(cells)]


# -- read ----------------------------------------------------------------------------------


def read(data: bytes) -> tuple[list[NotebookNode] | None, list[Problem]]:
    problems: list[Problem] = []
    return read_notebook(data, "a.ipynb", problems), problems


def test_valid_notebook_reads_clean_without_outputs() -> None:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * 1000)]
    notebook.cells = [cell]
    cells, problems = read(nbformat.writes(notebook).encode())
    assert problems == []
    assert cells is not None
    assert [c.source for c in cells] == ["x = 1"]
    assert cells[0].outputs == []


def test_empty_file() -> None:
    cells, problems = read(b"")
    assert cells is None
    assert [p.code for p in problems] == ["notebook-empty"]


def test_truncated_json_names_the_line() -> None:
    cells, problems = read(b'{"cells": [\n {"cell_type": "code", "source": "x')
    assert cells is None
    assert [p.code for p in problems] == ["notebook-malformed"]
    assert "line 2" in problems[0].message


def test_json_that_is_not_a_notebook() -> None:
    cells, problems = read(b"[1, 2, 3]")
    assert cells is None
    assert [p.code for p in problems] == ["notebook-malformed"]


def test_latin1_bytes_are_replaced_and_reported() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1  # café")]
    cells, problems = read(nbformat.writes(notebook).encode("latin-1"))
    assert [p.code for p in problems] == ["notebook-not-utf8"]
    assert cells is not None
    assert cells[0].source.startswith("x = 1")


def test_nbformat3_is_converted() -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("hi")]
    data = nbformat.writes(nbformat.convert(notebook, 3), version=3).encode()
    assert json.loads(data)["nbformat"] == 3
    cells, problems = read(data)
    assert [p.code for p in problems] == ["notebook-old-format"]
    assert cells is not None
    assert [(c.cell_type, c.source) for c in cells] == [("code", "x = 1"), ("markdown", "hi")]


def test_odd_cells_are_skipped_and_bad_metadata_dropped() -> None:
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
    cells, problems = read(json.dumps(raw).encode())
    assert cells is not None
    assert [c.source for c in cells] == ["a = 1"]
    assert "nbgrader" not in cells[0].metadata
    assert [p.code for p in problems] == ["notebook-bad-cells"]
    assert "3 cell(s)" in problems[0].message


def test_a_notebook_over_the_size_limit_is_not_read() -> None:
    cells, problems = read(b" " * (64 * 1024 * 1024 + 1))
    assert cells is None
    assert [p.code for p in problems] == ["notebook-too-large"]


# -- the whole path, with a stand-in for the sandbox ------------------------------------


class StandIn:
    """Runs nothing: every cell ``ok``, the given values read back; records what it ran.
    A cell whose source is ``ends`` times out and ends the run, as a cell that loops would."""

    def __init__(self, values: Mapping[str, object], ends: str = "") -> None:
        self.values = values
        self.ends = ends
        self.runs: list[list[str]] = []

    def __call__(
        self, cells: Sequence[str], *, names: Sequence[str], files: Mapping[str, str]
    ) -> SandboxResult:
        self.runs.append(list(cells))
        if self.ends and self.ends in cells:
            end = cells.index(self.ends)
            outcomes = [CellResult(i, "ok") for i in range(end)]
            outcomes.append(CellResult(end, "timeout", detail="cell time limit"))
            outcomes += [CellResult(i, "skipped") for i in range(end + 1, len(cells))]
            return SandboxResult(tuple(outcomes), {}, sandboxed=False, seconds=0.0)
        answers = {
            n: Answer(n, "ok", self.values[n]) if n in self.values else Answer(n, "missing")
            for n in names
        }
        outcomes = [CellResult(i, "ok") for i in range(len(cells))]
        return SandboxResult(tuple(outcomes), answers, sandboxed=False, seconds=0.0)


def submission(released_course: Course, student: str, *added: str) -> dict[str, Any]:
    """The release filled in with the student's right answers, and cells added after the ID."""
    raw = json.loads(nbformat.writes(released_course.notebook("release")))
    notebook = filled(raw, student)
    position = cell_index(notebook, "student_id") + 1
    notebook["cells"][position:position] = [code_cell(source) for source in added]
    return notebook


def right_values(student: str) -> dict[str, object]:
    return {**reference_answers(student), "STUDENT_ID": student}


def test_right_answers_earn_every_point_and_the_notebook_shows_them(
    released_course: Course, release: Release
) -> None:
    data = json.dumps(submission(released_course, "amy")).encode()
    graded = grade_notebook(data, "amy", release, StandIn(right_values("amy")))
    assert graded.problems == ()
    assert graded.status == "ok" and graded.final
    assert graded.report.score == RUBRIC.max_score
    assert graded.notebook is not None
    cells = {grade_id(cell): cell for cell in graded.notebook.cells}
    points = cells["test_q1"].outputs[-1]["data"]["text/plain"]
    assert float(points) == RUBRIC.max_points("q1")


def test_no_notebook_scores_zero_and_runs_nothing(release: Release) -> None:
    run = StandIn({})
    graded = grade_notebook(None, "amy", release, run)
    assert run.runs == []
    assert [p.code for p in graded.problems] == ["not-run"]
    assert graded.report.score == 0
    assert graded.notebook is not None
    assert ids(list(graded.notebook.cells)) == ids(list(release.cells))


def test_a_cell_that_ends_the_run_is_skipped_to_grade_the_rest(
    released_course: Course, release: Release
) -> None:
    data = json.dumps(submission(released_course, "amy", "while True: pass")).encode()
    run = StandIn(right_values("amy"), ends="while True: pass")
    graded = grade_notebook(data, "amy", release, run)
    assert len(run.runs) == 2 and "while True: pass" not in run.runs[1]
    assert [p.code for p in graded.problems] == ["cell-timeout"]
    assert "cell time limit) was skipped to grade the other answers" in graded.problems[0].message
    assert graded.report.score == RUBRIC.max_score


def test_the_graded_notebook_is_valid_and_written_as_nbformat_writes_it(
    released_course: Course, release: Release
) -> None:
    data = json.dumps(submission(released_course, "amy", "print('a\\nb')")).encode()
    graded = grade_notebook(data, "amy", release, StandIn(right_values("amy")))
    assert graded.notebook is not None
    before = json.dumps(graded.notebook, sort_keys=True)
    nbformat.validate(graded.notebook)
    assert notebook_json(graded.notebook) == nbformat.writes(graded.notebook)
    assert json.dumps(graded.notebook, sort_keys=True) == before  # left as it was
    sources = [cell.source for cell in graded.notebook.cells]
    assert "print('a\\nb')" in sources
    assert all(cell.cell_type in ("code", "markdown", "raw") for cell in graded.notebook.cells)


def test_read_cells_are_nbformats_own_cells_without_an_id() -> None:
    made = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("# a"),
        nbformat.v4.new_raw_cell("r"),
    ]
    cells, problems = read(nbformat.writes(nbformat.v4.new_notebook(cells=made)).encode())
    assert problems == []
    assert cells == [{k: v for k, v in cell.items() if k != "id"} for cell in made]
