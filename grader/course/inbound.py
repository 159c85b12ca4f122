"""Submissions waiting in nbgrader's exchange: found, named and read with every check.

``nbgrader submit`` (and the Submit button of JupyterLab's Assignment List) leaves each
submission as a folder ``<exchange>/<course>/inbound/<student>+<assignment>+<timestamp>+<random>``
holding the notebook, ``timestamp.txt`` and ``submission_secret.txt``. A student can put
anything there, so nothing in it is trusted: folder names are parsed strictly, links are
never followed, sizes are capped before anything is read, and every refusal says why.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.course import STUDENT_ID_PATTERN

NAME_PATTERN = re.compile(
    r"^(?P<student>[^+/]{1,128})\+(?P<assignment>[^+/]{1,128})\+(?P<timestamp>[^+/]{1,64})"
    r"(?:\+(?P<random>[A-Za-z0-9_=-]{1,64}))?$"
)
ASSIGNMENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
MAX_ENTRIES = 200
"""Most files and folders a submission may hold."""
MAX_SECRET_BYTES = 4096


class SubmissionError(Exception):
    """A submission that cannot be graded: ``code`` is short and stable, the message says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Submission:
    """One folder in ``inbound/``, named as nbgrader names it."""

    key: str
    """The folder's name: unique, and the submission's identity in every record."""
    path: Path
    student: str
    assignment: str
    timestamp: datetime
    """When the student submitted (UTC, naive, as nbgrader's ``parse_utc`` gives it)."""
    timestamp_text: str


@dataclass(frozen=True)
class Contents:
    """What a submission holds that grading needs, read within the caps."""

    notebooks: dict[str, bytes | None]
    """The notebooks at the submission's top level, by file name (None: not read)."""
    secret: str | None
    """``submission_secret.txt``: with a notebook's name, where its feedback is released."""
    refusal: SubmissionError | None = None
    """Why the submission is not graded, if it is not; its secret and notebook names are
    still read when they can be, so that the student gets a page saying why."""


def parse_name(key: str) -> tuple[str, str, str]:
    """``(student, assignment, timestamp text)`` of an inbound folder's name; raises
    :class:`SubmissionError` if it is not named as nbgrader names submissions."""
    match = NAME_PATTERN.match(key)
    if match is None:
        raise SubmissionError("bad-name", f"{key!r} is not named student+assignment+timestamp")
    student, assignment = match.group("student"), match.group("assignment")
    if not STUDENT_ID_PATTERN.match(student):
        raise SubmissionError("bad-student-id", f"{student!r} is not a valid student ID")
    if not ASSIGNMENT_PATTERN.match(assignment):
        raise SubmissionError("bad-name", f"{assignment!r} is not a valid assignment name")
    return student, assignment, match.group("timestamp")


def identify(inbound: Path, key: str) -> Submission:
    """The submission in ``inbound/key``; :class:`SubmissionError` for a bad name or time,
    or for anything but a folder."""
    from nbgrader.utils import parse_utc

    student, assignment, text = parse_name(key)
    try:
        timestamp = parse_utc(text)
    except (ValueError, OverflowError, TypeError) as error:
        raise SubmissionError("bad-timestamp", f"{text!r} is not a time ({error})") from error
    if timestamp.tzinfo is not None:
        timestamp = timestamp.replace(tzinfo=None)
    path = inbound / key
    try:
        mode = path.lstat().st_mode
    except OSError as error:
        raise SubmissionError("unreadable", f"cannot look at {path}: {error.strerror}") from error
    if not stat.S_ISDIR(mode):
        raise SubmissionError("not-a-folder", f"{path} is not a folder (a link or a file)")
    return Submission(key, path, student, assignment, timestamp, text)


def list_inbound(inbound: Path) -> list[str]:
    """The names in ``inbound/`` (empty if it does not exist yet); OSError if unreadable."""
    try:
        return sorted(entry.name for entry in os.scandir(inbound))
    except FileNotFoundError:
        return []


def read_contents(submission: Submission, max_bytes: int) -> Contents:
    """The notebooks and secret of ``submission``, with a refusal if it holds a link or a
    special file, more than ``MAX_ENTRIES`` entries or ``max_bytes`` bytes, or cannot be read."""
    names: list[str] = []
    secret = None
    try:
        for entry in sorted(os.scandir(submission.path), key=lambda e: e.name)[:MAX_ENTRIES]:
            if entry.is_file(follow_symlinks=False):
                if entry.name.endswith(".ipynb"):
                    names.append(entry.name)
                elif entry.name == "submission_secret.txt":
                    text = _read(Path(entry.path), MAX_SECRET_BYTES).decode("ascii", "replace")
                    secret = text.strip() or None
        _check_tree(submission.path, max_bytes)
        notebooks: dict[str, bytes | None] = {
            name: _read(submission.path / name, max_bytes) for name in names
        }
    except SubmissionError as refusal:
        return Contents(dict.fromkeys(names), secret, refusal)
    except OSError as error:
        why = "permission denied" if isinstance(error, PermissionError) else error.strerror
        where = error.filename or submission.path
        unreadable = SubmissionError("unreadable", f"cannot read {where}: {why}")
        return Contents(dict.fromkeys(names), secret, unreadable)
    return Contents(notebooks, secret)


def _check_tree(folder: Path, max_bytes: int) -> None:
    """Raise :class:`SubmissionError` if the tree under ``folder`` holds a link, a special
    file, too many entries or too many bytes (without following a link or reading a byte)."""
    size, entries = 0, 0
    for parent, folders, files in os.walk(folder, onerror=_raise):
        for name in [*folders, *files]:
            entries += 1
            if entries > MAX_ENTRIES:
                raise SubmissionError("too-many-files", f"it holds more than {MAX_ENTRIES} files")
            info = os.lstat(os.path.join(parent, name))
            if stat.S_ISLNK(info.st_mode):
                raise SubmissionError("link", f"{name!r} is a link, and links are not accepted")
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
                raise SubmissionError("special-file", f"{name!r} is not a regular file")
            size += info.st_size
            if size > max_bytes:
                raise SubmissionError(
                    "too-large", f"it is larger than the {max_bytes:,} bytes allowed"
                )


def _read(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, opened without following a link."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as stream:
        return stream.read(limit + 1)[:limit]


def _raise(error: OSError) -> None:
    raise error
