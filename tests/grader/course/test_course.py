"""The course as nbgrader configures it: its course id and folders, read through traitlets."""

from __future__ import annotations

from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from grader.course import Course, CourseError
from tests.conftest import Course as CourseCopy


def test_the_course_id_and_folders_are_nbgrader_s(released_course: CourseCopy) -> None:
    root = released_course.root
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    course = Course.open(root, "hw4")
    assert course.course_id == config.CourseDirectory.course_id
    assert course.gradebook_url == f"sqlite:///{root / 'gradebook.db'}"
    assert course.submitted("amy") == root / "submitted" / "amy" / "hw4"
    assert course.autograded("amy") == root / "autograded" / "amy" / "hw4"
    assert course.release == root / "release" / "hw4"


def test_configured_folders_are_honoured(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.submitted_directory = 'handed-in'\n"
        "c.CourseDirectory.course_id = 'x'\n"
    )
    for name in ("amy", "bad name", ".hidden"):
        (tmp_path / "handed-in" / name / "hw4").mkdir(parents=True)
    (tmp_path / "handed-in" / "ben" / "hw3").mkdir(parents=True)
    course = Course.open(tmp_path, "hw4")
    assert course.course_id == "x"
    assert course.submitted("amy") == tmp_path / "handed-in" / "amy" / "hw4"
    assert course.submitters() == (["amy"], ["bad name"])


def test_no_config_gives_nbgrader_s_defaults(tmp_path: Path) -> None:
    course = Course.open(tmp_path, "hw4")
    assert course.course_id == ""
    assert course.submitted("amy") == tmp_path / "submitted" / "amy" / "hw4"
    assert course.submitters() == ([], [])


def test_a_config_that_fails_is_named(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n1 / 0\n")
    with pytest.raises(CourseError, match=r"nbgrader_config\.py"):
        Course.open(tmp_path, "hw4")
