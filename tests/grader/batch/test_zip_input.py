"""Collecting an LMS zip: student IDs from paths, newest attempt wins, nothing unsafe unpacked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from grader.batch.course import CourseError
from grader.batch.zip_input import collect_zip


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return path


def test_flat_and_folder_layouts(tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "a.zip",
        {"ann_hw4.ipynb": b"1", "bob/hw4/hw4.ipynb": b"2", "notes.txt": b"x"},
    )
    collected = collect_zip(archive, tmp_path / "submitted", "hw4", "hw4.ipynb", None)
    assert collected.students == ["ann", "bob"]
    assert (tmp_path / "submitted" / "ann" / "hw4" / "hw4.ipynb").read_bytes() == b"1"
    assert (tmp_path / "submitted" / "bob" / "hw4" / "hw4.ipynb").read_bytes() == b"2"


def test_named_regexp_with_timestamps_keeps_the_newest(tmp_path: Path) -> None:
    pattern = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)"
    archive = make_zip(
        tmp_path / "a.zip",
        {
            "hw4_cat_attempt_2024-01-02-10-00-00_hw4.ipynb": b"new",
            "hw4_cat_attempt_2024-01-01-10-00-00_hw4.ipynb": b"old",
        },
    )
    collected = collect_zip(archive, tmp_path / "s", "hw4", "hw4.ipynb", pattern)
    assert collected.students == ["cat"]
    folder = tmp_path / "s" / "cat" / "hw4"
    assert (folder / "hw4.ipynb").read_bytes() == b"new"
    assert (folder / "timestamp.txt").read_text() == "2024-01-02-10-00-00"
    assert len(collected.skipped) == 1


def test_paths_that_would_escape_are_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "a.zip", {"../evil/hw4.ipynb": b"1", "..\\x_hw4.ipynb": b"2"})
    collected = collect_zip(archive, tmp_path / "s", "hw4", "hw4.ipynb", None)
    assert collected.students == []
    assert not (tmp_path / "evil").exists()
    assert [p.name for p in tmp_path.rglob("*.ipynb")] == []


def test_a_file_that_is_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_text("not a zip")
    with pytest.raises(CourseError, match="cannot read the zip"):
        collect_zip(path, tmp_path / "s", "hw4", "hw4.ipynb", None)
