"""``python -m grader serve``: feedback within seconds through nbgrader's own exchange.

The service runs as a subprocess on a temporary course; students submit with nbgrader's
command line or its exchange classes, and fetch their feedback the same way.
"""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

import numpy as np
import pytest

from solutions.answers import answers
from solutions.variant import make_variant
from tests.conftest import Course
from tests.grader.course.exchange import (
    WITHOUT_RELU,
    Service,
    Student,
    done_records,
    make_students,
    run_serve,
)
from tests.grader.course.run_command import grade_rows, run_grade

pytestmark = [pytest.mark.slow, pytest.mark.exchange]


def test_a_student_gets_feedback_on_each_submission_through_nbgrader(
    course: Course, tmp_path: Path
) -> None:
    import getpass

    student = Student(course, getpass.getuser(), tmp_path / "home")
    student.home.mkdir()
    service = Service(course, tmp_path / "serve.log", "--jobs", "1")
    try:
        student.run("fetch_assignment")
        student.write_answers(WITHOUT_RELU)
        student.run("submit")
        service.wait_for("first page", lambda: len(student.released_pages()) == 1)
        student.run("fetch_feedback")
        pages = sorted((student.home / "hw4" / "feedback").glob("*/hw4.html"))
        assert len(pages) == 1
        first = pages[0].read_text(encoding="utf-8")
        assert "ReLU" in first  # the mistake is named
        variant = make_variant(student.student_id)
        reference = answers(variant.theta, variant.X, variant.y, variant.eta)
        for value in np.concatenate([np.ravel(v).astype(float) for v in reference.values()]):
            if abs(value - round(value, 1)) > 1e-9:  # no reference answer is given away
                assert f"{value:.3g}" not in first

        time.sleep(0.01)  # a later timestamp than the first submission's
        student.write_answers()  # every answer right
        student.run("submit")
        service.wait_for("second page", lambda: len(student.released_pages()) == 2)
        student.run("fetch_feedback")
        pages = sorted((student.home / "hw4" / "feedback").glob("*/hw4.html"))
        assert len(pages) == 2
        assert "ReLU in the forward pass" not in pages[1].read_text(encoding="utf-8")
        rows = grade_rows(course.root)
        assert list(rows) == [student.student_id]  # one row: the latest submission's
        assert rows[student.student_id]["score"] == rows[student.student_id]["max_score"]

        refused = run_grade(course.root)  # grade and serve never work at once
        assert refused.returncode == 2
        assert "python -m grader serve" in refused.stderr

        status = run_serve(course, "--status")
        assert "running" in status.stdout and "waiting: 0" in status.stdout, status.stdout
        assert service.stop() == 0
    finally:
        if service.process.poll() is None:
            service.kill()
    log = service.log()
    lines = [line for line in log.splitlines() if f" graded {student.student_id} " in line]
    assert len(lines) == 2, log
    assert all(student.student_id in line and "latency" in line for line in lines)
    assert "stopped" in log


def test_a_kill_during_a_rush_loses_and_duplicates_nothing(course: Course, tmp_path: Path) -> None:
    names = [f"s{index:02d}" for index in range(14)]
    students = make_students(course, tmp_path, names)
    service = Service(course, tmp_path / "serve.log", "--jobs", "2")
    try:
        for index, student in enumerate(students):
            student.submit(WITHOUT_RELU if index % 3 == 0 else None)
        service.wait_for("four graded", lambda: len(done_records(course)) >= 4)
    finally:
        service.kill()
    assert len(done_records(course)) < len(names), "the kill came too late to test anything"

    resumed = run_serve(course, "--once", "--jobs", "2")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    records = done_records(course)
    assert sorted(str(r["student"]) for r in records) == names  # each submission once
    for student in students:
        assert len(student.released_pages()) == 1, student.student_id
    rows = grade_rows(course.root)
    assert sorted(rows) == names
    for index, name in enumerate(names):
        full = rows[name]["score"] == rows[name]["max_score"]
        assert full == (index % 3 != 0), rows[name]

    with open(course.root / "grades.csv", encoding="utf-8") as stream:
        served = stream.read()
    again = run_grade(course.root)  # the batch command sees every student as graded
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"0 graded now, {len(names)} already graded" in again.stderr
    assert (course.root / "grades.csv").read_text(encoding="utf-8") == served


def test_the_gradebook_holds_the_last_submission_before_the_due_date(
    course: Course, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from nbgrader.api import Gradebook

    (course.root / "nbgrader_config.py").open("a").write(
        "\nc.LateSubmissionPlugin.penalty_method = 'zero'\n"
    )
    early, late_only = make_students(course, tmp_path, ["early", "lateonly"])
    early.submit()
    time.sleep(0.01)
    early.submit(WITHOUT_RELU)  # the later one counts, even if it is worse
    time.sleep(0.01)
    due = datetime.now(UTC).replace(tzinfo=None)  # nbgrader keeps due dates in naive UTC
    db_url = f"sqlite:///{course.root / 'gradebook.db'}"
    with Gradebook(db_url) as gradebook:
        gradebook.update_or_create_assignment("hw4", duedate=due)
    time.sleep(0.01)
    early.submit()  # right, but late: the last on-time one counts
    late_only.submit()

    served = run_serve(course, "--once", "--jobs", "2")
    assert served.returncode == 0, served.stderr[-3000:]
    rows = grade_rows(course.root)
    assert rows["early"]["score"] != rows["early"]["max_score"]
    assert "late" not in rows["early"]["status"]
    assert "late" in rows["lateonly"]["status"].split(";")
    pages = [p.read_text(encoding="utf-8") for p in early.released_pages()]
    assert len(pages) == 3
    assert sum("after the due date" in page for page in pages) == 1
    with Gradebook(db_url) as gradebook:
        notebook = gradebook.find_submission_notebook("hw4", "hw4", "lateonly")
        assert notebook.score > 0
        assert notebook.late_submission_penalty == notebook.score  # the plugin's "zero"
        assert (
            gradebook.find_submission_notebook("hw4", "hw4", "early").late_submission_penalty
            is None
        )
    assert len(re.findall(r" graded early ", served.stderr)) == 3, served.stderr
    with open(course.root / "grades.csv", newline="", encoding="utf-8") as stream:
        assert sorted(row["student_id"] for row in csv.DictReader(stream)) == ["early", "lateonly"]


def test_serve_refuses_while_grade_works(course: Course) -> None:
    from grader.course import exclusive_run

    with exclusive_run(course.root / "reports" / "hw4", "python -m grader grade"):
        refused = run_serve(course, "--once")
    assert refused.returncode == 2
    assert "python -m grader grade (process" in refused.stderr
    assert "serving" not in refused.stderr  # refused before anything started
