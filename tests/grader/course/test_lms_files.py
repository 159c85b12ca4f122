"""Canvas's and Moodle's own files read as each platform writes them: download names,
rosters (a BOM, semicolons), and every bad input with one clear line and nothing lost."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from grader.course import Course, CourseError
from grader.course.lms.collect import check_submitted, collect_download, lms_platform
from grader.course.lms.feedback_zip import canvas_name_slug
from grader.course.lms.names import parse_download_name
from grader.course.lms.record import kept_roster, read_record
from grader.course.lms.roster import read_roster

FORMATS = Path(__file__).parent / "lms_formats"


def _documented_names() -> list[list[str]]:
    lines = (FORMATS / "download_names.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("row", _documented_names(), ids=lambda row: row[0])
def test_download_names_as_each_platform_makes_them(row: list[str]) -> None:
    name, platform, lms_id, late, anonymous, attachment, file_name = row
    parsed = parse_download_name(name)
    assert parsed is not None
    assert parsed.platform == platform
    assert parsed.lms_id == lms_id
    assert parsed.late is (late == "yes")
    assert parsed.anonymous is (anonymous == "yes")
    assert parsed.attachment_id == attachment
    assert parsed.file_name == file_name


def test_resubmission_suffixes() -> None:
    first = parse_download_name("doejane_1001_50001_hw4.ipynb")
    again = parse_download_name("doejane_1001_50002_hw4-1.ipynb")
    browser = parse_download_name("doejane_1001_50003_hw4 (2).ipynb")
    assert first is not None and again is not None and browser is not None
    assert (first.resubmission, again.resubmission, browser.resubmission) == (0, 1, 2)
    assert again.original_name == browser.original_name == "hw4.ipynb"


@pytest.mark.parametrize(
    "name", ["hw4.ipynb", "jane_hw4.ipynb", "readme.txt", "doejane_1001_hw4.ipynb", "a/b/c"]
)
def test_names_in_no_known_form(name: str) -> None:
    assert parse_download_name(name) is None


CANVAS_ROWS = [
    "Student;ID;SIS User ID;SIS Login ID;Section;hw4 (777);Current Score",
    "    Points Possible;;;;;10,00;(read only)",
    '"Doe, Jane";1001;s1001;jdoe;Section A;;',
    '"Smith, Bob";1002;;bsmith;Section A;;',
    '"Lee, Ann";1003;s1003;alee;Section B;;',
    '"Lee, Ann (again)";1004;s1003;alee2;Section B;;',
    '"Nobody, No";1005;;;Section B;;',
    '"Student, Test";1006;;;Section A;;',
]


def test_a_canvas_roster_with_a_bom_and_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "gradebook.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(CANVAS_ROWS).encode())
    roster = read_roster(path)
    assert roster.platform == "canvas"
    assert [(m.student_id, m.lms_id, m.name, m.section) for m in roster.members] == [
        ("s1001", "1001", "Doe, Jane", "Section A"),
        ("bsmith", "1002", "Smith, Bob", "Section A"),
        ("s1003", "1003", "Lee, Ann", "Section B"),
    ]
    assert roster.assignment_column("hw4") == ("hw4 (777)", "777")
    assert len(roster.problems) == 2
    twice, missing = roster.problems
    assert "line 6 (Lee, Ann (again))" in twice and "line 5 (Lee, Ann)" in twice
    assert "listed again" in twice and "s1003" in twice
    assert "line 7 (Nobody, No)" in missing and "no SIS User ID or SIS Login ID" in missing


def test_moodle_exports(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    header = (FORMATS / "moodle_grade_export.csv").read_text(encoding="utf-8").strip()
    export.write_text(
        f"{header}\nJane,Doe,m001,,,jane@example.edu,-,\nAnn,Lee,,,,ann@example.edu,-,\n"
        "Bob,Smith,m001,,,bob@example.edu,-,\n",
        encoding="utf-8",
    )
    roster = read_roster(export)
    assert roster.platform == "moodle"
    assert [(m.student_id, m.name, m.lms_id) for m in roster.members] == [
        ("m001", "Jane Doe", ""),
        ("ann@example.edu", "Ann Lee", ""),
    ]
    assert len(roster.problems) == 1 and "Bob Smith" in roster.problems[0]
    worksheet = tmp_path / "worksheet.csv"
    header = (FORMATS / "moodle_grading_worksheet.csv").read_text(encoding="utf-8").strip()
    worksheet.write_text(
        f'{header}\n"Participant 101","Jane Doe",jane@example.edu,"Submitted",,10,Yes,,,\n',
        encoding="utf-8",
    )
    (member,) = read_roster(worksheet).members
    assert (member.student_id, member.lms_id, member.name) == (
        "jane@example.edu",
        "101",
        "Jane Doe",
    )


def test_a_file_that_is_no_roster_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "grades.csv"
    path.write_text("student_id,score\nann,3\n", encoding="utf-8")
    with pytest.raises(CourseError, match="neither Canvas's gradebook export") as error:
        read_roster(path)
    assert "\n" not in str(error.value)


def _notebook(student_id: str) -> bytes:
    cell = {
        "cell_type": "code",
        "metadata": {"nbgrader": {"grade_id": "student_id"}},
        "source": [f"STUDENT_ID = {student_id!r}\n"],
        "outputs": [],
        "execution_count": None,
    }
    return json.dumps(
        {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ).encode()


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def test_bad_inputs_each_get_one_line_and_nothing_is_lost(tmp_path: Path) -> None:
    roster_path = tmp_path / "gradebook.csv"
    roster_path.write_text("\n".join(CANVAS_ROWS).replace(";", ","), encoding="utf-8")
    archive = _zip(
        tmp_path / "submissions.zip",
        {
            "doejane_1001_50001_hw4.ipynb": _notebook("s1001"),
            "smithbob_LATE_1002_50002_hw4.ipynb": _notebook("bsmith"),
            "smithbob_LATE_1002_50003_hw4-1.ipynb": _notebook("bsmith"),
            "leeann_1003_50004_hw4.ipynb": _notebook("s9999"),
            "newperson_1099_50005_hw4.ipynb": _notebook("s1099"),
            "ghost_1098_50006_hw4.ipynb": _notebook(""),
            "notes.txt": b"not a submission",
            "doejane_1001_50007_notes.pdf": b"%PDF",
            "__MACOSX/._doejane_1001_50001_hw4.ipynb": b"",
        },
    )
    course = Course.open(tmp_path / "course", "hw4")
    assert lms_platform(archive) == "canvas"
    found = collect_download(course, archive, "hw4.ipynb", read_roster(roster_path))
    assert found.students == ["bsmith", "s1001", "s1003", "s1099"]
    assert (course.submitted("bsmith") / "hw4.ipynb").read_bytes() == _notebook("bsmith")
    assert (course.submitted("s1003") / "hw4.ipynb").read_bytes() == _notebook("s9999")
    lines = "\n".join(found.lines)
    expected = [
        "roster: gradebook.csv line 6 (Lee, Ann (again)): the student ID of line 5",
        "notes.txt: not named as Canvas names a submission; skipped",
        "doejane_1001_50007_notes.pdf: not a notebook; skipped",
        "smithbob (Canvas user 1002): several notebooks; hw4-1.ipynb collected, not hw4.ipynb",
        "the notebook types STUDENT_ID = 's9999', the roster says 's1003'",
        "is not in the roster: filed under the STUDENT_ID its notebook types, s1099",
        "ghost (Canvas user 1098) (ghost_1098_50006_hw4.ipynb) is not in the roster and its "
        "notebook types no valid STUDENT_ID: not collected",
    ]
    for text in expected:
        assert text in lines
    assert "macosx" not in lines.lower()
    assert all("\n" not in line for line in found.lines)
    record = read_record(course)
    assert record["bsmith"].late and record["bsmith"].attachment_id == "50003"
    assert [code for code, _ in record["bsmith"].flags] == ["late"]
    assert [code for code, _ in record["s1099"].flags] == ["not-in-roster"]
    assert not record["s1001"].late and record["s1001"].flags == ()


def test_a_student_with_no_submission_is_named(tmp_path: Path) -> None:
    roster_path = tmp_path / "gradebook.csv"
    roster_path.write_text("\n".join(CANVAS_ROWS).replace(";", ","), encoding="utf-8")
    archive = _zip(tmp_path / "a.zip", {"doejane_1001_50001_hw4.ipynb": _notebook("s1001")})
    found = collect_download(
        Course.open(tmp_path / "c", "hw4"), archive, "hw4.ipynb", read_roster(roster_path)
    )
    assert "no submission from Smith, Bob (bsmith)" in found.lines
    assert "no submission from Lee, Ann (s1003)" in found.lines


def test_an_lms_download_without_a_roster_is_refused(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"Jane Doe_101_assignsubmission_file_/hw4.ipynb": b"{}"})
    course = Course.open(tmp_path / "c", "hw4")
    with pytest.raises(CourseError, match=r"Moodle download, .*give --roster"):
        collect_download(course, archive, "hw4.ipynb", None)
    assert not (tmp_path / "c" / "submitted").exists()


def test_a_roster_without_a_download_is_checked_against_the_folders(tmp_path: Path) -> None:
    roster_path = tmp_path / "gradebook.csv"
    roster_path.write_text("\n".join(CANVAS_ROWS).replace(";", ","), encoding="utf-8")
    course = Course.open(tmp_path / "c", "hw4")
    for student in ("s1001", "zed"):
        course.submitted(student).mkdir(parents=True)
    lines = check_submitted(course, read_roster(roster_path))
    assert "zed: a submission, but not in the roster" in lines
    assert "no submission from Smith, Bob (bsmith)" in lines
    assert not any("s1001" in line for line in lines)
    assert kept_roster(course) is not None
    assert kept_roster(course).read_bytes() == roster_path.read_bytes()  # type: ignore[union-attr]


def test_a_roster_of_the_other_lms_is_refused(tmp_path: Path) -> None:
    roster_path = tmp_path / "gradebook.csv"
    roster_path.write_text("\n".join(CANVAS_ROWS).replace(";", ","), encoding="utf-8")
    archive = _zip(tmp_path / "a.zip", {"Jane Doe_101_assignsubmission_file_/hw4.ipynb": b"{}"})
    course = Course.open(tmp_path / "c", "hw4")
    with pytest.raises(CourseError, match=r"is a Moodle download but .* is a Canvas roster"):
        collect_download(course, archive, "hw4.ipynb", read_roster(roster_path))
    assert not (tmp_path / "c" / "submitted").exists()


@pytest.mark.parametrize(
    ("sortable", "slug"),
    [("Doe, Jane", "doejane"), ("O'Brien, Pat", "obrienpat"), ("Doe_1_, Jane", "doe1jane")],
)
def test_names_in_canvas_files_are_canvas_s_slugs(sortable: str, slug: str) -> None:
    """As Canvas writes a sortable name into a download name (lower case, word characters,
    no ``_<digits>_`` left that its re-upload would take for an id)."""
    assert canvas_name_slug(sortable) == slug
