"""The class's grades as the LMS imports them.

- Canvas (Grades → Import): ``Student, ID, SIS User ID, SIS Login ID, Section`` and the
  assignment's column ``hw4 (<assignment id>)``, a ``Points Possible`` row, then a row per
  student; Canvas matches each row by its ``ID`` (the Canvas user ID). A student with no
  grade has an empty cell (Canvas then changes nothing).
- Moodle: ``Identifier`` (``Participant <id>``), ``Full name``, ``ID number``, ``Email
  address``, ``Grade``, ``Maximum Grade``, ``Last modified (grade)`` and ``Feedback
  comments``: the assignment's "Upload grading worksheet" reads Identifier, Grade, Last
  modified (grade) and Feedback comments by name; the gradebook's CSV import maps ID number
  or Email address to the student, Grade to the assignment and Feedback comments to its
  feedback.

The score is nbgrader's (the autograded and hand-graded points, less any late penalty),
read from its gradebook; the feedback text is the grader's report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.course import Course, CourseError
from grader.course.grade_one import Graded
from grader.course.lms.names import CANVAS, MOODLE
from grader.course.lms.record import Collected, read_record
from grader.course.lms.roster import CANVAS_COLUMNS, POINTS_POSSIBLE, Roster

MOODLE_COLUMNS = (
    "Identifier",
    "Full name",
    "ID number",
    "Email address",
    "Grade",
    "Maximum Grade",
    "Last modified (grade)",
    "Feedback comments",
)
PARTICIPANT = "Participant"
"""Moodle's word before the participant id in a worksheet's Identifier (English)."""
RECORD_NAME = "record.json"


@dataclass(frozen=True)
class Grade:
    """A student's score in nbgrader's gradebook, and the grader's feedback in words."""

    student: str
    score: float
    feedback: str


def number(value: float) -> str:
    """A score as the LMS reads it: at most two decimals, no trailing zeros."""
    return f"{round(value, 2):g}"


def gradebook_grades(gradebook: Any, course: Course) -> tuple[dict[str, Grade], float]:
    """Each graded student's score and feedback, and the assignment's points possible."""
    from nbgrader.api import MissingEntry

    try:
        assignment = gradebook.find_assignment(course.assignment)
    except MissingEntry as error:
        raise CourseError(f"the gradebook has no assignment {course.assignment}") from error
    grades = {}
    for submission in assignment.submissions:
        student = str(submission.student.id)
        grades[student] = Grade(student, float(submission.score), feedback_text(course, student))
    return grades, float(assignment.max_score)


def feedback_text(course: Course, student: str) -> str:
    """The grader's feedback as plain text: each question's points and sentence, and the
    problems found in the submission."""
    try:
        text = (course.student_reports(student) / RECORD_NAME).read_text(encoding="utf-8")
        graded = Graded.from_record(text)
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    lines = []
    for key, result in graded.report.questions.items():
        sentence = " ".join(result.feedback.split())
        lines.append(
            f"{key.upper()} {number(result.points)}/{number(result.max_points)}: {sentence}"
        )
    lines.extend(problem.message for problem in graded.problems)
    return "\n".join(lines)


def canvas_table(
    course: Course,
    roster: Roster,
    grades: dict[str, Grade],
    max_score: float,
    assignment_id: str | None = None,
) -> tuple[list[list[str]], list[str]]:
    """Canvas's gradebook import (rows, header first) and a line per student left out."""
    column = _canvas_column(course.assignment, roster, assignment_id)
    rows = [[*CANVAS_COLUMNS, column]]
    rows.append([POINTS_POSSIBLE, "", "", "", "", number(max_score)])
    lines = []
    listed: set[str] = set()
    for member in roster.members:
        grade = grades.get(member.student_id)
        score = number(grade.score) if grade else ""
        row = [member.name, member.lms_id, member.sis_user_id, member.sis_login_id]
        rows.append([*row, member.section, score])
        listed.add(member.student_id)
        if grade is None:
            lines.append(f"{member.student_id} ({member.name}): no grade; left empty")
    collected = read_record(course)
    for student in sorted(set(grades) - listed):
        entry = collected.get(student)
        if entry is not None and entry.platform == CANVAS and not entry.anonymous:
            rows.append([entry.name, entry.lms_id, "", "", "", number(grades[student].score)])
            lines.append(f"{student}: not in the roster; matched by Canvas user {entry.lms_id}")
        else:
            lines.append(f"{student}: graded, but no Canvas user is known; not in the file")
    return rows, lines


def _canvas_column(assignment: str, roster: Roster, assignment_id: str | None) -> str:
    """``hw4 (<id>)``: the id given, else the roster's column of the assignment."""
    if assignment_id:
        if not assignment_id.isdigit():
            raise CourseError(f"--assignment-id must be Canvas's number, not {assignment_id!r}")
        return f"{assignment} ({assignment_id})"
    found = roster.assignment_column(assignment)
    if found is None:
        raise CourseError(
            f"the roster {roster.source.name} has no column '{assignment} (<assignment id>)': "
            f"export Canvas's gradebook after creating {assignment} there, or give "
            "--assignment-id (the number in the assignment's Canvas address)"
        )
    return found[0]


def moodle_table(
    course: Course, roster: Roster, grades: dict[str, Grade], max_score: float
) -> tuple[list[list[str]], list[str]]:
    """Moodle's grade import (rows, header first) and a line per student left out."""
    collected = read_record(course)
    modified = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    rows = [list(MOODLE_COLUMNS)]
    lines = []
    members = {member.student_id: member for member in roster.members}
    for student in [*members, *sorted(set(grades) - set(members))]:
        member, grade = members.get(student), grades.get(student)
        entry: Collected | None = collected.get(student)
        participant = (member.lms_id if member else "") or (
            entry.lms_id if entry is not None and entry.platform == MOODLE else ""
        )
        if grade is None:
            lines.append(f"{student}: no grade; left empty")
        if member is None:
            lines.append(f"{student}: graded, not in the roster; identified by participant id")
        rows.append(
            [
                f"{PARTICIPANT} {participant}" if participant else "",
                member.name if member else (entry.name if entry else ""),
                member.id_number if member else "",
                member.email if member else "",
                number(grade.score) if grade else "",
                number(max_score),
                modified,
                grade.feedback if grade else "",
            ]
        )
    return rows, lines


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    """Rows as CSV: commas, quotes where needed, CRLF line ends as spreadsheets write."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def export_grades(
    course: Course,
    gradebook: Any,
    platform: str,
    target: Path,
    roster: Roster,
    assignment_id: str | None = None,
) -> list[str]:
    """Write the LMS's import file to ``target``; a line per student left out or empty."""
    grades, max_score = gradebook_grades(gradebook, course)
    if platform == CANVAS:
        rows, lines = canvas_table(course, roster, grades, max_score, assignment_id)
    else:
        rows, lines = moodle_table(course, roster, grades, max_score)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(csv_text(rows), encoding="utf-8", newline="")
    return lines
