"""A Canvas download, made from the lone notebook of the release with Canvas's own file
names (late, anonymous and re-uploaded ones), graded with ``grade --zip … --roster …``, then
exported: the grade CSV column by column and the feedback zip name by name, against
Canvas's documented format (``lms_formats/``) and the rules Canvas reads them by."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from grader import RUBRIC
from grader.course.lms.handout import make_handout
from tests.conftest import Course

from .lms_downloads import FORMATS, FULL, Graded, export, grade, read_csv, submission
from .run_command import run_grade

pytestmark = pytest.mark.slow

CANVAS_ASSIGNMENT_ID = "777"


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
        "doejane_1001_50001_hw4.ipynb": submission(alone, "s1001"),
        "smithbob_LATE_1002_50002_hw4.ipynb": submission(alone, "s1002", typed="s1001"),
        "smithbob_LATE_1002_50003_hw4-1.ipynb": submission(alone, "s1002"),
        "leeann_1003_50004_hw4.ipynb": submission(alone, "s1003", typed="s9999"),
        "LATE_anon_k3Xz9_50005_hw4.ipynb": submission(alone, "s1004"),
        "newperson_2001_50006_hw4.ipynb": submission(alone, "s2001"),
        "doejane_1001_50007_notes.txt": b"my notes",
    }
    return grade(
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
    done = export(canvas.root, "--to", "canvas", str(target))
    assert done.returncode == 0, done.stderr
    documented = read_csv(FORMATS / "canvas_gradebook.csv")
    header, points, *students = read_csv(target)
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
    assert export(canvas.root, "--to", "canvas", str(ours)).returncode == 0
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


def test_canvas_feedback_zip_reuploads_to_eachsubmission(canvas: Graded, tmp_path: Path) -> None:
    target = tmp_path / "feedback.zip"
    done = export(canvas.root, "--feedback-zip", str(target), "--to", "canvas")
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
