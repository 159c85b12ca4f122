"""nbgrader export plugins: ``nbgrader export --exporter
grader.course.lms.nbgrader_export.CanvasExport --assignment hw4 --to canvas.csv`` (and
``MoodleExport``) write what ``python -m grader export hw4 --to canvas canvas.csv`` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbgrader.plugins import ExportPlugin
from traitlets import Unicode

from grader.course import Course, CourseError
from grader.course.lms.export import export_grades
from grader.course.lms.exporting import roster_of
from grader.course.lms.names import CANVAS, MOODLE


class _LmsExport(ExportPlugin):  # type: ignore[misc]
    """The grades of one assignment as an LMS imports them."""

    platform = ""
    roster = Unicode("", help="The LMS's class list (default: the one grade kept).").tag(
        config=True
    )
    assignment_id = Unicode("", help="Canvas's number of the assignment.").tag(config=True)

    def export(self, gradebook: Any) -> None:
        """Write ``--to`` (default: ``<lms>.csv``) for the one ``--assignment``."""
        if len(self.assignment) != 1:
            raise CourseError("give the one assignment to export: --assignment hw4")
        root = Path(self.parent.coursedir.root) if self.parent is not None else Path.cwd()
        course = Course.open(root, str(self.assignment[0]))
        roster = roster_of(course, Path(self.roster) if self.roster else None, self.platform)
        target = Path(self.to or f"{self.platform}.csv")
        lines = export_grades(
            course, gradebook, self.platform, target, roster, self.assignment_id or None
        )
        for line in lines:
            self.log.warning(line)
        self.log.info("wrote %s", target)


class CanvasExport(_LmsExport):
    """Canvas's gradebook import (Grades → Import)."""

    platform = CANVAS


class MoodleExport(_LmsExport):
    """Moodle's grade import (grading worksheet, or the gradebook's CSV import)."""

    platform = MOODLE
