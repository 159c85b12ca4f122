"""The feedback pages in a zip each LMS attaches to the right student.

- Canvas ("Download submissions", then "Re-upload submissions"): Canvas reads, in each
  file's name, the first two all-digit parts, split at ``_``, as the user ID and the id of
  one of that submission's files, and attaches the file to that submission as a comment.
  A page is named ``<sortable name>[_LATE]_<user id>_<attachment id>_hw4-feedback.html``,
  with the ids of the notebook collected.
- Moodle ("Upload multiple feedback files in a zip"): Moodle reads the participant id in a
  folder named ``<Full Name>_<participant id>_assignsubmission_file[_]``, as its download
  names them, and adds the files in it to that participant's feedback files. A page is
  ``<the folder of the download>/hw4-feedback.html``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from grader.course import Course
from grader.course.lms.names import CANVAS, MOODLE, MOODLE_PLUGIN
from grader.course.lms.record import read_record
from grader.course.lms.roster import Roster

PAGE_NAME = "feedback.html"


def page_name(course: Course) -> str:
    """The name a student's page has in the zip."""
    return f"{course.assignment}-feedback.html"


def canvas_name_slug(name: str) -> str:
    """A user's sortable name as Canvas writes it in a download name."""
    slug = re.sub(r"_(\d+)_", r"\1", name)
    slug = re.sub(r"^(\d+)$", r"\1", slug).lower()
    return re.sub(r"[^\w]", "", slug)


def feedback_zip(course: Course, platform: str, target: Path, roster: Roster | None) -> list[str]:
    """Write the zip; a line per graded student whose page cannot be addressed."""
    collected = read_record(course)
    lines: list[str] = []
    entries: list[tuple[str, Path]] = []
    pages = sorted(course.reports.glob(f"*/{PAGE_NAME}"))
    for page in pages:
        student = page.parent.name
        entry = collected.get(student)
        member = roster.by_student(student) if roster else None
        name: str | None = None
        if platform == CANVAS and entry is not None and entry.platform == CANVAS:
            user = member.lms_id if entry.anonymous and member else entry.lms_id
            if entry.anonymous and member is None:
                lines.append(f"{student}: anonymous, not in the roster; no Canvas user known")
            else:
                prefix = entry.prefix
                if entry.anonymous and member is not None:
                    late = "_LATE" if entry.late else ""
                    prefix = f"{canvas_name_slug(member.name)}{late}_{user}"
                name = f"{prefix}_{entry.attachment_id}_{page_name(course)}"
        elif platform == MOODLE and entry is not None and entry.platform == MOODLE:
            name = f"{entry.prefix}/{page_name(course)}"
        elif platform == MOODLE and member is not None and member.lms_id:
            folder = f"{member.name.replace('_', ' ')}_{member.lms_id}_{MOODLE_PLUGIN}_file_"
            name = f"{folder}/{page_name(course)}"
        if name is None:
            label = "Canvas" if platform == CANVAS else "Moodle"
            lines.append(f"{student}: no {label} submission collected for it; page not in the zip")
        else:
            entries.append((name, page))
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, page in entries:
            bundle.write(page, name)
    return lines
