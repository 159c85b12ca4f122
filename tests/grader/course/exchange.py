"""Students on nbgrader's exchange, and the submission service, for the service's tests.

A :class:`Student` has a home of their own and fetches, submits and fetches feedback with
nbgrader's exchange classes, in this process (fast enough for a rush of submissions) or
with the ``nbgrader`` command line. A :class:`Service` is ``python -m grader serve`` run as
a subprocess, its log in a file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tests.conftest import Course, run_nbgrader
from tests.grader.course.run_command import TEST_LIMITS, environment

ASSIGNMENT = "hw4"
WITHOUT_RELU = {
    "answer_q1": "z = X @ theta[:2] + theta[2]\ny_hat = theta[3] * z + theta[4]  # no ReLU\n"
}


def solved_sources(course: Course) -> dict[str, str]:
    """The source notebook's solution of each answer cell, by grade id."""
    sources = {}
    for cell in course.notebook("source").cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and "grade_id" in meta:
            sources[meta["grade_id"]] = cell.source
    return sources


@dataclass
class Student:
    """A student of ``course`` with a home (and nbgrader cache) of their own."""

    course: Course
    student_id: str
    home: Path

    @property
    def options(self) -> list[str]:
        """The command-line options that point nbgrader at the course's exchange."""
        return [
            f"--Exchange.root={self.course.root / 'exchange'}",
            f"--Exchange.cache={self.home / '.nbgrader-cache'}",
            f"--CourseDirectory.course_id={self.course.course_id}",
            f"--CourseDirectory.student_id={self.student_id}",
        ]

    def _exchange(self, kind: str) -> None:
        """Run one of nbgrader's exchange classes (``Submit``, ``FetchFeedback``) here."""
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange import default as exchange
        from traitlets.config import Config

        config = Config()
        config.Exchange.root = str(self.course.root / "exchange")
        config.Exchange.cache = str(self.home / ".nbgrader-cache")
        config.Exchange.assignment_dir = str(self.home)
        config.CourseDirectory.course_id = self.course.course_id
        directories = CourseDirectory(
            config=config, student_id=self.student_id, assignment_id=ASSIGNMENT
        )
        klass = getattr(exchange, f"Exchange{kind}")
        klass(
            coursedir=directories, authenticator=Authenticator(config=config), config=config
        ).start()

    def write_answers(
        self, answers: Mapping[str, str] | None = None, *, solved: bool = True
    ) -> None:
        """The notebook in the student's ``hw4/``: the release, with the ID, the solutions
        (``solved``) and ``answers`` (by grade id) typed in."""
        folder = self.home / ASSIGNMENT
        if not folder.is_dir():
            shutil.copytree(self.course.path("release"), folder)
        notebook = nbformat.read(self.course.path("release") / "hw4.ipynb", as_version=4)
        sources = {**(solved_sources(self.course) if solved else {}), **(answers or {})}
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id == "student_id":
                cell.source = f"STUDENT_ID = {self.student_id!r}"
            elif grade_id in sources:
                cell.source = sources[grade_id]
        nbformat.write(notebook, folder / "hw4.ipynb")

    def submit(self, answers: Mapping[str, str] | None = None, *, solved: bool = True) -> None:
        """Write the answers and submit them with nbgrader's ``ExchangeSubmit``."""
        self.write_answers(answers, solved=solved)
        self._exchange("Submit")

    def fetch_feedback(self) -> list[Path]:
        """nbgrader's ``ExchangeFetchFeedback``; the feedback pages the student then has."""
        self._exchange("FetchFeedback")
        return sorted((self.home / ASSIGNMENT / "feedback").glob("*/hw4.html"))

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The ``nbgrader`` command line in the student's home, on the course's exchange."""
        return run_nbgrader(self.home, *args, ASSIGNMENT, *self.options)

    def released_pages(self) -> list[Path]:
        """The pages released for this student's submissions, found as ``fetch_feedback``
        finds them: the notebook's name hashed with each submission's secret."""
        from nbgrader.utils import notebook_hash

        cache = self.home / ".nbgrader-cache" / self.course.course_id
        feedback = self.course.root / "exchange" / self.course.course_id / "feedback"
        pages = []
        for secret in sorted(cache.glob(f"{self.student_id}+hw4+*/submission_secret.txt")):
            digest = notebook_hash(secret=secret.read_text(), notebook_id="hw4")
            if (feedback / f"{digest}.html").is_file():
                pages.append(feedback / f"{digest}.html")
        return pages


def make_students(course: Course, tmp_path: Path, names: list[str]) -> list[Student]:
    """Students with empty homes under ``tmp_path``."""
    students = []
    for name in names:
        home = tmp_path / "homes" / name
        home.mkdir(parents=True)
        students.append(Student(course, name, home))
    return students


def serve_command(course: Course, *extra: str) -> list[str]:
    """``python -m grader serve hw4`` on ``course``, with the tests' small limits."""
    command = [sys.executable, "-m", "grader", "serve", ASSIGNMENT, "--course", str(course.root)]
    return [*command, *TEST_LIMITS, *extra]


def run_serve(
    course: Course, *extra: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run ``serve`` (usually with ``--once``) to the end."""
    return subprocess.run(
        [*prefix, *serve_command(course, *extra)],
        cwd=course.root,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


class Service:
    """``python -m grader serve`` running in its own process group, logging to a file."""

    def __init__(self, course: Course, log: Path, *extra: str) -> None:
        self.course = course
        self.log_path = log
        with open(log, "ab") as stream:
            self.process = subprocess.Popen(
                serve_command(course, *extra),
                cwd=course.root,
                env=environment(),
                stdout=stream,
                stderr=stream,
                start_new_session=True,
            )

    def log(self) -> str:
        """Everything the service has logged so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, condition: Callable[[], bool], timeout: float = 120) -> None:
        """Wait until ``condition()`` holds; fail with the log if it does not in time."""
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the service exited ({self.process.returncode}) "
                    f"before {what}:\n{self.log()[-4000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s:\n{self.log()[-4000:]}")
            time.sleep(0.1)

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; its exit code."""
        os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """SIGKILL the service and everything it started."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def done_records(course: Course) -> list[dict[str, object]]:
    """The service's records of the submissions it finished."""
    folder = course.root / "reports" / ASSIGNMENT / ".service" / "done"
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def inbound(course: Course) -> Path:
    """The exchange's inbound folder of the course."""
    return course.root / "exchange" / course.course_id / "inbound"
