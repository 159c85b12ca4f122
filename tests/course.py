"""A temporary nbgrader course directory, and nbgrader run in it, for the tests.

A :class:`Course` is a temporary copy of the course root ``assignments/``
(``build_course`` makes one and generates its release with the real ``nbgrader``
command line); it runs nbgrader in its root and builds submissions::

    def test_something(course: Course) -> None:
        course.submit("alice")                       # correct answers, STUDENT_ID = "alice"
        course.submit("bob", answers={"answer_q5": "theta_new = theta + eta * grad"})
        course.run("autograde", "hw4")
        notebook = course.autograded_notebook("alice")

The fixtures ``released_course`` and ``course`` are in ``tests/conftest.py``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
COURSE_SOURCE = REPOSITORY / "assignments"
ASSIGNMENT = "hw4"
VENV_BIN = Path(sys.executable).parent


def nbgrader_environment() -> dict[str, str]:
    """The environment nbgrader needs: the venv first on PATH (it shells out to alembic)."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("HW4_STUDENT_ID", None)
    return env


def run_nbgrader(
    course_root: Path, *args: str, retcode: int = 0
) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in ``course_root``; fail with its output if it exits otherwise."""
    result = subprocess.run(
        [str(VENV_BIN / "nbgrader"), *args],
        cwd=course_root,
        env=nbgrader_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != retcode:
        pytest.fail(
            f"nbgrader {' '.join(args)} exited with {result.returncode}, expected {retcode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
    return result


def run_nbgrader_concurrently(
    course_root: Path, *commands: Sequence[str]
) -> list[subprocess.CompletedProcess[str]]:
    """Run several ``nbgrader`` commands at once (each must exit with 0); results in order.

    Only for commands that do not write the same files: e.g. ``validate`` beside
    ``autograde``, or ``generate_feedback`` beside ``export``.
    """
    processes = [
        (
            list(command),
            subprocess.Popen(
                [str(VENV_BIN / "nbgrader"), *command],
                cwd=course_root,
                env=nbgrader_environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for command in commands
    ]
    results = []
    for command, process in processes:
        stdout, stderr = process.communicate()
        results.append(subprocess.CompletedProcess(command, process.returncode, stdout, stderr))
    for result in results:
        if result.returncode != 0:
            pytest.fail(
                f"nbgrader {' '.join(result.args)} exited with {result.returncode}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
    return results


def _cells_by_id(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if "grade_id" in cell.metadata.get("nbgrader", {})
    }


@dataclass(frozen=True)
class Course:
    """A temporary nbgrader course root (a copy of ``assignments/``)."""

    root: Path

    @property
    def course_id(self) -> str:
        """The course id, as the course's ``nbgrader_config.py`` sets it (read by traitlets,
        as nbgrader reads it)."""
        from traitlets.config.loader import PyFileConfigLoader

        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        return str(config.CourseDirectory.course_id)

    def run(self, *args: str, retcode: int = 0) -> subprocess.CompletedProcess[str]:
        """Run ``nbgrader ARGS`` in the course root."""
        return run_nbgrader(self.root, *args, retcode=retcode)

    def run_concurrently(self, *commands: Sequence[str]) -> list[subprocess.CompletedProcess[str]]:
        """Run several nbgrader commands at once in the course root (see the function)."""
        return run_nbgrader_concurrently(self.root, *commands)

    def path(self, stage: str, student: str | None = None) -> Path:
        """The assignment folder of a stage: source, release, submitted, autograded, feedback."""
        if student is None:
            return self.root / stage / ASSIGNMENT
        return self.root / stage / student / ASSIGNMENT

    def notebook(self, stage: str, student: str | None = None) -> nbformat.NotebookNode:
        """The hw4 notebook of a stage (and student)."""
        return nbformat.read(self.path(stage, student) / f"{ASSIGNMENT}.ipynb", as_version=4)

    def autograded_notebook(self, student: str) -> nbformat.NotebookNode:
        """A student's notebook after ``nbgrader autograde`` (cells run, outputs kept)."""
        return self.notebook("autograded", student)

    def submit(
        self,
        student: str,
        answers: Mapping[str, str] | None = None,
        notebook_student_id: str | None = None,
        solved: bool = True,
    ) -> Path:
        """Write ``submitted/<student>/hw4/`` from the release, the way a student would.

        Every answer cell gets the source notebook's solution (``solved``) or stays
        as released; ``answers`` maps grade_ids to replacement cell sources; the
        ``student_id`` cell says ``notebook_student_id`` (default: ``student``).
        """
        release = self.path("release")
        target = self.path("submitted", student)
        shutil.copytree(release, target, dirs_exist_ok=True)
        notebook = nbformat.read(release / f"{ASSIGNMENT}.ipynb", as_version=4)
        cells = _cells_by_id(notebook)
        if solved:
            for grade_id, cell in _cells_by_id(self.notebook("source")).items():
                if cell.metadata["nbgrader"].get("solution") and grade_id in cells:
                    cells[grade_id].source = cell.source
        for grade_id, source in (answers or {}).items():
            cells[grade_id].source = source
        shown_id = student if notebook_student_id is None else notebook_student_id
        cells["student_id"].source = f"STUDENT_ID = {shown_id!r}"
        nbformat.write(notebook, target / f"{ASSIGNMENT}.ipynb")
        return target


def build_course(root: Path) -> Course:
    """Copy the course configuration and sources to ``root`` and generate the release."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(COURSE_SOURCE / "nbgrader_config.py", root / "nbgrader_config.py")
    subprocess.run(
        [sys.executable, str(COURSE_SOURCE / "prepare_source.py"), str(root)],
        check=True,
        capture_output=True,
    )
    course = Course(root)
    course.run("generate_assignment", ASSIGNMENT, "--force")
    return course


def prepare_source_module() -> ModuleType:
    """``assignments/prepare_source.py``, imported as a module (it is a script, not a package)."""
    path = COURSE_SOURCE / "prepare_source.py"
    spec = importlib.util.spec_from_file_location("prepare_source", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
