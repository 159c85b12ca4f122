"""What a collected LMS download said about each student, kept for grading and export.

``reports/<assignment>/lms/collected.json`` holds, per student ID, the LMS user it came
from and the name it had (so that the grades and feedback pages go back to that user),
whether the LMS marked it late, and what did not agree with the roster; ``roster.csv``
beside it is a copy of the roster last given, which ``export`` reads.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.course import Course
from grader.course.grade_one import Problem

FOLDER = "lms"
RECORD_NAME = "collected.json"
ROSTER_NAME = "roster.csv"


@dataclass(frozen=True)
class Collected:
    """One student's submission as the LMS download named it."""

    student: str
    platform: str
    lms_id: str
    name: str
    prefix: str
    file_name: str
    attachment_id: str = ""
    late: bool = False
    anonymous: bool = False
    flags: tuple[tuple[str, str], ...] = field(default=())
    """Problems to report with the grade: (code, sentence)."""

    @classmethod
    def from_dict(cls, data: Any) -> Collected:
        """Read back :func:`dataclasses.asdict`'s data."""
        flags = tuple((str(code), str(text)) for code, text in data.get("flags", ()))
        return cls(
            student=str(data["student"]),
            platform=str(data["platform"]),
            lms_id=str(data["lms_id"]),
            name=str(data.get("name", "")),
            prefix=str(data.get("prefix", "")),
            file_name=str(data.get("file_name", "")),
            attachment_id=str(data.get("attachment_id", "")),
            late=bool(data.get("late", False)),
            anonymous=bool(data.get("anonymous", False)),
            flags=flags,
        )


def folder(course: Course) -> Path:
    """Where the LMS record and the roster's copy are."""
    return course.reports / FOLDER


def read_record(course: Course) -> dict[str, Collected]:
    """Every collected student's entry ({} when no LMS download was collected)."""
    path = folder(course) / RECORD_NAME
    try:
        status = path.stat()
    except OSError:
        return {}
    return dict(_parsed(str(path), status.st_mtime_ns, status.st_size))


@functools.lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, Collected], ...]:
    """The record's entries, read once per version of the file (a batch asks per student)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return tuple((student, Collected.from_dict(entry)) for student, entry in data.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ()


def write_record(course: Course, entries: dict[str, Collected]) -> None:
    """Add ``entries`` to the record (replacing those students' earlier entries)."""
    merged = {**read_record(course), **entries}
    data = {student: asdict(merged[student]) for student in sorted(merged)}
    _write_atomic(folder(course) / RECORD_NAME, json.dumps(data, indent=1) + "\n")


def keep_roster(course: Course, roster: Path) -> None:
    """A copy of the roster for ``export``."""
    target = folder(course) / ROSTER_NAME
    if roster.resolve() != target.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(roster, target)


def kept_roster(course: Course) -> Path | None:
    """The roster last given to ``grade``, if any."""
    path = folder(course) / ROSTER_NAME
    return path if path.is_file() else None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def lms_flags(course: Course, student: str) -> tuple[Problem, ...]:
    """What the LMS download said of the student's submission (late, not in the roster),
    as problems graded with it."""
    entry = read_record(course).get(student)
    return () if entry is None else tuple(Problem(code, text) for code, text in entry.flags)
