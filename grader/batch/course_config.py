"""The few settings of the course's ``nbgrader_config.py`` that the batch honours."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.batch.course import CourseError

CONFIG_NAME = "nbgrader_config.py"
DEFAULT_COURSE_ID = "default_course"


@dataclass(frozen=True)
class CourseConfig:
    """nbgrader's course id (the gradebook's course) and the zip collector's file-name regexp."""

    course_id: str = DEFAULT_COURSE_ID
    named_regexp: str | None = None


def read_course_config(root: Path) -> CourseConfig:
    """Load ``nbgrader_config.py`` from the course root the way nbgrader does (traitlets)."""
    if not (root / CONFIG_NAME).is_file():
        return CourseConfig()
    from traitlets.config.loader import PyFileConfigLoader

    try:
        config = PyFileConfigLoader(CONFIG_NAME, path=str(root)).load_config()
    except Exception as error:  # the file is the instructor's Python: anything may fail
        raise CourseError(f"cannot load {root / CONFIG_NAME}: {error}") from error
    course_id = config.CourseDirectory.get("course_id", DEFAULT_COURSE_ID)
    regexp = config.FileNameCollectorPlugin.get("named_regexp") or None
    return CourseConfig(str(course_id), str(regexp) if regexp else None)
