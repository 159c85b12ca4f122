"""nbgrader's exchange, inside the course root as nbgrader_config.py sets it, end to end:
release (in the fixture ``course``), the student's fetch and submit, collect (the files
arrive unchanged), ``grade``, then nbgrader's own feedback channel: generate, release,
and the student's fetch."""

from __future__ import annotations

import getpass
from pathlib import Path

import nbformat
import pytest

from tests.assignments.test_autograde import course_id
from tests.conftest import Course, run_nbgrader

from .run_command import run_grade

pytestmark = pytest.mark.slow


@pytest.fixture
def course(course_on_exchange: Course) -> Course:
    """A fresh course whose hw4 is released to its exchange (``nbgrader release_assignment``)."""
    return course_on_exchange


SHIPPED = ("hw4.ipynb", "hw4_variant.py", "hw4_selfcheck.py")
"""The release's files, which the exchange carries to the student and back."""

WITHOUT_RELU = {
    "answer_q1": (
        "z = X @ theta[:2] + theta[2]\n"
        "y_hat = theta[3] * z + theta[4]  # the hidden unit's ReLU left out\n"
    ),
}


def test_a_graded_submission_reaches_the_student_through_fetch_feedback(
    course: Course, tmp_path: Path
) -> None:
    student = getpass.getuser()  # nbgrader files a submission under the Unix user name
    home = tmp_path / "student-home"
    home.mkdir()
    exchange = [
        f"--Exchange.root={course.root / 'exchange'}",
        f"--CourseDirectory.course_id={course_id(course)}",
    ]
    outbound = course.root / "exchange" / course_id(course) / "outbound" / "hw4"
    assert outbound.is_dir()
    run_nbgrader(home, "fetch_assignment", "hw4", *exchange)
    release = course.path("release")
    for name in SHIPPED:
        assert (home / "hw4" / name).read_bytes() == (release / name).read_bytes(), name
    fetched = home / "hw4" / "hw4.ipynb"
    notebook = nbformat.read(fetched, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "student_id":
            cell.source = f"STUDENT_ID = {student!r}"
        elif grade_id in WITHOUT_RELU:
            cell.source = WITHOUT_RELU[grade_id]
    nbformat.write(notebook, fetched)
    run_nbgrader(home, "submit", "hw4", *exchange)
    course.run("collect", "hw4")
    submitted = course.path("submitted", student)
    for name in SHIPPED:  # what the student handed in, as it was
        assert (submitted / name).read_bytes() == (home / "hw4" / name).read_bytes(), name

    graded = run_grade(course.root, "--jobs", "1")
    assert graded.returncode == 0, graded.stderr[-3000:]
    autograded = course.path("autograded", student)
    for name in ("timestamp.txt", "submission_secret.txt"):
        assert (autograded / name).read_bytes() == (submitted / name).read_bytes()

    generated = course.run("generate_feedback", "hw4")
    assert "not recognized" not in generated.stderr, generated.stderr
    released = course.run("release_feedback", "hw4")
    assert "error" not in released.stderr.lower(), released.stderr
    run_nbgrader(home, "fetch_feedback", "hw4", *exchange)
    pages = list((home / "hw4" / "feedback").glob("*/hw4.html"))
    assert len(pages) == 1, sorted(map(str, (home / "hw4").rglob("*")))
    page = pages[0].read_text(encoding="utf-8")
    assert "ReLU" in page  # the mistake is named in the page the student fetched
    assert "loss is missing: no value was given." in page  # a question left blank says so
