"""An LMS zip collected by nbgrader's zip_collect: student IDs from paths, the newest attempt
wins, nothing unpacked outside, unsafe student IDs skipped."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.course import Course, CourseError
from grader.course.zip_collect import collect_zip


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


@pytest.fixture
def course(tmp_path: Path) -> Course:
    return Course.open(tmp_path / "course", "hw4")


def test_flat_and_folder_layouts(course: Course, tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "a.zip",
        {"ann_hw4.ipynb": b"1", "bob/hw4/hw4.ipynb": b"2", "notes.txt": b"x"},
    )
    collected = collect_zip(course, archive, "hw4.ipynb", None)
    assert collected.students == ["ann", "bob"]
    assert (course.submitted("ann") / "hw4.ipynb").read_bytes() == b"1"
    assert (course.submitted("bob") / "hw4.ipynb").read_bytes() == b"2"


def test_named_regexp_with_timestamps_keeps_the_newest(course: Course, tmp_path: Path) -> None:
    pattern = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)"
    archive = make_zip(
        tmp_path / "a.zip",
        {
            "hw4_cat_attempt_2024-01-02-10-00-00_hw4.ipynb": b"new",
            "hw4_cat_attempt_2024-01-01-10-00-00_hw4.ipynb": b"old",
        },
    )
    collected = collect_zip(course, archive, "hw4.ipynb", pattern)
    assert collected.students == ["cat"]
    folder = course.submitted("cat")
    assert sorted(p.name for p in folder.iterdir()) == ["hw4.ipynb", "timestamp.txt"]
    assert (folder / "hw4.ipynb").read_bytes() == b"new"
    assert (folder / "timestamp.txt").read_text() == "2024-01-02 10:00:00"


def test_the_course_s_named_regexp_is_used(tmp_path: Path) -> None:
    root = tmp_path / "course"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.FileNameCollectorPlugin.named_regexp = r'.*/(?P<student_id>\\w+)-(?P<file_id>\\w+)'\n"
    )
    archive = make_zip(tmp_path / "a.zip", {"dee-hw4.ipynb": b"1"})
    collected = collect_zip(Course.open(root, "hw4"), archive, "hw4.ipynb", None)
    assert collected.students == ["dee"]


def test_unsafe_student_ids_are_skipped(course: Course, tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "a.zip",
        {"__MACOSX/._eve_hw4.ipynb": b"0", ".hidden_hw4.ipynb": b"0", "a b_hw4.ipynb": b"0"},
    )
    collected = collect_zip(course, archive, "hw4.ipynb", None)
    assert collected.students == []
    assert any("'a b' is not a valid student ID" in line for line in collected.warnings)
    assert not (course.root / "submitted").exists() or not any(
        (course.root / "submitted").iterdir()
    )


@pytest.mark.parametrize("member", ["../evil/hw4.ipynb", "..\\x_hw4.ipynb", "/abs_hw4.ipynb"])
def test_paths_that_would_escape_are_refused(course: Course, tmp_path: Path, member: str) -> None:
    archive = make_zip(tmp_path / "a.zip", {member: b"1", "fine_hw4.ipynb": b"2"})
    with pytest.raises(CourseError, match="cannot collect"):
        collect_zip(course, archive, "hw4.ipynb", None)
    assert not (tmp_path / "evil").exists()
    assert list(tmp_path.rglob("*.ipynb")) == []


def test_a_file_that_is_not_a_zip_is_a_clear_error(course: Course, tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_text("not a zip")
    with pytest.raises(CourseError, match="cannot read the zip"):
        collect_zip(course, path, "hw4.ipynb", None)
