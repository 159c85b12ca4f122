"""The names Canvas and Moodle give the files of a submission download.

Canvas (``ContentZipper``): ``<sortable name>[_LATE]_<user id>_<attachment id>_<file>``, the
name lower-cased with everything but letters, digits and ``_`` removed (and any ``_<digits>_``
in it joined up, so that the first two all-digit parts are the ids); under anonymous
grading ``[LATE_]anon_<anonymous id>_<attachment id>_<file>``. A file uploaded again under
the same name gets a suffix: ``hw4-1.ipynb``.

Moodle (``assign::download_submissions``): a folder ``<Full Name>_<participant id>_
assignsubmission_file_`` (``…_file`` without the last ``_`` since Moodle 4.1) with the
student's files in it, or, without folders, ``<Full Name>_<participant id>_
assignsubmission_file_<file>``. Under blind marking the name is ``Participant <id>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

CANVAS = "canvas"
MOODLE = "moodle"
LATE = "LATE"
ANONYMOUS = "anon"
MOODLE_PLUGIN = "assignsubmission"
RESUBMISSION = re.compile(r"^(?P<stem>.+?)(?:-(?P<dash>\d+)| \((?P<paren>\d+)\))(?P<ext>\.[^.]+)$")
DIGITS = re.compile(r"^\d+$")


@dataclass(frozen=True)
class DownloadName:
    """What an LMS's download name says about one file."""

    platform: str
    lms_id: str
    """Canvas: the user id (or the anonymous id); Moodle: the participant id."""
    name: str
    """Canvas: the sortable name as it is in the file name; Moodle: the full name."""
    file_name: str
    """The file's own name, as the student uploaded it (a resubmission suffix included)."""
    prefix: str
    """What comes before the file name: Canvas ``<name>[_LATE]_<id>``, Moodle the folder."""
    late: bool = False
    anonymous: bool = False
    attachment_id: str = ""
    """Canvas's id of the uploaded file (its re-upload matches a comment file by it)."""

    @property
    def resubmission(self) -> int:
        """The ``N`` of a ``-N`` (or `` (N)``) suffix the LMS added; 0 without one."""
        match = RESUBMISSION.match(self.file_name)
        if match is None:
            return 0
        return int(match.group("dash") or match.group("paren"))

    @property
    def original_name(self) -> str:
        """The file name without the LMS's resubmission suffix."""
        match = RESUBMISSION.match(self.file_name)
        return self.file_name if match is None else match.group("stem") + match.group("ext")

    @property
    def who(self) -> str:
        """The submitter, in words, for messages."""
        if self.anonymous:
            return f"anonymous Canvas submission {self.lms_id}"
        what = "Canvas user" if self.platform == CANVAS else "Moodle participant"
        return f"{self.name or '(no name)'} ({what} {self.lms_id})"


def parse_download_name(path: str) -> DownloadName | None:
    """What ``path`` (a member of a download zip) says, or None if it is in no known form."""
    parts = [part for part in PurePosixPath(path.replace("\\", "/")).parts if part not in ("", "/")]
    if not parts:
        return None
    moodle = _moodle(parts)
    return moodle if moodle is not None else _canvas(parts[-1])


def _canvas(file_name: str) -> DownloadName | None:
    """A Canvas name: the first two all-digit parts are the user and attachment ids."""
    parts = file_name.split("_")
    for i in range(len(parts) - 2):
        if parts[i] == ANONYMOUS and DIGITS.match(parts[i + 2]):
            before, rest = parts[:i], parts[i + 3 :]
            if before not in ([], [LATE]) or not rest or not parts[i + 1]:
                return None
            return DownloadName(
                CANVAS,
                parts[i + 1],
                "",
                "_".join(rest),
                "_".join(parts[: i + 2]),
                late=before == [LATE],
                anonymous=True,
                attachment_id=parts[i + 2],
            )
        if DIGITS.match(parts[i]) and DIGITS.match(parts[i + 1]):
            before, rest = parts[:i], parts[i + 2 :]
            if not rest or not "".join(rest):
                return None
            late = bool(before) and before[-1] == LATE
            name = "_".join(before[:-1] if late else before)
            return DownloadName(
                CANVAS,
                parts[i],
                name,
                "_".join(rest),
                "_".join(parts[: i + 1]),
                late=late,
                attachment_id=parts[i + 1],
            )
    return None


def _moodle(parts: list[str]) -> DownloadName | None:
    """A Moodle name: ``<name>_<participant id>_assignsubmission_<plugin>[_<file>]``."""
    for index, part in enumerate(parts):
        info = part.split("_", 4)
        if len(info) < 4 or not DIGITS.match(info[1]) or info[2] != MOODLE_PLUGIN:
            continue
        inside = [info[4]] if len(info) == 5 and info[4] else []
        rest = [*inside, *parts[index + 1 :]]
        if not rest:
            return None
        folder = part if not inside else part[: len(part) - len(info[4])]
        return DownloadName(MOODLE, info[1], info[0], "/".join(rest), folder)
    return None
