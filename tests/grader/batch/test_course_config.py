"""Course settings read without running the config file."""

from __future__ import annotations

from pathlib import Path

from traitlets.config.loader import PyFileConfigLoader

from grader.batch.course_config import configured_named_regexp, gradebook_course_id
from tests.conftest import Course


def test_course_id_is_the_one_nbgrader_recorded(released_course: Course) -> None:
    config = PyFileConfigLoader("nbgrader_config.py", path=str(released_course.root)).load_config()
    expected = config.CourseDirectory.course_id
    assert gradebook_course_id(released_course.root / "gradebook.db", "hw4") == expected


def test_unknown_assignment_or_missing_gradebook_give_nbgrader_default(tmp_path: Path) -> None:
    assert gradebook_course_id(tmp_path / "missing.db", "hw4") == "default_course"


def test_named_regexp_literal_is_found(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'x'\n"
        "c.FileNameCollectorPlugin.named_regexp = r'(?P<student_id>\\w+)_(?P<file_id>.*)'\n"
    )
    assert configured_named_regexp(tmp_path) == r"(?P<student_id>\w+)_(?P<file_id>.*)"


def test_no_config_or_no_regexp(tmp_path: Path) -> None:
    assert configured_named_regexp(tmp_path) is None
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert configured_named_regexp(tmp_path) is None
