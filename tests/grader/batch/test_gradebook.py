"""Scores reach nbgrader's gradebook a batch at a time, and one bad student spoils nothing."""

from __future__ import annotations

from nbgrader.api import Gradebook

from grader.batch.course_config import gradebook_course_id
from grader.batch.gradebook import GradebookWriter, Scores
from tests.conftest import Course


def scores_of(course: Course, student: str, notebook_id: str = "hw4") -> Scores:
    """The released notebook's cells as a student's graded cells (every test cell: 0 points)."""
    cells = list(course.notebook("release").cells)
    return Scores(student, notebook_id, cells, "2026-11-30 10:00:00.000000 UTC")


def students_in(course: Course) -> set[str]:
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    course_id = gradebook_course_id(course.root / "gradebook.db", "hw4")
    with Gradebook(url, course_id) as gradebook:
        return {submission.student.id for submission in gradebook.assignment_submissions("hw4")}


def test_a_batch_is_saved_in_one_go(course: Course) -> None:
    course_id = gradebook_course_id(course.root / "gradebook.db", "hw4")
    with GradebookWriter(course.root / "gradebook.db", "hw4", course_id) as writer:
        failures = writer.record_batch([scores_of(course, f"s{n}") for n in range(5)])
    assert failures == {}
    assert students_in(course) == {f"s{n}" for n in range(5)}


def test_one_bad_student_costs_the_others_nothing(course: Course) -> None:
    course_id = gradebook_course_id(course.root / "gradebook.db", "hw4")
    batch = [
        scores_of(course, "first"),
        scores_of(course, "broken", notebook_id="no-such-notebook"),
        scores_of(course, "last"),
    ]
    with GradebookWriter(course.root / "gradebook.db", "hw4", course_id) as writer:
        failures = writer.record_batch(batch)
        assert set(failures) == {"broken"} and "no-such-notebook" in failures["broken"]
        # the writer is still usable, and nbgrader's own commits are back
        assert writer.record_batch([scores_of(course, "after")]) == {}
        assert "commit" not in vars(writer.gradebook.db)
    assert {"first", "last", "after"} <= students_in(course)


def test_an_unreadable_timestamp_is_left_out(course: Course) -> None:
    course_id = gradebook_course_id(course.root / "gradebook.db", "hw4")
    entry = scores_of(course, "odd-time")
    odd = Scores(entry.student, entry.notebook_id, entry.cells, "not a time at all")
    with GradebookWriter(course.root / "gradebook.db", "hw4", course_id) as writer:
        assert writer.record_batch([odd, scores_of(course, "fine")]) == {}
    assert {"odd-time", "fine"} <= students_in(course)
