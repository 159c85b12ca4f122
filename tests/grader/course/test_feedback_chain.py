"""nbgrader's exchange, inside the course root as nbgrader_config.py sets it, end to end:
release (in the fixture ``course``), the student's fetch and submit, collect (the files
arrive unchanged), ``grade``, then nbgrader's own feedback channel: generate, release,
and the student's fetch."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from grader.judgment.misconceptions import MISCONCEPTIONS
from tests.conftest import Course

from .exchange import WITHOUT_RELU, Student
from .run_command import run_grade

pytestmark = [pytest.mark.slow, pytest.mark.exchange]


SHIPPED = ("hw4.ipynb", "hw4_variant.py", "hw4_selfcheck.py")
"""The release's files, which the exchange carries to the student and back."""


def test_a_graded_submission_reaches_the_student_through_fetch_feedback(
    course: Course, tmp_path: Path
) -> None:
    # nbgrader files a submission under the Unix user name
    student = Student(course, getpass.getuser(), tmp_path / "student-home")
    student.home.mkdir()
    home = student.home
    assert (course.root / "exchange" / course.course_id / "outbound" / "hw4").is_dir()
    student.run("fetch_assignment")
    release = course.path("release")
    for name in SHIPPED:
        assert (home / "hw4" / name).read_bytes() == (release / name).read_bytes(), name
    student.write_answers(WITHOUT_RELU, solved=False)  # the other answers left blank
    student.run("submit")
    course.run("collect", "hw4")
    submitted = course.path("submitted", student.student_id)
    for name in SHIPPED:  # what the student handed in, as it was
        assert (submitted / name).read_bytes() == (home / "hw4" / name).read_bytes(), name

    graded = run_grade(course.root, "--jobs", "1")
    assert graded.returncode == 0, graded.stderr[-3000:]
    autograded = course.path("autograded", student.student_id)
    for name in ("timestamp.txt", "submission_secret.txt"):
        assert (autograded / name).read_bytes() == (submitted / name).read_bytes()

    generated = course.run("generate_feedback", "hw4")
    assert "not recognized" not in generated.stderr, generated.stderr
    released = course.run("release_feedback", "hw4")
    assert "error" not in released.stderr.lower(), released.stderr
    student.run("fetch_feedback")
    pages = list((home / "hw4" / "feedback").glob("*/hw4.html"))
    assert len(pages) == 1, sorted(map(str, (home / "hw4").rglob("*")))
    page = pages[0].read_text(encoding="utf-8")
    no_relu = next(m for m in MISCONCEPTIONS if m.tag == "no_relu")
    assert no_relu.sentence in page  # the mistake is named in the page the student fetched
    assert "loss is missing: no value was given." in page  # a question left blank says so
