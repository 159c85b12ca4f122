"""Real students' Unix accounts on a shared exchange, for the exchange's trust tests.

The tests act as the students ``hw4-ann`` and ``hw4-ben`` (``.ci/student-accounts`` makes
them, as root, and lets root and ``tester`` act as them without a password): a normal user
through ``sudo -n -u <student>``, root through ``setpriv``. A :class:`SharedCourse` is the
course, with hw4 released to its exchange, in a folder every account can traverse (pytest's
own temporary folder is private): students reach the exchange, not the course's files.

Where the accounts or the right to act as them are missing, :func:`student_accounts_problem`
says exactly what is missing; the tests are then skipped with that sentence, or fail with
it when ``HW4_STUDENT_ACCOUNTS=required`` (as CI sets it: there they must run).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat
import pytest

from tests.conftest import Course
from tests.grader.course.exchange import solved_sources

STUDENTS = ("hw4-ann", "hw4-ben")
REQUIRED = "HW4_STUDENT_ACCOUNTS"
"""Set to ``required`` (CI does): missing accounts fail the tests instead of skipping them."""
HELPER = Path(__file__).with_name("student_nbgrader.py")
SETUP = "as root: .ci/student-accounts"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def is_root() -> bool:
    return os.geteuid() == 0


def as_account(account: str) -> list[str]:
    """The prefix that runs a command as ``account``."""
    if is_root():
        return ["setpriv", f"--reuid={account}", f"--regid={account}", "--init-groups", "--"]
    return ["sudo", "-n", "-u", account, "--"]


def student_accounts_problem() -> str | None:
    """What is missing for the tests to act as the students, in one sentence; None if nothing."""
    me = pwd.getpwuid(os.geteuid()).pw_name
    for account in STUDENTS:
        try:
            pwd.getpwnam(account)
        except KeyError:
            return f"there is no Unix account {account} ({SETUP})"
    tool = "setpriv" if is_root() else "sudo"
    if shutil.which(tool) is None:
        package = "util-linux" if is_root() else "sudo"
        return f"{tool} is not installed (Debian: apt-get install {package})"
    for account in STUDENTS:
        tried = subprocess.run(
            [*as_account(account), "/bin/true"], capture_output=True, text=True, check=False
        )
        if tried.returncode != 0:
            detail = tried.stderr.strip().splitlines()[-1:] or ["no message"]
            return (
                f"{me} may not run commands as {account} without a password "
                f"({' '.join(as_account(account))} /bin/true: {detail[0]}; {SETUP} {me})"
            )
        if not is_root():
            python = subprocess.run(
                [*as_account(account), sys.executable, "-c", "import nbgrader"],
                capture_output=True,
                text=True,
                check=False,
            )
            if python.returncode != 0:
                detail = python.stderr.strip().splitlines()[-1:] or ["no message"]
                return (
                    f"{account} cannot run {sys.executable} with nbgrader ({detail[0]}): every "
                    "folder above the project must be traversable by others (chmod o+x)"
                )
    return None


def require_student_accounts() -> tuple[str, ...]:
    """The students' account names; the test is skipped (failed, where required) when they
    cannot be used, with the sentence saying what is missing."""
    problem = student_accounts_problem()
    if problem is not None:
        if os.environ.get(REQUIRED) == "required":
            pytest.fail(f"the student accounts are required ({REQUIRED}), but {problem}")
        pytest.skip(f"no real student accounts: {problem}")
    return STUDENTS


def nbgrader_time(moment: datetime) -> str:
    """A time as ``nbgrader submit`` writes it."""
    return moment.astimezone(UTC).strftime(TIME_FORMAT)


@dataclass
class StudentAccount:
    """A student's Unix account, with a home of its own for this test."""

    name: str
    course: Course
    home: Path
    staging: Path

    @property
    def exchange_options(self) -> list[str]:
        return [
            f"--Exchange.root={self.course.root / 'exchange'}",
            f"--Exchange.cache={self.home / '.nbgrader-cache'}",
            f"--CourseDirectory.course_id={self.course.course_id}",
            f"--Exchange.assignment_dir={self.home}",
        ]

    @property
    def cwd(self) -> Path:
        """Where the student's commands start: their home (a normal user cannot enter it
        before sudo runs, so there, the folder above it)."""
        return self.home if is_root() else self.home.parent

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """A command run as the student, in their home; fails the test if it fails."""
        result = self.attempt(*argv)
        if result.returncode != 0:
            pytest.fail(
                f"as {self.name}: {' '.join(argv)} exited with {result.returncode}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def attempt(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """A command run as the student, in their home, whatever its exit code."""
        environment = {"HOME": str(self.home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        command = [*as_account(self.name)]
        if not is_root():
            command.append("/usr/bin/env")
            command.extend(f"{key}={value}" for key, value in environment.items())
        return subprocess.run(
            [*command, *argv],
            cwd=self.cwd,
            env={**os.environ, **environment} if is_root() else None,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The real ``nbgrader ARGS`` command line, run as the student."""
        if is_root():  # started as root, it becomes the student before nbgrader runs
            environment = {**os.environ, "HOME": str(self.home), "PATH": "/usr/bin:/bin"}
            command = [sys.executable, str(HELPER), "--become", self.name, "--", *args]
            result = subprocess.run(
                command,
                cwd=self.cwd,
                env=environment,
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
            if result.returncode != 0:
                pytest.fail(
                    f"as {self.name}: nbgrader {' '.join(args)} exited with {result.returncode}"
                    f"\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
                )
            return result
        return self.run(sys.executable, str(HELPER), "--", *args)

    def stage(
        self,
        name: str,
        answers: dict[str, str] | None = None,
        solved: bool = True,
        student_id: str | None = None,
    ) -> Path:
        """A notebook (the release, with this student's ID and the answers) that the student
        can read: written by the test, copied by the student."""
        release = self.course.path("release") / "hw4.ipynb"
        notebook = nbformat.read(release, as_version=4)
        sources = {**(solved_sources(self.course) if solved else {}), **(answers or {})}
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id == "student_id":
                cell.source = f"STUDENT_ID = {student_id or self.name!r}"
            elif grade_id in sources:
                cell.source = sources[grade_id]
        path = self.staging / f"{self.name}-{name}.ipynb"
        nbformat.write(notebook, path)
        path.chmod(0o644)
        return path

    def submit(self, answers: dict[str, str] | None = None, solved: bool = True) -> None:
        """The answers written into the student's ``hw4/`` and submitted with the real
        ``nbgrader submit``, as the student."""
        notebook = self.stage("submit", answers, solved)
        release = self.course.path("release")
        self.run("/bin/mkdir", "-p", str(self.home / "hw4"))
        for path in release.iterdir():
            if path.is_file() and path.suffix != ".ipynb":
                self.run("/bin/cp", str(path), str(self.home / "hw4" / path.name))
        self.run("/bin/cp", str(notebook), str(self.home / "hw4" / "hw4.ipynb"))
        self.nbgrader("submit", "hw4", *self.exchange_options)

    def write_folder(self, key: str, notebook: Path, claimed: str) -> Path:
        """A folder written by hand into ``inbound/`` as this student: ``notebook``, a
        ``timestamp.txt`` that says ``claimed`` and a secret, as ``nbgrader submit`` lays it out."""
        folder = self.course.root / "exchange" / self.course.course_id / "inbound" / key
        script = (
            'mkdir "$1" && cp "$2" "$1/hw4.ipynb" && printf %s "$3" > "$1/timestamp.txt" '
            '&& printf %s "$4" > "$1/submission_secret.txt"'
        )
        secret = os.urandom(16).hex()
        self.run("/bin/sh", "-c", script, "sh", str(folder), str(notebook), claimed, secret)
        return folder


@dataclass
class SharedCourse:
    """The course in a folder the students can traverse, and their accounts' homes in it."""

    course: Course
    base: Path
    students: dict[str, StudentAccount]


def make_shared_course(source: Course, accounts: tuple[str, ...]) -> SharedCourse:
    """A copy of ``source`` (hw4 released to its exchange) in a fresh folder under the
    system's temporary folder, traversable by all; a home for each student in it."""
    base = Path(tempfile.mkdtemp(prefix="hw4-trust-", dir="/tmp"))
    base.chmod(0o711)
    shutil.copytree(source.root, base / "course", symlinks=True)
    (base / "course").chmod(0o711)
    for folder in (base / "homes", base / "staging"):
        folder.mkdir()
        folder.chmod(0o1777 if folder.name == "homes" else 0o755)
    course = Course(base / "course")
    students = {}
    for name in accounts:
        home = base / "homes" / name
        student = StudentAccount(name, course, home, base / "staging")
        subprocess.run([*as_account(name), "/bin/mkdir", "-m", "0700", str(home)], check=True)
        students[name] = student
    return SharedCourse(course, base, students)


def remove_shared_course(shared: SharedCourse) -> None:
    """Everything the test and the students wrote: each student opens up what they own (their
    home, their folders in ``inbound/``: the test's account cannot remove their contents),
    then the test removes the whole."""
    inbound = shared.course.root / "exchange" / shared.course.course_id / "inbound"
    for name, student in shared.students.items():
        uid = pwd.getpwnam(name).pw_uid
        owned = [str(student.home)]
        owned += [str(path) for path in inbound.iterdir() if path.lstat().st_uid == uid]
        subprocess.run(
            [*as_account(name), "/bin/chmod", "-R", "a+rwX", *owned],
            capture_output=True,
            check=False,
        )
    shutil.rmtree(shared.base, ignore_errors=True)
    if shared.base.exists():
        raise AssertionError(f"could not remove {shared.base}: something there is not ours")
