"""A Moodle download, made from the release with Moodle's own folder names (blind marking
too), graded with ``grade --zip … --roster …``, then exported: the grade CSV column by
column and the feedback zip name by name, against Moodle's documented format
(``lms_formats/``) and the rules Moodle reads them by."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader import RUBRIC
from tests.conftest import Course

from .lms_downloads import FORMATS, FULL, Graded, export, grade, read_csv, submission

pytestmark = pytest.mark.slow

MOODLE_ROSTER = [
    '"First name";"Last name";"ID number";Institution;Department;"Email address";'
    '"Assignment: hw4 (Real)";"Last downloaded from this course"',
    "Jane;Doe;m001;;;jane@example.edu;-;",
    "Bob;Smith;m002;;;bob@example.edu;-;",
    "Ann;Lee;;;;ann@example.edu;-;",
    "Joe;Kim;m004;;;joe@example.edu;-;",
    "Joe;Kim;m004;;;joe.kim@example.edu;-;",
]
"""Moodle's grade export, semicolons, with a student listed twice."""


@pytest.fixture(scope="module")
def moodle(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    tmp = tmp_path_factory.mktemp("moodle")
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    members = {
        "Jane Doe_101_assignsubmission_file_/hw4.ipynb": submission(release, "m001"),
        "Jane Doe_101_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "Bob Smith_102_assignsubmission_file/hw4.ipynb": submission(release, "m002"),
        "Ann Lee_103_assignsubmission_file_hw4.ipynb": submission(release, "ann@example.edu"),
        "Zed Who_105_assignsubmission_file_/hw4.ipynb": json.dumps(release).encode(),
        "stray.ipynb": b"{}",
    }
    return grade(released_course, tmp, MOODLE_ROSTER, str.encode, members)


def test_moodle_download_graded_under_the_roster_s_ids(moodle: Graded) -> None:
    assert sorted(moodle.rows) == ["ann@example.edu", "m001", "m002"]
    assert all(row["status"] == "ok" for row in moodle.rows.values())
    assert all(float(row["score"]) == FULL for row in moodle.rows.values())
    output = moodle.output
    assert "roster: roster.csv line 6 (Joe Kim): the student ID of line 5" in output
    assert "stray.ipynb: not named as Moodle names a submission; skipped" in output
    assert "onlinetext.html: not a notebook; skipped" in output
    assert "Zed Who (Moodle participant 105)" in output and "not collected" in output
    assert "no submission from Joe Kim (m004)" in output


def test_moodle_grades_csv_is_moodle_s_import_format(moodle: Graded, tmp_path: Path) -> None:
    target = tmp_path / "moodle.csv"
    done = export(moodle.root, "--to", "moodle", str(target))
    assert done.returncode == 0, done.stderr
    worksheet = read_csv(FORMATS / "moodle_grading_worksheet.csv")[0]
    grade_export = read_csv(FORMATS / "moodle_grade_export.csv")[0]
    header, *students = read_csv(target)
    # what the worksheet importer finds by name, and what the gradebook import maps
    for column in ("Identifier", "Grade", "Last modified (grade)", "Feedback comments"):
        assert column in worksheet and column in header
    assert {"ID number", "Email address"} <= set(grade_export) & set(header)
    col = {name: header.index(name) for name in header}
    by_number = {row[col["ID number"]] or row[col["Email address"]]: row for row in students}
    assert sorted(by_number) == ["ann@example.edu", "m001", "m002", "m004"]
    participants = {"m001": "101", "m002": "102", "ann@example.edu": "103"}
    for student, row in by_number.items():
        assert len(row) == len(header)
        if student in participants:
            identifier = row[col["Identifier"]]
            assert identifier == f"Participant {participants[student]}"
            assert float(row[col["Grade"]]) == float(moodle.rows[student]["score"])
            assert float(row[col["Maximum Grade"]]) == RUBRIC.total_points
            assert "Q1 " in row[col["Feedback comments"]]
        else:
            assert row[col["Grade"]] == "" and row[col["Identifier"]] == ""
    assert "m004: no grade; left empty" in done.stderr


def _moodle_import_target(name: str) -> tuple[str, str, str] | None:
    """Moodle's reading of a feedback zip's file (``is_valid_filename_for_import``): the
    first path part ``<name>_<participant id>_<plugin type>_<plugin>…``."""
    for part in name.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit():
            return info[1], info[2], info[3]
    return None


def test_moodle_feedback_zip_uploads_to_each_participant(moodle: Graded, tmp_path: Path) -> None:
    target = tmp_path / "feedback.zip"
    done = export(moodle.root, "--feedback-zip", str(target), "--to", "moodle")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as bundle:
        pages = {name: bundle.read(name) for name in bundle.namelist()}
    assert sorted(pages) == [
        "Ann Lee_103_assignsubmission_file_/hw4-feedback.html",
        "Bob Smith_102_assignsubmission_file/hw4-feedback.html",
        "Jane Doe_101_assignsubmission_file_/hw4-feedback.html",
    ]
    participants = {"101": "m001", "102": "m002", "103": "ann@example.edu"}
    for name, data in pages.items():
        found = _moodle_import_target(name)
        assert found is not None and found[1:] == ("assignsubmission", "file")
        page = moodle.root / "reports" / "hw4" / participants[found[0]] / "feedback.html"
        assert data == page.read_bytes()


def test_export_errors_are_one_line(moodle: Graded, tmp_path: Path) -> None:
    wrong = export(moodle.root, "--to", "canvas", str(tmp_path / "x.csv"))
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        f"error: {moodle.root / 'reports/hw4/lms/roster.csv'} is a moodle roster, not a canvas one"
    ]
    missing = export(moodle.root, "--to", "moodle")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_moodle_export_with_the_grading_worksheet_as_roster(moodle: Graded, tmp_path: Path) -> None:
    """The worksheet names each participant: its Identifier goes back as it came."""
    documented = read_csv(FORMATS / "moodle_grading_worksheet.csv")[0]
    header = [*documented[:2], "ID number", *documented[2:]]  # the site shows ID numbers
    rows = [
        ["Participant 9101", "Jane Doe", "m001", "jane@example.edu"],
        ["Participant 9102", "Bob Smith", "m002", "bob@example.edu"],
    ]
    worksheet = tmp_path / "worksheet.csv"
    with worksheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([*row, "Submitted", "", "12", "Yes", "", "", ""])
    target = tmp_path / "moodle.csv"
    done = export(moodle.root, "--to", "moodle", str(target), "--roster", str(worksheet))
    assert done.returncode == 0, done.stderr
    exported, *students = read_csv(target)
    col = {name: exported.index(name) for name in exported}
    by_identifier = {row[col["Identifier"]]: row for row in students}
    assert by_identifier["Participant 9101"][col["Grade"]] == moodle.rows["m001"]["score"]
    assert by_identifier["Participant 9102"][col["Grade"]] == moodle.rows["m002"]["score"]
    # graded, but not in this roster: identified by the participant id of its download
    ann = by_identifier["Participant 103"]
    assert float(ann[col["Grade"]]) == float(moodle.rows["ann@example.edu"]["score"])
    assert "ann@example.edu: graded, not in the roster" in done.stderr


def test_moodle_blind_marking_download_with_the_worksheet_as_roster(
    released_course: Course, tmp_path: Path
) -> None:
    """Blind marking: names are "Participant <id>"; the worksheet says whose they are."""
    documented = read_csv(FORMATS / "moodle_grading_worksheet.csv")[0]
    header = [*documented[:2], "ID number", *documented[2:]]
    lines = [",".join(f'"{cell}"' for cell in header)]
    for participant, number in (("7", "m001"), ("8", "m002")):
        lines.append(
            f'"Participant {participant}","Participant {participant}",{number},,'
            '"Submitted for grading",,12.00,Yes,,,'
        )
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    graded = grade(
        released_course,
        tmp_path,
        lines,
        str.encode,
        {
            "Participant 7_7_assignsubmission_file_/hw4.ipynb": submission(release, "m001"),
            "Participant 8_8_assignsubmission_file_/hw4.ipynb": submission(
                release, "m002", typed="m001"
            ),
        },
    )
    assert sorted(graded.rows) == ["m001", "m002"]
    assert (graded.rows["m001"]["status"], float(graded.rows["m001"]["score"])) == ("ok", FULL)
    assert graded.rows["m002"]["status"] == "student-id-mismatch"
    assert float(graded.rows["m002"]["score"]) < FULL  # m001's numbers, graded as m002's
    assert "the notebook types STUDENT_ID = 'm001', the roster says 'm002'" in graded.output
    target = tmp_path / "feedback.zip"
    done = export(graded.root, "--feedback-zip", str(target), "--to", "moodle")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as bundle:
        names = sorted(bundle.namelist())
    assert names == [
        "Participant 7_7_assignsubmission_file_/hw4-feedback.html",
        "Participant 8_8_assignsubmission_file_/hw4-feedback.html",
    ]
    assert [_moodle_import_target(name) for name in names] == [
        ("7", "assignsubmission", "file"),
        ("8", "assignsubmission", "file"),
    ]


def test_nbgrader_moodle_export_plugin_writes_the_same(moodle: Graded, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    assert export(moodle.root, "--to", "moodle", str(ours)).returncode == 0
    Course(moodle.root).run(
        "export",
        "--exporter=grader.course.lms.nbgrader_export.MoodleExport",
        "--assignment=hw4",
        f"--to={theirs}",
    )
    header, *ours_rows = read_csv(ours)
    theirs_header, *theirs_rows = read_csv(theirs)
    assert theirs_header == header
    modified = header.index("Last modified (grade)")
    for row in (*ours_rows, *theirs_rows):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row[modified])
        row[modified] = ""
    assert theirs_rows == ours_rows
