"""One export, whoever asks: ``python -m grader export`` and nbgrader's export plugins."""

from __future__ import annotations

import warnings
from pathlib import Path

from grader.course import Course, CourseError
from grader.course.lms.export import export_grades
from grader.course.lms.feedback_zip import feedback_zip
from grader.course.lms.record import kept_roster
from grader.course.lms.roster import Roster, read_roster


def roster_of(course: Course, given: Path | None, platform: str) -> Roster:
    """The roster given, else the one ``grade --roster`` kept; it must be the LMS's."""
    path = given or kept_roster(course)
    if path is None:
        raise CourseError(
            f"no roster: give --roster (the {platform} class list), or grade with --roster"
        )
    roster = read_roster(path)
    if roster.platform != platform:
        raise CourseError(f"{path} is a {roster.platform} roster, not a {platform} one")
    return roster


def export(
    course: Course,
    platform: str,
    target: Path,
    roster_path: Path | None,
    assignment_id: str | None = None,
    zip_of_pages: Path | None = None,
) -> list[str]:
    """The grades CSV (or, with ``zip_of_pages``, the pages' zip) for ``platform``."""
    if zip_of_pages is not None:
        has_roster = roster_path is not None or kept_roster(course) is not None
        roster = roster_of(course, roster_path, platform) if has_roster else None
        return feedback_zip(course, platform, zip_of_pages, roster)
    from nbgrader.api import Gradebook

    roster = roster_of(course, roster_path, platform)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
        with Gradebook(course.gradebook_url, course.course_id) as gradebook:
            return export_grades(course, gradebook, platform, target, roster, assignment_id)
