"""The exchange is written by students: only what they really submitted, when they really
submitted it, counts.

Real Unix accounts (``hw4-ann``, ``hw4-ben``: see ``accounts.py``) submit with the real
``nbgrader submit`` or write folders into the real exchange by hand; the instructor (this
test's account) runs ``python -m grader serve --once``, ``nbgrader collect`` and ``python
-m grader grade``.
"""

from __future__ import annotations

import os
import pwd
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Course
from tests.grader.course.accounts import (
    SharedCourse,
    make_shared_course,
    nbgrader_time,
    remove_shared_course,
    require_student_accounts,
)
from tests.grader.course.exchange import WITHOUT_RELU, Student, inbound, run_serve
from tests.grader.course.run_command import grade_rows, run_grade

pytestmark = [pytest.mark.slow]


@pytest.fixture
def shared(course_on_exchange: Course) -> Iterator[SharedCourse]:
    """The released course on its exchange, reachable by the students' accounts."""
    accounts = require_student_accounts()
    shared = make_shared_course(course_on_exchange, accounts)
    try:
        yield shared
    finally:
        remove_shared_course(shared)


def serve_once(course: Course) -> str:
    """``serve --once``; its log."""
    served = run_serve(course, "--once", "--jobs", "2")
    assert served.returncode == 0, served.stderr[-3000:]
    return served.stderr


def gradebook_entry(course: Course, student: str) -> tuple[float, float, object, float]:
    """The student's score, late penalty, submission time and lateness in nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook("hw4", "hw4", student)
        submission = gradebook.find_submission("hw4", student)
        return (
            float(notebook.score),
            float(notebook.late_submission_penalty or 0),
            submission.timestamp,
            float(submission.total_seconds_late),
        )


def pages(course: Course) -> list[str]:
    """The feedback pages released to the exchange, by file name."""
    feedback = course.root / "exchange" / course.course_id / "feedback"
    return sorted(path.name for path in feedback.iterdir())


def student_files(course: Course, student: str) -> dict[str, bytes]:
    """Everything written for a student: reports, the autograded notebook."""
    files = {}
    for folder in (course.root / "reports" / "hw4" / student, course.path("autograded", student)):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                files[str(path.relative_to(course.root))] = path.read_bytes()
    return files


def released_page(course: Course, folder: Path) -> str:
    """The page released for the submission in ``folder`` (found by its secret)."""
    from nbgrader.utils import notebook_hash

    secret = (folder / "submission_secret.txt").read_text()
    name = notebook_hash(secret=secret, notebook_id="hw4")
    feedback = course.root / "exchange" / course.course_id / "feedback"
    return (feedback / f"{name}.html").read_text(encoding="utf-8")


def test_a_folder_ben_writes_for_ann_changes_nothing_of_hers(shared: SharedCourse) -> None:
    course = shared.course
    ann, ben = shared.students["hw4-ann"], shared.students["hw4-ben"]
    ann.submit()
    serve_once(course)
    row = grade_rows(course.root)["hw4-ann"]
    assert row["score"] == row["max_score"]
    before = (
        (course.root / "grades.csv").read_bytes(),
        gradebook_entry(course, "hw4-ann"),
        student_files(course, "hw4-ann"),
        pages(course),
    )

    blank = ben.stage("blank", solved=False, student_id="hw4-ann")
    claimed = nbgrader_time(datetime.now(UTC))
    key = f"hw4-ann+hw4+{claimed}+forged"
    ben.write_folder(key, blank, claimed)
    log = serve_once(course)
    lines = [line for line in log.splitlines() if key in line]
    assert len(lines) == 1, log
    assert "owned by hw4-ben, not by hw4-ann" in lines[0]
    after = (
        (course.root / "grades.csv").read_bytes(),
        gradebook_entry(course, "hw4-ann"),
        student_files(course, "hw4-ann"),
        pages(course),
    )
    assert after == before

    # nbgrader's own collect (check_owner on) only warns, and copies ben's folder
    collected = course.run("collect", "--update", "hw4")
    assert "owned by hw4-ben" in collected.stdout + collected.stderr
    assert (course.path("submitted", "hw4-ann") / "timestamp.txt").read_text() == claimed
    graded = run_grade(course.root)
    assert graded.returncode == 0, graded.stderr[-3000:]
    refusal = f"refused submitted/hw4-ann/hw4: collected from inbound/{key}, owned by hw4-ben"
    assert refusal in graded.stderr
    assert (
        (course.root / "grades.csv").read_bytes(),
        gradebook_entry(course, "hw4-ann"),
        student_files(course, "hw4-ann"),
        pages(course),
    ) == before


def test_a_folder_backdated_before_the_due_date_but_made_after_it_is_late(
    shared: SharedCourse,
) -> None:
    from nbgrader.api import Gradebook

    course = shared.course
    ann = shared.students["hw4-ann"]
    now = datetime.now(UTC).replace(tzinfo=None)
    due = now - timedelta(minutes=10)
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gradebook:
        gradebook.update_or_create_assignment("hw4", duedate=due)
    claimed = nbgrader_time((due - timedelta(seconds=1)).replace(tzinfo=UTC))
    folder = ann.write_folder(f"hw4-ann+hw4+{claimed}+early", ann.stage("right"), claimed)

    log = serve_once(course)
    status = grade_rows(course.root)["hw4-ann"]["status"].split(";")
    assert "late" in status and "time-claimed-earlier" in status, log
    _, _, timestamp, seconds_late = gradebook_entry(course, "hw4-ann")
    assert isinstance(timestamp, datetime) and timestamp >= now - timedelta(seconds=5)
    assert seconds_late >= 9 * 60  # observed about 10 minutes after the due date
    page = released_page(course, folder)
    assert "as this server&#39;s clock saw it" in page or "as this server's clock saw it" in page
    assert "after the due date" in page


def test_grade_flags_a_backdated_folder_that_nbgrader_collected(shared: SharedCourse) -> None:
    course = shared.course
    ann, ben = shared.students["hw4-ann"], shared.students["hw4-ben"]
    claimed = nbgrader_time(datetime.now(UTC) - timedelta(hours=1))
    ann.write_folder(f"hw4-ann+hw4+{claimed}+early", ann.stage("right"), claimed)
    ben.submit()  # a normal submission: believed
    course.run("collect", "hw4")
    graded = run_grade(course.root)
    assert graded.returncode == 0, graded.stderr[-3000:]
    rows = grade_rows(course.root)
    assert "time-claimed-earlier" in rows["hw4-ann"]["status"].split(";"), graded.stderr
    assert rows["hw4-ben"]["status"] == "ok", graded.stderr


def test_a_notebook_changed_after_grading_is_reported_and_the_grade_stays(
    shared: SharedCourse,
) -> None:
    course = shared.course
    ann = shared.students["hw4-ann"]
    ann.submit(WITHOUT_RELU)
    serve_once(course)
    graded_row = grade_rows(course.root)["hw4-ann"]
    assert graded_row["score"] != graded_row["max_score"]
    (folder,) = inbound(course).glob("hw4-ann+hw4+*")
    kept_page = released_page(course, folder)

    kept = course.root / "reports" / "hw4" / ".service" / "kept" / folder.name / "hw4.ipynb"
    assert ann.attempt("/bin/sh", "-c", f'echo x >> "{kept}"').returncode != 0  # out of reach
    ann.run("/bin/cp", str(ann.stage("right")), str(folder / "hw4.ipynb"))  # she owns it
    log = serve_once(course)
    changed = [line for line in log.splitlines() if f"inbound/{folder.name} was changed" in line]
    assert len(changed) == 1, log
    assert grade_rows(course.root)["hw4-ann"] == graded_row
    assert released_page(course, folder) == kept_page

    # the changed bytes collected again by nbgrader, then graded: the bytes graded count
    shutil.rmtree(course.path("submitted", "hw4-ann"))
    course.run("collect", "hw4")
    regraded = run_grade(course.root)
    assert regraded.returncode == 0, regraded.stderr[-3000:]
    row = grade_rows(course.root)["hw4-ann"]
    assert row["score"] == graded_row["score"]
    assert "changed-after-grading" in row["status"].split(";")
    assert "is not the one graded when it arrived" in regraded.stderr


def test_the_copy_taken_is_graded_even_when_the_folder_changes_before_grading(
    shared: SharedCourse,
) -> None:
    course = shared.course
    ann = shared.students["hw4-ann"]
    config = course.root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.SubmissionService.max_per_hour = 1\n")
    ann.submit()
    ann.submit(WITHOUT_RELU)
    log = serve_once(course)  # the first is graded; the second is taken, and waits
    assert "(rate limit)" in log, log
    second = max(inbound(course).glob("hw4-ann+hw4+*"))
    ann.run("/bin/cp", str(ann.stage("right")), str(second / "hw4.ipynb"))

    config.write_text(config.read_text() + "\nc.SubmissionService.max_per_hour = 0\n")
    log = serve_once(course)
    assert f"inbound/{second.name} was changed" in log, log
    row = grade_rows(course.root)["hw4-ann"]  # the latest counts: the bytes taken
    assert float(row["score"]) < float(row["max_score"]), log


def test_a_normal_submission_and_a_folder_the_instructor_writes_still_count(
    shared: SharedCourse, tmp_path: Path
) -> None:
    course = shared.course
    ann = shared.students["hw4-ann"]
    ann.submit()
    instructor = Student(course, "hw4-ben", tmp_path / "instructor")  # this test's account
    instructor.home.mkdir()
    instructor.submit(WITHOUT_RELU)
    log = serve_once(course)
    rows = grade_rows(course.root)
    assert rows["hw4-ann"]["status"] == "ok"
    assert rows["hw4-ann"]["score"] == rows["hw4-ann"]["max_score"]
    assert 0 < float(rows["hw4-ben"]["score"]) < float(rows["hw4-ben"]["max_score"]), log

    fetched = ann.nbgrader("fetch_feedback", "hw4", *ann.exchange_options)
    assert "Found feedback" in fetched.stdout + fetched.stderr
    page = ann.run("/bin/sh", "-c", f'cat "{ann.home}"/hw4/feedback/*/hw4.html').stdout
    assert "hw4-ann" in page

    course.submit("hw4-cat")  # a folder the instructor puts into submitted/ by hand
    graded = run_grade(course.root)
    assert graded.returncode == 0, graded.stderr[-3000:]
    assert "1 graded now, 2 already graded" in graded.stderr
    assert grade_rows(course.root)["hw4-cat"]["status"] == "ok"


def test_the_owner_check_maps_accounts_and_can_be_turned_off() -> None:
    from traitlets.config import Config

    from grader.course.trust import Trust

    ann, ben = (pwd.getpwnam(name).pw_uid for name in require_student_accounts())
    config = Config()
    assert Trust(config).foreign_owner({ben}, "hw4-ann") == "hw4-ben"
    assert Trust(config).foreign_owner({ann}, "hw4-ann") is None
    assert Trust(config).foreign_owner({ann, ben}, "hw4-ann") == "hw4-ben"  # every file
    assert Trust(config).foreign_owner({os.geteuid()}, "hw4-ann") is None  # the instructor
    config.ExchangeTrust.student_accounts = {"hw4-ben": "s-ben"}
    assert Trust(config).foreign_owner({ben}, "s-ben") is None
    assert Trust(config).foreign_owner({ben}, "hw4-ben") == "hw4-ben"
    config.ExchangeCollect.check_owner = False
    assert Trust(config).foreign_owner({ben}, "hw4-ann") is None
