"""``python -m grader serve`` against bad input and faults: one clear log line each, a page
for the student wherever the student can be identified, and the service keeps going."""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Course
from tests.grader.course.exchange import Student, done_records, inbound, make_students, run_serve

pytestmark = [pytest.mark.slow, pytest.mark.exchange]


BIG = 30_000_000
"""Larger than the service's default cap on one submission (20 MB)."""


def only_folder(student: Student) -> Path:
    """The student's one submission folder in inbound/."""
    (folder,) = inbound(student.course).glob(f"{student.student_id}+hw4+*")
    return folder


def test_bad_submissions_are_answered_and_the_good_one_is_graded(
    course: Course, tmp_path: Path
) -> None:
    (course.root / "nbgrader_config.py").open("a").write("\nc.SubmissionService.max_per_hour = 2\n")
    names = ["good", "breaker", "huge", "zipper", "linker", "spammer"]
    good, breaker, huge, zipper, linker, spammer = make_students(course, tmp_path, names)
    for student in (good, breaker, huge, zipper, linker):
        student.submit()
    # a notebook that breaks the grader's JSON reader (nesting deeper than Python recurses)
    (only_folder(breaker) / "hw4.ipynb").write_text(
        '{"cells": ' + "[" * 200_000 + "]" * 200_000 + "}"
    )
    with open(only_folder(huge) / "data.bin", "wb") as stream:  # sparse: costs no disk
        stream.truncate(BIG)
    with zipfile.ZipFile(only_folder(zipper) / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("zeros.bin", b"\0" * BIG)  # never opened by the grader
    (only_folder(linker) / "hw4_variant.py").unlink()
    os.symlink("/etc/passwd", only_folder(linker) / "hw4_variant.py")
    for _ in range(40):  # many submissions in a few seconds
        spammer.submit()
    box = inbound(course)
    (box / "some one+hw4+2026-01-01 00:00:00.000000 UTC+x").mkdir()  # not a student ID
    (box / "other+hw3+2026-01-01 00:00:00.000000 UTC+x").mkdir()  # another assignment
    os.symlink("/etc", box / "sneaky+hw4+2026-01-01 00:00:00.000000 UTC+x")

    served = run_serve(course, "--once", "--jobs", "2")
    log = served.stderr
    assert served.returncode == 0, log[-3000:]
    assert len(good.released_pages()) == 1
    assert "score 11/11 status ok" in next(
        line for line in log.splitlines() if " graded good " in line
    )

    page = breaker.released_pages()[0].read_text(encoding="utf-8")
    assert "grading this submission failed" in page and "RecursionError" in log
    page = huge.released_pages()[0].read_text(encoding="utf-8")
    assert "not graded" in page and "larger than the 20,000,000 bytes allowed" in page
    assert "status ok" in next(line for line in log.splitlines() if " graded zipper " in line)
    copied = [p for p in course.root.rglob("*") if p.is_file() and "exchange" not in p.parts]
    assert max(p.stat().st_size for p in copied) < 1_000_000  # nothing huge was copied
    page = linker.released_pages()[0].read_text(encoding="utf-8")
    assert "is a link, and links are not accepted" in page
    assert "/etc/passwd" not in page and "root:" not in page

    assert "'some one' is not a valid student ID" in log
    assert (
        "left other+hw3+" in log and (box / "other+hw3+2026-01-01 00:00:00.000000 UTC+x").is_dir()
    )
    assert "sneaky: cannot grade" in log and "is not a folder" in log
    assert sum(" graded spammer " in line for line in log.splitlines()) == 2
    pages = [p.read_text(encoding="utf-8") for p in spammer.released_pages()]
    waiting = [page for page in pages if "is waiting" in page]
    assert len(pages) == 40 and len(waiting) == 38  # none dropped silently
    when = r"graded at about \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
    assert all(re.search(when, page) for page in waiting)
    status = run_serve(course, "--status")
    # the spammer's 38, and the one that broke the grader (graded again on a restart)
    assert "not running" in status.stdout and "waiting: 39 submission(s)" in status.stdout
    assert {str(r["student"]) for r in done_records(course)} == set(names)


def test_an_unreadable_submission_is_logged_and_the_others_are_graded(
    course: Course, tmp_path: Path
) -> None:
    locked, good = make_students(course, tmp_path, ["locked", "good"])
    locked.submit()
    good.submit()
    folder = only_folder(locked)
    folder.chmod(0)
    # root reads anything: the service then runs without the capabilities that allow it
    prefix = (
        ("setpriv", "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
    )
    try:
        served = run_serve(course, "--once", "--jobs", "1", prefix=prefix)
    finally:
        folder.chmod(0o755)
    assert served.returncode == 0, served.stderr[-3000:]
    line = next(line for line in served.stderr.splitlines() if "locked: cannot grade" in line)
    assert "permission denied" in line and "left in inbound" in line
    assert " graded good " in served.stderr
    assert len(good.released_pages()) == 1


def test_a_full_disk_loses_nothing(course: Course, tmp_path: Path) -> None:
    (student,) = make_students(course, tmp_path, ["patient"])
    student.submit()
    autograded = course.root / "autograded"
    autograded.mkdir()
    # a disk of 64 KiB that is already full, in a mount namespace of the command's own
    fill = (
        'mount -t tmpfs -o size=64k tmpfs "$0" && cat /dev/zero > "$0/filler" 2>/dev/null;'
        ' exec "$@"'
    )
    prefix = ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c", fill, str(autograded))
    full = run_serve(course, "--once", "--jobs", "1", "--unsafe-no-sandbox", prefix=prefix)
    assert full.returncode == 0, full.stderr[-3000:]
    assert "No space left on device" in full.stderr and "trying again" in full.stderr
    assert done_records(course) == []
    page = student.released_pages()[0].read_text(encoding="utf-8")
    assert "could not be saved yet" in page

    again = run_serve(course, "--once", "--jobs", "1")
    assert again.returncode == 0, again.stderr[-3000:]
    assert " graded patient " in again.stderr
    assert [r["student"] for r in done_records(course)] == ["patient"]
    assert "could not be saved" not in student.released_pages()[0].read_text(encoding="utf-8")
    shutil.rmtree(autograded)
