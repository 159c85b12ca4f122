"""The writer: scores reach nbgrader's gradebook a batch at a time, one bad student spoils
nothing, and a student is marked finished only after the gradebook has the scores."""

from __future__ import annotations

import copy

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader import grade
from grader.course import Course
from grader.course.grade_one import Graded, executed_notebook, grade_id
from grader.course.writer import MARKER_NAME, RECORD_NAME, Writer
from solutions.variant import make_variant
from tests.conftest import Course as CourseCopy


@pytest.fixture
def course(course: CourseCopy) -> Course:
    return Course.open(course.root, "hw4")


def graded(course: Course, student: str) -> Graded:
    """The released notebook graded as a blank submission (every test cell: 0 points)."""
    release = nbformat.read(course.release / "hw4.ipynb", as_version=4)
    v = make_variant(student)
    report = grade({}, v.X, v.y, v.theta, v.eta)
    return Graded(student, report, (), executed_notebook(list(release.cells), {}, report))


def students_in(course: Course) -> set[str]:
    with Gradebook(course.gradebook_url, course.course_id) as gradebook:
        return {submission.student.id for submission in gradebook.assignment_submissions("hw4")}


def test_a_batch_is_saved_in_one_go_then_marked_finished(course: Course) -> None:
    batch = [(graded(course, f"s{n}"), f"digest{n}") for n in range(5)]
    with Writer(course, "hw4.ipynb") as writer:
        for result, _ in batch:
            writer.write(result)
            assert not (course.student_reports(result.student) / MARKER_NAME).exists()
        assert writer.save(batch) == {}
    assert students_in(course) == {f"s{n}" for n in range(5)}
    for n in range(5):
        folder = course.student_reports(f"s{n}")
        assert (folder / MARKER_NAME).read_text() == f"digest{n}\n"
        assert Graded.from_record((folder / RECORD_NAME).read_text()).student == f"s{n}"
        assert writer.stored(f"s{n}", f"digest{n}") is not None
        assert writer.stored(f"s{n}", "another submission") is None


def test_one_bad_student_costs_the_others_nothing(course: Course) -> None:
    broken = graded(course, "broken")
    assert broken.notebook is not None
    notebook = copy.deepcopy(broken.notebook)
    for cell in notebook.cells:
        if grade_id(cell) == "test_q1":
            cell.metadata.nbgrader.points = "many"  # no score can be read from it
    broken = Graded("broken", broken.report, (), notebook)
    batch = [(graded(course, "first"), "1"), (broken, "2"), (graded(course, "last"), "3")]
    with Writer(course, "hw4.ipynb") as writer:
        failures = writer.save(batch)
        assert set(failures) == {"broken"}
        # the writer is still usable, and nbgrader's own commits are back
        assert writer.save([(graded(course, "after"), "4")]) == {}
        assert "commit" not in vars(writer.gradebook.db)
    assert {"first", "last", "after"} <= students_in(course)
    assert not (course.student_reports("broken") / MARKER_NAME).exists()
    assert (course.student_reports("last") / MARKER_NAME).exists()


def test_an_unreadable_timestamp_is_left_out(course: Course) -> None:
    for student, stamp in (("odd-time", "not a time at all"), ("fine", "2026-11-30 10:00:00")):
        course.submitted(student).mkdir(parents=True)
        (course.submitted(student) / "timestamp.txt").write_text(stamp)
    with Writer(course, "hw4.ipynb") as writer:
        assert writer.save([(graded(course, "odd-time"), "1"), (graded(course, "fine"), "2")]) == {}
    with Gradebook(course.gradebook_url, course.course_id) as gradebook:
        assert gradebook.find_submission("hw4", "odd-time").timestamp is None
        assert gradebook.find_submission("hw4", "fine").timestamp is not None
