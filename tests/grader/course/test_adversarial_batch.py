"""One batch of adversarial and broken submissions, graded by the real command.

Expected points come from the rubric and from what each submission holds (right
answers typed in from ``solutions``, wrong ones made unscorable); see submissions.py.
"""

from __future__ import annotations

import csv
import json
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from nbgrader.utils import determine_grade

from grader import RUBRIC
from tests.conftest import REPOSITORY, Course, run_nbgrader

from .builders import cell_index, solved_notebook
from .run_command import grade_rows, run_grade
from .submissions import CASES, QUESTIONS, Case

pytestmark = pytest.mark.slow

CELL_SECONDS = 3
"""The cell time limit of this batch: three of its submissions spin until it is reached
(a correct notebook's slowest cell takes well under a second)."""


@dataclass(frozen=True)
class Graded:
    """The course after the batch, what the command printed, and the paths attacks aimed at."""

    course: Path
    result: subprocess.CompletedProcess[str]
    targets: tuple[Path, ...]


@pytest.fixture(scope="module")
def graded(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graded]:
    base = tmp_path_factory.mktemp("adversarial")
    root = base / "course"
    shutil.copytree(released_course.root, root)
    course = Course(root)
    release = json.loads(nbformat.writes(course.notebook("release")))
    solved = solved_notebook(course.notebook("release"), course.notebook("source"))
    outside = base / "outside"
    outside.mkdir()
    targets = (
        Path("/tmp") / f"escaped-{uuid.uuid4().hex}",
        root / "escaped.txt",
        outside / "escaped.txt",
    )
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        env = {
            "solutions_file": str(REPOSITORY / "solutions" / "network.py"),
            "gradebook": str(root / "gradebook.db"),
            "port": str(listener.getsockname()[1]),
            "escape_file": str(targets[0]),
            "course_file": str(targets[1]),
            "repo_file": str(targets[2]),
        }
        for case in CASES:
            case.make(root, release, solved, {**env, "student": case.student})
        result = run_grade(root, "--jobs", "2", "--cell-timeout", str(CELL_SECONDS))
    yield Graded(root, result, targets)
    for target in targets:
        target.unlink(missing_ok=True)


def test_the_batch_completes(graded: Graded) -> None:
    assert graded.result.returncode == 0, graded.result.stderr[-3000:]
    assert set(grade_rows(graded.course)) == {case.student for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.student)
def test_scores_per_question_follow_the_rubric(graded: Graded, case: Case) -> None:
    row = grade_rows(graded.course)[case.student]
    assert {q: float(row[q]) for q in QUESTIONS} == case.expected
    assert float(row["score"]) == sum(case.expected.values())
    assert float(row["max_score"]) == RUBRIC.max_score


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.student)
def test_problems_are_reported(graded: Graded, case: Case) -> None:
    record = json.loads(
        (graded.course / "reports" / "hw4" / case.student / "record.json").read_text()
    )
    codes = {problem["code"] for problem in record["problems"]}
    assert set(case.problems) <= codes
    status = grade_rows(graded.course)[case.student]["status"]
    assert status == (";".join(sorted(codes)) if codes else "ok")
    if case.problems:
        page = (graded.course / "reports" / "hw4" / case.student / "feedback.html").read_text()
        assert "About your submission" in page


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.student)
def test_every_output_is_written(graded: Graded, case: Case) -> None:
    folder = graded.course / "reports" / "hw4" / case.student
    results = json.loads((folder / "results.json").read_text())
    assert results["score"] == sum(case.expected.values())
    assert {t["name"]: t["score"] for t in results["tests"]} == {
        q.upper(): p for q, p in case.expected.items()
    }
    assert (folder / ".complete").is_file()
    notebook_path = graded.course / "autograded" / case.student / "hw4" / "hw4.ipynb"
    assert notebook_path.stat().st_size < 2_000_000
    notebook = nbformat.read(notebook_path, as_version=4)
    for question in QUESTIONS:
        test_cell = notebook.cells[
            cell_index(json.loads(nbformat.writes(notebook)), f"test_{question}")
        ]
        assert determine_grade(test_cell)[0] == case.expected[question]


def test_nothing_escapes_the_sandbox(graded: Graded) -> None:
    assert [t for t in graded.targets if t.exists()] == []


def test_stolen_files_never_reach_the_outputs(graded: Graded) -> None:
    secret = (REPOSITORY / "solutions" / "network.py").read_text().splitlines()[0]
    for student in ("reads-solutions", "reads-gradebook"):
        text = (graded.course / "autograded" / student / "hw4" / "hw4.ipynb").read_text()
        assert secret not in text
        assert "SQLite format" not in text


def test_nbgrader_reads_the_gradebook(graded: Graded) -> None:
    run_nbgrader(graded.course, "export", "--to", "nbgrader-export.csv")
    with open(graded.course / "nbgrader-export.csv", newline="") as handle:
        exported = {row["student_id"]: row for row in csv.DictReader(handle)}
    for case in CASES:
        assert float(exported[case.student]["raw_score"]) == sum(case.expected.values())


def test_the_gradebook_leaves_q3_and_q7_to_formgrader(graded: Graded) -> None:
    def grade(cell: str, student: str) -> tuple[float | None, bool]:
        found = gradebook.find_grade(cell, "hw4", "hw4", student)
        return found.auto_score, found.needs_manual_grade

    with Gradebook(f"sqlite:///{graded.course / 'gradebook.db'}") as gradebook:
        for cell in ("answer_q3", "answer_q7"):
            assert grade(cell, "correct-code") == (None, True)  # answered: a person grades it
            assert grade(cell, "id-mismatch") == (0, False)  # left as released: nothing to grade
        assert grade("test_q4", "network") == (0, False)
        assert grade("test_q4", "correct-code") == (RUBRIC.max_points("q4"), False)
