"""Aligning a submission with the release: locked cells restored, tampering reported."""

from __future__ import annotations

import copy
import json

import nbformat
import pytest
from nbformat import NotebookNode

from grader.batch.locked_cells import align, grade_id
from tests.conftest import Course

from .builders import cell_index, code_cell


@pytest.fixture(scope="module")
def release(released_course: Course) -> NotebookNode:
    return released_course.notebook("release")


def cells_of(notebook: dict[str, object]) -> list[NotebookNode]:
    return list(nbformat.reads(json.dumps(notebook), as_version=4).cells)


def ids(cells: list[NotebookNode]) -> list[str | None]:
    return [grade_id(c) for c in cells]


def test_untouched_release_aligns_without_problems(release: NotebookNode) -> None:
    aligned = align(list(release.cells), list(release.cells), {})
    assert aligned.problems == []
    assert ids(aligned.cells) == ids(list(release.cells))
    run_ids = {grade_id(c) for c in aligned.code_to_run()}
    assert "variant" in run_ids
    assert not any(str(gid).startswith("test_") for gid in run_ids)


def test_edited_variant_cell_is_restored(release: NotebookNode) -> None:
    raw = json.loads(nbformat.writes(release))
    position = cell_index(raw, "variant")
    raw["cells"][position]["source"] = "X, y, theta, eta = 0, 0, 0, 0"
    aligned = align(cells_of(raw), list(release.cells), {})
    assert [p.code for p in aligned.problems] == ["locked-cell-edited"]
    assert aligned.cells[position].source == release.cells[position].source


def test_deleted_variant_cell_is_put_back_in_place(release: NotebookNode) -> None:
    raw = json.loads(nbformat.writes(release))
    position = cell_index(raw, "variant")
    del raw["cells"][position]
    aligned = align(cells_of(raw), list(release.cells), {})
    assert [p.code for p in aligned.problems] == ["locked-cell-deleted"]
    assert ids(aligned.cells) == ids(list(release.cells))


def test_duplicated_locked_cell_runs_once(release: NotebookNode) -> None:
    raw = json.loads(nbformat.writes(release))
    position = cell_index(raw, "variant")
    tampered = copy.deepcopy(raw["cells"][position])
    tampered["source"] = "X = 'mine'"
    tampered["id"] = "tampered-copy"
    raw["cells"].insert(position + 3, tampered)
    aligned = align(cells_of(raw), list(release.cells), {})
    assert [p.code for p in aligned.problems] == ["cell-duplicated"]
    assert all("mine" not in c.source for c in aligned.cells)


def test_test_cells_are_dropped_from_the_run_but_kept_with_instructor_source(
    release: NotebookNode,
) -> None:
    raw = json.loads(nbformat.writes(release))
    raw["cells"][cell_index(raw, "test_q1")]["source"] = "y_hat = 'hacked'"
    aligned = align(cells_of(raw), list(release.cells), {"test_q1": "hidden tests here"})
    assert [p.code for p in aligned.problems] == ["test-cell-edited"]
    assert aligned.cells[cell_index(raw, "test_q1")].source == "hidden tests here"
    assert all("hacked" not in c.source for c in aligned.code_to_run())


def test_answers_and_added_cells_are_kept(release: NotebookNode) -> None:
    raw = json.loads(nbformat.writes(release))
    raw["cells"][cell_index(raw, "answer_q1")]["source"] = "y_hat = [1, 2]"
    raw["cells"].insert(cell_index(raw, "answer_q1"), code_cell("helper = 3"))
    aligned = align(cells_of(raw), list(release.cells), {})
    assert aligned.problems == []
    sources = [c.source for c in aligned.code_to_run()]
    assert sources.index("helper = 3") + 1 == sources.index("y_hat = [1, 2]")


def test_renamed_grade_id_runs_as_plain_code_and_the_answer_cell_is_missing(
    release: NotebookNode,
) -> None:
    raw = json.loads(nbformat.writes(release))
    cell = raw["cells"][cell_index(raw, "answer_q2")]
    cell["metadata"]["nbgrader"]["grade_id"] = "my_answer"
    cell["source"] = "loss = 1.5"
    aligned = align(cells_of(raw), list(release.cells), {})
    assert sorted(p.code for p in aligned.problems) == ["answer-cell-deleted", "cell-unknown"]
    assert "loss = 1.5" in [c.source for c in aligned.code_to_run()]
