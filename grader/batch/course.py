"""Where things live in an nbgrader course directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class CourseError(Exception):
    """The course directory lacks what grading needs (the message says what)."""


@dataclass(frozen=True)
class CoursePaths:
    """The nbgrader layout (default paths) of one assignment in a course root."""

    root: Path
    assignment: str

    @property
    def submitted(self) -> Path:
        """``submitted/``: one folder per student, each holding ``<assignment>/``."""
        return self.root / "submitted"

    @property
    def release(self) -> Path:
        """The student version of the assignment, as released."""
        return self.root / "release" / self.assignment

    @property
    def gradebook(self) -> Path:
        """nbgrader's gradebook database."""
        return self.root / "gradebook.db"

    @property
    def grades_csv(self) -> Path:
        """The class's grade table."""
        return self.root / "grades.csv"

    @property
    def reports(self) -> Path:
        """Per-student reports and the class summary."""
        return self.root / "reports" / self.assignment

    def autograded(self, student: str) -> Path:
        """Where nbgrader (and ``formgrade``) expects a student's executed notebooks."""
        return self.root / "autograded" / student / self.assignment

    def student_reports(self, student: str) -> Path:
        """A student's feedback page, ``results.json`` and grading record."""
        return self.reports / student

    @property
    def summary(self) -> Path:
        """The class summary's folder."""
        return self.reports / "class-summary"
