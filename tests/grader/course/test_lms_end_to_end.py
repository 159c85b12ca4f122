"""A Canvas download and a Moodle download, made from the release with each platform's
own file names (late and anonymous ones too), graded with ``grade --zip … --roster …``, then
exported: the grade CSVs column by column and the feedback zips name by name, against each
platform's documented format (``lms_formats/``) and the rules each platform reads them by."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from grader import RUBRIC
from grader.course.lms.handout import make_handout
from tests.conftest import Course

from .builders import filled, reference_answers
from .run_command import environment, grade_rows, run_grade

pytestmark = pytest.mark.slow

FORMATS = Path(__file__).parent / "lms_formats"
CANVAS_ASSIGNMENT_ID = "777"
FULL = RUBRIC.max_score


@dataclass(frozen=True)
class Graded:
    root: Path
    output: str
    rows: dict[str, dict[str, str]]


def _export(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "export", "hw4", "--course", str(root), *args],
        cwd=root,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _submission(base: dict[str, Any], student: str, typed: str | None = None) -> bytes:
    """``base`` answered right for ``typed``'s numbers (the student's own by default)."""
    answers = reference_answers(typed or student)
    return json.dumps(filled(base, typed or student, answers=answers)).encode()


def _grade(
    released: Course,
    tmp: Path,
    roster_rows: list[str],
    roster_bytes: Callable[[str], bytes],
    members: dict[str, bytes],
) -> Graded:
    root = tmp / "course"
    shutil.copytree(released.root, root)
    roster = tmp / "roster.csv"
    roster.write_bytes(roster_bytes("\r\n".join(roster_rows) + "\r\n"))
    archive = tmp / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    done = run_grade(root, "--zip", str(archive), "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    return Graded(root, done.stderr, grade_rows(root))


# -- Canvas ---------------------------------------------------------------------------------

CANVAS_ROSTER = [
    f"Student;ID;SIS User ID;SIS Login ID;Section;hw4 ({CANVAS_ASSIGNMENT_ID});Current Score",
    "    Points Possible;;;;;12,00;(read only)",
    '"Doe, Jane";1001;s1001;jdoe;Section A;;',
    '"Smith, Bob";1002;s1002;bsmith;Section A;;',
    '"Lee, Ann";1003;s1003;alee;Section B;;',
    '"Kim, Joe";1004;s1004;jkim;Section B;;',
    '"Park, Mia";1006;s1006;mpark;Section B;;',
    '"Student, Test";1099;;;Section A;;',
]
"""Canvas's gradebook export in a semicolon locale, saved with a BOM."""


@pytest.fixture(scope="module")
def canvas(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    tmp = tmp_path_factory.mktemp("canvas")
    make_handout(released_course.path("release"), tmp / "handout")
    alone = json.loads((tmp / "handout" / "hw4.ipynb").read_text(encoding="utf-8"))
    members = {
        "doejane_1001_50001_hw4.ipynb": _submission(alone, "s1001"),
        "smithbob_LATE_1002_50002_hw4.ipynb": _submission(alone, "s1002", typed="s1001"),
        "smithbob_LATE_1002_50003_hw4-1.ipynb": _submission(alone, "s1002"),
        "leeann_1003_50004_hw4.ipynb": _submission(alone, "s1003", typed="s9999"),
        "LATE_anon_k3Xz9_50005_hw4.ipynb": _submission(alone, "s1004"),
        "newperson_2001_50006_hw4.ipynb": _submission(alone, "s2001"),
        "doejane_1001_50007_notes.txt": b"my notes",
    }
    return _grade(
        released_course,
        tmp,
        CANVAS_ROSTER,
        lambda text: b"\xef\xbb\xbf" + text.encode(),
        members,
    )


def test_canvas_download_graded_under_the_roster_s_ids(canvas: Graded) -> None:
    rows = canvas.rows
    assert sorted(rows) == ["s1001", "s1002", "s1003", "s1004", "s2001"]
    assert (float(rows["s1001"]["score"]), rows["s1001"]["status"]) == (FULL, "ok")
    assert (float(rows["s1002"]["score"]), rows["s1002"]["status"]) == (FULL, "late")
    assert rows["s1004"]["status"] == "late"  # anonymous: by the ID it types, in the roster
    assert float(rows["s1004"]["score"]) == FULL
    assert "student-id-mismatch" in rows["s1003"]["status"].split(";")
    assert float(rows["s1003"]["score"]) < FULL  # s9999's numbers are wrong for s1003
    assert rows["s2001"]["status"] == "not-in-roster"
    output = canvas.output
    assert "no submission from Park, Mia (s1006)" in output
    assert "doejane_1001_50007_notes.txt: not a notebook; skipped" in output
    assert "the notebook types STUDENT_ID = 's9999', the roster says 's1003'" in output
    assert "several notebooks; hw4-1.ipynb collected, not hw4.ipynb" in output
    assert "Student, Test" not in output


def test_canvas_grades_csv_is_canvas_s_import_format(canvas: Graded, tmp_path: Path) -> None:
    target = tmp_path / "canvas.csv"
    done = _export(canvas.root, "--to", "canvas", str(target))
    assert done.returncode == 0, done.stderr
    documented = _read_csv(FORMATS / "canvas_gradebook.csv")
    header, points, *students = _read_csv(target)
    # the student columns, one by one, as documented; then the assignment as "<title> (<id>)"
    assert header[:5] == documented[0][:5]
    assert re.fullmatch(r"(.+) \((\d+)\)", documented[0][5])
    assert header[5:] == [f"hw4 ({CANVAS_ASSIGNMENT_ID})"]
    assert points[0].strip() == documented[1][0].strip() == "Points Possible"
    assert points[1:5] == ["", "", "", ""]
    assert float(points[5]) == RUBRIC.total_points
    by_id = {row[1]: row for row in students}
    assert all(len(row) == 6 for row in students)
    expected = {
        "1001": ("Doe, Jane", "s1001", "jdoe", "Section A", "s1001"),
        "1002": ("Smith, Bob", "s1002", "bsmith", "Section A", "s1002"),
        "1003": ("Lee, Ann", "s1003", "alee", "Section B", "s1003"),
        "1004": ("Kim, Joe", "s1004", "jkim", "Section B", "s1004"),
        "1006": ("Park, Mia", "s1006", "mpark", "Section B", None),
        "2001": ("newperson", "", "", "", "s2001"),
    }
    assert sorted(by_id) == sorted(expected)
    for canvas_id, (name, sis_user, sis_login, section, student) in expected.items():
        row = by_id[canvas_id]
        assert row[0] == name and row[2:5] == [sis_user, sis_login, section]
        score = "" if student is None else canvas.rows[student]["score"]
        assert (float(row[5]) if row[5] else "") == (float(score) if score else "")
    assert "Park, Mia" not in [row[0] for row in students if row[5]]
    assert "s1006 (Park, Mia): no grade; left empty" in done.stderr


def test_nbgrader_export_plugin_writes_the_same(canvas: Graded, tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    assert _export(canvas.root, "--to", "canvas", str(ours)).returncode == 0
    Course(canvas.root).run(
        "export",
        "--exporter=grader.course.lms.nbgrader_export.CanvasExport",
        "--assignment=hw4",
        f"--to={theirs}",
    )
    assert theirs.read_bytes() == ours.read_bytes()


def _canvas_reupload_ids(name: str) -> list[str]:
    """Canvas's reading of a re-uploaded file: its first two all-digit ``_`` parts."""
    return [part for part in Path(name).name.split("_") if part.isdigit()][:2]


def test_canvas_feedback_zip_reuploads_to_each_submission(canvas: Graded, tmp_path: Path) -> None:
    target = tmp_path / "feedback.zip"
    done = _export(canvas.root, "--feedback-zip", str(target), "--to", "canvas")
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(target) as bundle:
        pages = {name: bundle.read(name) for name in bundle.namelist()}
    expected = {
        "s1001": ("1001", "50001"),
        "s1002": ("1002", "50003"),
        "s1003": ("1003", "50004"),
        "s1004": ("1004", "50005"),
        "s2001": ("2001", "50006"),
    }
    assert sorted(pages) == sorted(
        [
            "doejane_1001_50001_hw4-feedback.html",
            "smithbob_LATE_1002_50003_hw4-feedback.html",
            "leeann_1003_50004_hw4-feedback.html",
            "kimjoe_LATE_1004_50005_hw4-feedback.html",
            "newperson_2001_50006_hw4-feedback.html",
        ]
    )
    for name, data in pages.items():
        user, attachment = _canvas_reupload_ids(name)
        student = next(s for s, ids in expected.items() if ids == (user, attachment))
        page = canvas.root / "reports" / "hw4" / student / "feedback.html"
        assert data == page.read_bytes()


# -- Moodle ---------------------------------------------------------------------------------

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
        "Jane Doe_101_assignsubmission_file_/hw4.ipynb": _submission(release, "m001"),
        "Jane Doe_101_assignsubmission_onlinetext_/onlinetext.html": b"<p>hi</p>",
        "Bob Smith_102_assignsubmission_file/hw4.ipynb": _submission(release, "m002"),
        "Ann Lee_103_assignsubmission_file_hw4.ipynb": _submission(release, "ann@example.edu"),
        "Zed Who_105_assignsubmission_file_/hw4.ipynb": json.dumps(release).encode(),
        "stray.ipynb": b"{}",
    }
    return _grade(released_course, tmp, MOODLE_ROSTER, str.encode, members)


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
    done = _export(moodle.root, "--to", "moodle", str(target))
    assert done.returncode == 0, done.stderr
    worksheet = _read_csv(FORMATS / "moodle_grading_worksheet.csv")[0]
    grade_export = _read_csv(FORMATS / "moodle_grade_export.csv")[0]
    header, *students = _read_csv(target)
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
    done = _export(moodle.root, "--feedback-zip", str(target), "--to", "moodle")
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
    wrong = _export(moodle.root, "--to", "canvas", str(tmp_path / "x.csv"))
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        f"error: {moodle.root / 'reports/hw4/lms/roster.csv'} is a moodle roster, not a canvas one"
    ]
    missing = _export(moodle.root, "--to", "moodle")
    assert missing.returncode == 2 and len(missing.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.csv").exists()


def test_an_lms_download_without_a_roster_is_one_line(
    released_course: Course, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    shutil.copytree(released_course.root, root)
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("doejane_1001_50001_hw4.ipynb", b"{}")
    done = run_grade(root, "--zip", str(archive))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: {archive} is a Canvas download, which names students by their Canvas user: "
        "give --roster, Canvas's gradebook export (Grades → Export)"
    ]
    assert not (root / "submitted").exists()


def test_moodle_export_with_the_grading_worksheet_as_roster(moodle: Graded, tmp_path: Path) -> None:
    """The worksheet names each participant: its Identifier goes back as it came."""
    documented = _read_csv(FORMATS / "moodle_grading_worksheet.csv")[0]
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
    done = _export(moodle.root, "--to", "moodle", str(target), "--roster", str(worksheet))
    assert done.returncode == 0, done.stderr
    exported, *students = _read_csv(target)
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
    documented = _read_csv(FORMATS / "moodle_grading_worksheet.csv")[0]
    header = [*documented[:2], "ID number", *documented[2:]]
    lines = [",".join(f'"{cell}"' for cell in header)]
    for participant, number in (("7", "m001"), ("8", "m002")):
        lines.append(
            f'"Participant {participant}","Participant {participant}",{number},,'
            '"Submitted for grading",,12.00,Yes,,,'
        )
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    graded = _grade(
        released_course,
        tmp_path,
        lines,
        str.encode,
        {
            "Participant 7_7_assignsubmission_file_/hw4.ipynb": _submission(release, "m001"),
            "Participant 8_8_assignsubmission_file_/hw4.ipynb": _submission(
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
    done = _export(graded.root, "--feedback-zip", str(target), "--to", "moodle")
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
    assert _export(moodle.root, "--to", "moodle", str(ours)).returncode == 0
    Course(moodle.root).run(
        "export",
        "--exporter=grader.course.lms.nbgrader_export.MoodleExport",
        "--assignment=hw4",
        f"--to={theirs}",
    )
    header, *ours_rows = _read_csv(ours)
    theirs_header, *theirs_rows = _read_csv(theirs)
    assert theirs_header == header
    modified = header.index("Last modified (grade)")
    for row in (*ours_rows, *theirs_rows):
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", row[modified])
        row[modified] = ""
    assert theirs_rows == ours_rows
