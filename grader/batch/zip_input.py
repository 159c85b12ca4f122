"""Collect an LMS zip into ``submitted/`` the way ``nbgrader zip_collect`` does."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.batch.atomic import write_bytes_atomic
from grader.batch.course import CourseError
from grader.batch.submission import STUDENT_ID_PATTERN

DEFAULT_PATTERN = (
    r"^(?:(?P<folder>[^/]+)/(?:[^/]+/)*[^/]+\.ipynb"
    r"|(?P<student_id>[^/_]+)_[^/]*\.ipynb)$"
)
"""``<student>/…/<name>.ipynb`` (a folder per student) or ``<student>_<anything>.ipynb``."""
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024


@dataclass
class Collected:
    """Students collected and members skipped, with the reason for each skip."""

    students: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def collect_zip(
    archive: Path, submitted: Path, assignment: str, notebook_name: str, pattern: str | None
) -> Collected:
    """Copy each student's notebook from ``archive`` to ``submitted/<student>/<assignment>/``.

    ``pattern`` is a regular expression with a ``student_id`` group (and optionally
    ``timestamp``), like nbgrader's ``FileNameCollectorPlugin.named_regexp``; it is
    matched against each member's path in the archive. When a student has several
    notebooks, the one with the latest timestamp (else the last in the archive) wins.
    """
    regex = re.compile(pattern or DEFAULT_PATTERN)
    collected = Collected()
    chosen: dict[str, tuple[str, zipfile.ZipInfo]] = {}
    try:
        with zipfile.ZipFile(archive) as bundle:
            total = 0
            for info in bundle.infolist():
                name = info.filename
                if info.is_dir() or PurePosixPath(name).name.startswith((".", "__MACOSX")):
                    continue
                if "__MACOSX" in name or not name.endswith(".ipynb"):
                    continue
                match = regex.match(name)
                student = _student(match)
                if student is None:
                    collected.skipped.append(f"{name}: does not name a student")
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    collected.skipped.append(f"{name}: {info.file_size} bytes is too large")
                    continue
                total += info.file_size
                if total > MAX_TOTAL_BYTES:
                    raise CourseError(f"{archive} unpacks to more than {MAX_TOTAL_BYTES} bytes")
                stamp = (match.groupdict().get("timestamp") or "") if match else ""
                previous = chosen.get(student)
                if previous is not None and stamp < previous[0]:
                    collected.skipped.append(f"{name}: older than {previous[1].filename}")
                    continue
                if previous is not None:
                    collected.skipped.append(f"{previous[1].filename}: superseded by {name}")
                chosen[student] = (stamp, info)
            for student, (stamp, info) in sorted(chosen.items()):
                folder = submitted / student / assignment
                write_bytes_atomic(folder / notebook_name, bundle.read(info))
                if stamp:
                    write_bytes_atomic(folder / "timestamp.txt", stamp.encode())
                collected.students.append(student)
    except (zipfile.BadZipFile, OSError) as error:
        raise CourseError(f"cannot read the zip {archive}: {error}") from error
    return collected


def _student(match: re.Match[str] | None) -> str | None:
    """The student ID a member's path names, if it is a safe folder name."""
    if match is None:
        return None
    groups = match.groupdict()
    student = groups.get("student_id") or groups.get("folder")
    if student and STUDENT_ID_PATTERN.match(student):
        return student
    return None
