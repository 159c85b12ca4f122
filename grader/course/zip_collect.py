"""An LMS download collected into ``submitted/`` by nbgrader's own ``zip_collect``.

:func:`collect_zip` runs nbgrader's ``ZipCollectApp`` on one archive, with the course's
configuration: its extractor unpacks the archive (and any archive inside it; a member that
would land outside is refused), its file-name collector reads each notebook's student ID
and optional timestamp with ``FileNameCollectorPlugin.named_regexp`` (nbgrader matches it
against the extracted file's full path), and it copies the newest attempt of each student
to ``submitted/<student>/<assignment>/``. Without a ``named_regexp``,
:class:`SubmissionCollector` files ``<student>/…/<name>.ipynb`` and
``<student>_<anything>.ipynb`` as the released notebook. A student ID that is not a safe
folder name, and macOS's ``__MACOSX`` and hidden files, are skipped. (A Canvas or Moodle
download is read by its own names instead: :mod:`grader.course.lms.collect`.)
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbgrader.apps.zipcollectapp import ZipCollectApp
from nbgrader.plugins import FileNameCollectorPlugin
from nbgrader.utils import capture_log
from traitlets import Unicode
from traitlets.config import Config

from grader.course import STUDENT_ID_PATTERN, Course, CourseError

DEFAULT_PATTERN = re.compile(
    r"^(?:(?P<folder>[^/]+)/(?:[^/]+/)*[^/]+\.ipynb|(?P<student_id>[^/_]+)_[^/]*\.ipynb)$"
)
"""Without a ``named_regexp``: ``<student>/…/<name>.ipynb`` or ``<student>_<anything>.ipynb``,
matched against the path inside the archive."""
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
ARCHIVE_NAME = "submissions"


@dataclass(frozen=True)
class Collected:
    """The students collected, and nbgrader's warnings about what it skipped or replaced."""

    students: list[str]
    warnings: list[str]


class SubmissionCollector(FileNameCollectorPlugin):  # type: ignore[misc]
    """nbgrader's file-name collector, safe student IDs only, with a default for archives
    of one folder or one file name per student."""

    notebook = Unicode("", help="The released notebook: the default files every one as it.").tag(
        config=True
    )
    folder = Unicode("", help="Where the archive was extracted.").tag(config=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.students: set[str] = set()

    def collect(self, submitted_file: str) -> dict[str, Any] | None:
        """The student ID and file of one extracted file, or None to skip it."""
        relative = Path(os.path.relpath(submitted_file, self.folder)).as_posix()
        if any(part.startswith(".") or part == "__MACOSX" for part in relative.split("/")):
            return None
        info: dict[str, Any] | None
        if self.named_regexp:
            info = super().collect(submitted_file)
        else:
            match = DEFAULT_PATTERN.match(relative)
            student = match and (match.group("student_id") or match.group("folder"))
            info = {"student_id": student, "file_id": self.notebook} if student else None
        if info is None:
            return None
        student = info.get("student_id")
        if not isinstance(student, str) or not STUDENT_ID_PATTERN.match(student):
            self.log.warning("Skipped %s: %r is not a valid student ID", relative, student)
            return None
        self.students.add(student)
        return info


def collect_zip(
    course: Course, archive: Path, notebook: str, named_regexp: str | None
) -> Collected:
    """Collect ``archive`` into the course's ``submitted/`` (``named_regexp``: instead of the
    course's); raises :class:`CourseError` when it cannot be read or collected."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            total = sum(info.file_size for info in bundle.infolist())
    except (zipfile.BadZipFile, OSError) as error:
        raise CourseError(f"cannot read the zip {archive}: {error}") from error
    if total > MAX_TOTAL_BYTES:
        raise CourseError(f"{archive} unpacks to more than {MAX_TOTAL_BYTES} bytes")
    with tempfile.TemporaryDirectory(prefix="zip-collect-") as work:
        (Path(work) / "archive").mkdir()
        shutil.copyfile(archive, Path(work) / "archive" / f"{ARCHIVE_NAME}.zip")
        config = copy.deepcopy(course.directories.config)
        config.merge(_settings(work, notebook, named_regexp))
        app = ZipCollectApp(config=config)
        app.coursedir = course.directories
        app.log = logging.getLogger(__name__)
        app.log.setLevel(logging.WARNING)
        app.log.propagate = False
        outcome = capture_log(app)
    lines = str(outcome.get("log", "")).splitlines()
    if not outcome["success"]:
        errors = [line.removeprefix("[ERROR] ") for line in lines if line.startswith("[ERROR]")]
        last = str(outcome.get("error", "")).strip().splitlines()[-1:]
        raise CourseError(f"cannot collect {archive}: {'; '.join(errors or last)}")
    warnings = [
        line.removeprefix("[WARNING] ")
        for line in lines
        if line.startswith("[WARNING]") and "Directory not found. Creating" not in line
    ]
    return Collected(sorted(app.collector_plugin_inst.students), warnings)


def _settings(work: str, notebook: str, named_regexp: str | None) -> Config:
    """zip_collect's folders in ``work``, our collector, and replacing earlier submissions."""
    settings = Config()
    settings.ZipCollectApp.collect_directory_structure = os.path.join(work, "{collect_step}")
    settings.ZipCollectApp.collector_plugin = SubmissionCollector
    settings.ZipCollectApp.force = True
    settings.SubmissionCollector.notebook = notebook.removesuffix(".ipynb")
    settings.SubmissionCollector.folder = os.path.join(work, "extracted", ARCHIVE_NAME)
    if named_regexp:
        settings.FileNameCollectorPlugin.named_regexp = named_regexp
    return settings
