"""The class list from an LMS's own export: which student ID each LMS user has.

- Canvas, the gradebook export (Grades → Export): ``Student, ID, SIS User ID, SIS Login
  ID[, Integration ID], Section`` and a column per assignment, ``hw4 (<assignment id>)``;
  a ``Points Possible`` row and the Test Student are not students. The student ID is the
  SIS User ID, else the SIS Login ID; the LMS id is Canvas's user ID (the ``ID`` column).
- Moodle, the grade export (Grades → Export → Plain text file): ``First name, Last name, ID
  number, …, Email address`` and a column per grade item; or the assignment's grading
  worksheet (``Identifier`` = ``Participant <id>``, ``Full name``, …). The student ID is
  the ID number, else the email address; the LMS id is the participant id (the
  worksheet's), else the student is found by full name.

Rows the roster cannot use (no student ID, an ID that is no safe folder name, an ID or an
LMS user listed twice) are left out, each with one line in :attr:`Roster.problems`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import STUDENT_ID_PATTERN, CourseError
from grader.course.lms.names import CANVAS, MOODLE
from grader.course.lms.table import Table, read_table

CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
"""The student columns Canvas's gradebook import expects, in this order."""
POINTS_POSSIBLE = "Points Possible"
TEST_STUDENTS = ("student, test", "test student")
PARTICIPANT = re.compile(r"^\s*\S.*?\s(\d+)\s*$")
"""Moodle's worksheet identifier, ``Participant 123`` (in the site's language)."""


@dataclass(frozen=True)
class Member:
    """One student of the roster."""

    student_id: str
    """The ID the student types into the notebook: the name of their submission folder."""
    lms_id: str
    """Canvas's user ID or Moodle's participant id ("" when the export does not hold it)."""
    name: str
    """As the LMS writes it: Canvas's sortable name ("Doe, Jane"), Moodle's full name."""
    row: int
    """The line of the roster file it was read from (the header is line 1)."""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    email: str = ""
    id_number: str = ""


@dataclass(frozen=True)
class Roster:
    """An LMS's class list."""

    platform: str
    source: Path
    members: tuple[Member, ...]
    header: tuple[str, ...]
    problems: tuple[str, ...] = field(default=())

    def by_lms_id(self, lms_id: str) -> Member | None:
        """The student with this Canvas user ID or Moodle participant id."""
        return next((m for m in self.members if m.lms_id and m.lms_id == lms_id), None)

    def by_student(self, student_id: str) -> Member | None:
        """The student with this student ID."""
        return next((m for m in self.members if m.student_id == student_id), None)

    def by_name(self, name: str) -> list[Member]:
        """The students with this name (Moodle's download names carry the full name)."""
        wanted = " ".join(name.split()).casefold()
        return [m for m in self.members if " ".join(m.name.split()).casefold() == wanted]

    def assignment_column(self, assignment: str) -> tuple[str, str] | None:
        """Canvas's column of the assignment, ``hw4 (<id>)``, and its id, if the roster has it."""
        pattern = re.compile(rf"^{re.escape(assignment)} \((\d+)\)$")
        for cell in self.header:
            match = pattern.match(cell)
            if match:
                return cell, match.group(1)
        return None


def read_roster(path: Path) -> Roster:
    """The roster in ``path``, whichever of the exports above it is."""
    table = read_table(path)
    if table.column("Identifier") is not None:
        return _moodle(path, table, worksheet=True)
    if _is_canvas(table.header):
        return _canvas(path, table)
    if table.column("ID number", "Email address", "Email") is not None:
        return _moodle(path, table, worksheet=False)
    found = ", ".join(table.header[:6])
    raise CourseError(
        f"{path} is neither Canvas's gradebook export (Student, ID, SIS User ID, SIS Login "
        f"ID, Section) nor Moodle's grade export (ID number or Email address); its columns "
        f"are {found}"
    )


def _is_canvas(header: tuple[str, ...]) -> bool:
    """Canvas's own test: Student, then ID, and a Section column among the first ones."""
    return (
        len(header) > 3
        and header[0] == "Student"
        and header[1] == "ID"
        and "Section" in header[2:6]
    )


def _cell(row: tuple[str, ...], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _canvas(path: Path, table: Table) -> Roster:
    sis_user, sis_login = table.column("SIS User ID"), table.column("SIS Login ID")
    section = table.column("Section")
    members: list[Member] = []
    problems: list[str] = []
    for line, row in enumerate(table.rows, start=2):
        name, canvas_id = _cell(row, 0), _cell(row, 1)
        if POINTS_POSSIBLE.casefold() in name.casefold() or name.casefold() in TEST_STUDENTS:
            continue
        if all(cell.strip().casefold() in ("", "muted") for cell in row):
            continue
        member = Member(
            student_id=_cell(row, sis_user) or _cell(row, sis_login),
            lms_id=canvas_id,
            name=name,
            row=line,
            section=_cell(row, section),
            sis_user_id=_cell(row, sis_user),
            sis_login_id=_cell(row, sis_login),
        )
        if not canvas_id.isdigit():
            problems.append(f"{path.name} line {line} ({name}): no Canvas ID; left out")
            continue
        _add(members, member, problems, path, "SIS User ID or SIS Login ID")
    return Roster(CANVAS, path, tuple(members), table.header, tuple(problems))


def _moodle(path: Path, table: Table, worksheet: bool) -> Roster:
    identifier = table.column("Identifier")
    full_name = table.column("Full name")
    first, last = table.column("First name"), table.column("Last name")
    id_number, email = table.column("ID number"), table.column("Email address", "Email")
    members: list[Member] = []
    problems: list[str] = []
    for line, row in enumerate(table.rows, start=2):
        name = _cell(row, full_name) or " ".join(
            part for part in (_cell(row, first), _cell(row, last)) if part
        )
        participant = PARTICIPANT.match(_cell(row, identifier)) if worksheet else None
        if worksheet and participant is None:
            problems.append(f"{path.name} line {line} ({name}): no participant id; left out")
            continue
        member = Member(
            student_id=_cell(row, id_number) or _cell(row, email),
            lms_id=participant.group(1) if participant else "",
            name=name,
            row=line,
            email=_cell(row, email),
            id_number=_cell(row, id_number),
        )
        _add(members, member, problems, path, "ID number or email address")
    return Roster(MOODLE, path, tuple(members), table.header, tuple(problems))


def _add(
    members: list[Member], member: Member, problems: list[str], path: Path, wanted: str
) -> None:
    """Keep ``member`` unless it has no usable ID or repeats one already kept."""
    where = f"{path.name} line {member.row} ({member.name or 'no name'})"
    if not member.student_id:
        problems.append(f"{where}: no {wanted}; left out")
        return
    if not STUDENT_ID_PATTERN.match(member.student_id):
        problems.append(f"{where}: {member.student_id!r} is not a valid student ID; left out")
        return
    for kept in members:
        if kept.student_id == member.student_id or (member.lms_id and kept.lms_id == member.lms_id):
            same = "student ID" if kept.student_id == member.student_id else "LMS user"
            problems.append(
                f"{where}: the {same} of line {kept.row} ({kept.name}) listed again "
                f"({member.student_id}); line {kept.row} is used"
            )
            return
    members.append(member)
