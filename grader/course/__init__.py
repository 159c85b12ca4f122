"""The course workflow: an nbgrader course's submissions in, grades and feedback out.

It uses the two other layers, :mod:`grader.judgment` and :mod:`grader.sandbox`, and
nbgrader's own API for what nbgrader already does (its configuration, its directory
layout, its gradebook, its zip collection). One student's path::

    submitted/<student>/hw4/hw4.ipynb
      batch.py       finds it, skips it if this exact submission is graded, reads its bytes
      grade_one.py   grade_notebook(bytes, student) -> Graded: read, aligned with the
                     release, run by grader.sandbox, judged by grader.judgment
      writer.py      autograded/, reports/hw4/<student>/, the gradebook; then grades.csv

``cli.py`` is ``python -m grader grade``, ``zip_collect.py`` its ``--zip`` (``lms/`` for a
Canvas or Moodle download and its ``--roster``; ``export_cli.py`` is ``python -m grader
export``, grades and pages back to the LMS); with ``--dask``,
``dask_runner.py`` runs the cells on a Dask cluster's workers (``dask_worker.py`` is what
they run, ``fingerprint.py`` what they must share with this machine);
``nbgrader_tests.py`` and ``nbgrader_feedback.py`` are called by nbgrader itself (the
notebook's hidden tests, the feedback preprocessor). What the exchange is trusted with:
``trust.py`` (who may submit for whom, which claimed time is believed), ``provenance.py``
and ``keeper.py`` (the service's private copy of each submission, and its record),
``origin.py`` (``grade``'s check of a ``submitted/`` folder).

:class:`Course` says where everything is. nbgrader is imported only when a course is
opened: the hidden tests import this package inside every autograded notebook.
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# nbformat (and so nbgrader) imports jsonschema, whose optional checker of the "iri"
# string format compiles its grammars at import time: a second or more of every run.
# Notebook validation never uses that format, so grading keeps the checker unloaded.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

CONFIG_NAME = "nbgrader_config.py"
STUDENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
"""The student IDs graded: safe as a folder name, a file name and a page's title."""
LOCK_NAME = ".lock"


class CourseError(Exception):
    """The course directory lacks what grading needs (the message says what)."""


@dataclass(frozen=True)
class Course:
    """One assignment of an nbgrader course: nbgrader's folders, as the course's
    ``nbgrader_config.py`` (read through traitlets) lays them out, and the grader's own
    outputs (``grades.csv``, ``reports/<assignment>/``) in its root."""

    root: Path
    assignment: str
    directories: Any
    """nbgrader's :class:`~nbgrader.coursedir.CourseDirectory`, configured for this course."""

    @classmethod
    def open(cls, root: Path, assignment: str) -> Course:
        """The course at ``root``, with its configuration (nbgrader's defaults without one)."""
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config
        from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

        root = root.resolve()
        try:
            config = PyFileConfigLoader(CONFIG_NAME, path=str(root)).load_config()
        except ConfigFileNotFound:
            config = Config()
        except Exception as error:  # the instructor's own Python failed
            raise CourseError(f"cannot read {root / CONFIG_NAME}: {error}") from error
        directories = CourseDirectory(config=config, root=str(root), assignment_id=assignment)
        return cls(root, assignment, directories)

    def _folder(self, step: str, student: str) -> Path:
        directory = getattr(self.directories, f"{step}_directory")
        return Path(self.directories.format_path(directory, student, self.assignment))

    def submitted(self, student: str) -> Path:
        """``submitted/<student>/<assignment>/``: what the student handed in."""
        return self._folder("submitted", student)

    @property
    def release(self) -> Path:
        """``release/<assignment>/``: the student version, as released."""
        return self._folder("release", ".")

    def autograded(self, student: str) -> Path:
        """Where nbgrader (formgrader, ``generate_feedback``) expects the executed notebook."""
        return self._folder("autograded", student)

    @property
    def gradebook_url(self) -> str:
        """nbgrader's gradebook database."""
        return str(self.directories.db_url)

    @property
    def course_id(self) -> str:
        """The course id nbgrader opens the gradebook with."""
        return str(self.directories.course_id)

    @property
    def grades_csv(self) -> Path:
        """The class's grade table."""
        return self.root / "grades.csv"

    @property
    def reports(self) -> Path:
        """Per-student reports and the class summary."""
        return self.root / "reports" / self.assignment

    def student_reports(self, student: str) -> Path:
        """A student's feedback page, ``results.json`` and grading record."""
        return self.reports / student

    @property
    def service_folder(self) -> Path:
        """The submission service's own records: which submissions are done, its status."""
        return self.reports / ".service"

    @property
    def inbound(self) -> Path:
        """nbgrader's exchange folder where submissions arrive (``<exchange>/<course>/inbound``)."""
        from nbgrader.exchange.default import Exchange

        root = Exchange(config=self.directories.config).root
        return Path(root) / self.course_id / "inbound"

    @property
    def summary(self) -> Path:
        """The class summary's folder."""
        return self.reports / "class-summary"

    def submitters(self) -> tuple[list[str], list[str]]:
        """The students with a submission folder, sorted, and the folder names refused
        (not a safe student ID); found as ``NbGraderAPI.get_submitted_students`` does."""
        directory = self.directories.submitted_directory
        pattern = self.directories.format_path(
            directory, "(?P<student_id>.*)", re.escape(self.assignment), escape=True
        )
        found = sorted(
            match.group("student_id")
            for path in glob.glob(self.directories.format_path(directory, "*", self.assignment))
            if os.path.isdir(path) and (match := re.fullmatch(pattern, path)) is not None
        )
        return (
            [name for name in found if STUDENT_ID_PATTERN.match(name)],
            [name for name in found if not STUDENT_ID_PATTERN.match(name)],
        )


@contextmanager
def exclusive_run(folder: Path, holder: str = "python -m grader grade") -> Iterator[None]:
    """One grading run per assignment at a time (``grade`` or ``serve``): hold
    ``folder/.lock``, which dies with the process that holds it, and write in it who holds
    it; refuse, naming the holder, if another run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise CourseError(busy_message(folder, lock_holder(folder))) from error
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{holder} (process {os.getpid()})\n".encode(), 0)
        yield
    finally:
        os.close(descriptor)


def lock_holder(folder: Path) -> str | None:
    """Who holds ``folder``'s lock now, or None if nobody does."""
    try:
        descriptor = os.open(folder / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.pread(descriptor, 200, 0).decode(errors="replace").strip() or "a run"
        return None
    finally:
        os.close(descriptor)


def busy_message(folder: Path, holder: str | None) -> str:
    """Why a run cannot start while ``holder`` works in ``folder``."""
    other = holder or "another grading run"
    return f"{other} is working in {folder}: wait for it to finish, or stop it first"


def refuse_if_busy(root: Path, assignment: str) -> None:
    """Raise :class:`CourseError` at once if a ``grade`` or ``serve`` works on the
    assignment (before anything starts; the lock itself is taken later)."""
    folder = root.resolve() / "reports" / assignment
    holder = lock_holder(folder)
    if holder is not None:
        raise CourseError(busy_message(folder, holder))
