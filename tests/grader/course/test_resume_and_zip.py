"""Killed mid-batch and rerun, the command gives what one uninterrupted run gives (from a zip)."""

from __future__ import annotations

import json
import shutil
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader import RUBRIC
from tests.conftest import Course

from .builders import filled, garbage, insert_after, reference_answers, write
from .run_command import grade_rows, kill_group, run_grade, start_grade

pytestmark = pytest.mark.slow

STUDENTS = ("ada", "bo", "cy", "di")
WRONG_Q5 = "cy"
SLOW = "cy"
"""Takes a few seconds (a cell of its own sleeps): the kill comes while it is graded."""


@dataclass(frozen=True)
class Runs:
    resumed: Path
    uninterrupted: Path
    done_before_kill: int
    rerun_output: str


def _notebook(release: dict[str, object], student: str) -> dict[str, object]:
    answers = reference_answers(student)
    if student == WRONG_Q5:
        answers = garbage(answers, "theta_new")
    notebook = filled(release, student, answers=answers)
    if student == SLOW:
        notebook = insert_after(notebook, "student_id", "import time\ntime.sleep(4)")
    return notebook


def _markers(course: Path) -> int:
    return len(list((course / "reports" / "hw4").glob("*/.complete")))


@pytest.fixture(scope="module")
def runs(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("resume")
    resumed, uninterrupted = base / "resumed", base / "uninterrupted"
    shutil.copytree(released_course.root, resumed)
    shutil.copytree(released_course.root, uninterrupted)
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    archive = base / "lms-download.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for number, student in enumerate(STUDENTS):
            notebook = _notebook(release, student)
            write(resumed, student, notebook)
            member = f"{student}/hw4.ipynb" if number % 2 else f"{student}_attempt_hw4.ipynb"
            bundle.writestr(member, json.dumps(notebook))
        bundle.writestr("readme.txt", "not a submission")
        bundle.writestr("__MACOSX/._ada_attempt_hw4.ipynb", b"\0\1")

    process = start_grade(resumed, "--jobs", "1")
    deadline = time.monotonic() + 300
    while _markers(resumed) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    kill_group(process)
    done_before_kill = _markers(resumed)
    rerun = run_grade(resumed, "--jobs", "2")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    whole = run_grade(uninterrupted, "--zip", str(archive), "--jobs", "2")
    assert whole.returncode == 0, whole.stderr[-3000:]
    return Runs(resumed, uninterrupted, done_before_kill, rerun.stderr)


def test_the_kill_came_mid_batch(runs: Runs) -> None:
    assert 2 <= runs.done_before_kill < len(STUDENTS)


def test_the_rerun_skips_finished_students(runs: Runs) -> None:
    assert f"{runs.done_before_kill} already graded" in runs.rerun_output


def test_resumed_and_uninterrupted_results_are_identical(runs: Runs) -> None:
    assert (runs.resumed / "grades.csv").read_bytes() == (
        runs.uninterrupted / "grades.csv"
    ).read_bytes()
    for student in STUDENTS:
        for name in ("record.json", "results.json", "feedback.html"):
            ours = runs.resumed / "reports" / "hw4" / student / name
            theirs = runs.uninterrupted / "reports" / "hw4" / student / name
            assert ours.read_bytes() == theirs.read_bytes(), (student, name)


def test_scores_follow_the_rubric(runs: Runs) -> None:
    rows = grade_rows(runs.resumed)
    assert sorted(rows) == sorted(STUDENTS)
    for student in STUDENTS:
        lost = RUBRIC.max_points("q5") if student == WRONG_Q5 else 0.0
        assert float(rows[student]["score"]) == RUBRIC.max_score - lost


def test_the_gradebook_holds_each_student_once(runs: Runs) -> None:
    for course in (runs.resumed, runs.uninterrupted):
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            submissions = gradebook.assignment_submissions("hw4")
            scores = {s.student.id: s.score for s in submissions}
        assert sorted(scores) == sorted(STUDENTS)
        assert scores[WRONG_Q5] == RUBRIC.max_score - RUBRIC.max_points("q5")


def test_no_temporary_files_are_left(runs: Runs) -> None:
    assert [p for p in runs.resumed.rglob("*.tmp")] == []


def test_the_zip_was_collected_like_zip_collect(runs: Runs) -> None:
    for student in STUDENTS:
        assert (runs.uninterrupted / "submitted" / student / "hw4" / "hw4.ipynb").is_file()
