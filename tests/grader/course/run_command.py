"""Running the real ``python -m grader grade`` command in a course directory."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPOSITORY, nbgrader_environment

TEST_LIMITS = ("--cell-timeout", "6", "--notebook-timeout", "40", "--memory-mb", "768")


def grade_command(course: Path, *extra: str) -> list[str]:
    """The command line, with the small limits the tests use."""
    return [
        sys.executable,
        "-m",
        "grader",
        "grade",
        "hw4",
        "--course",
        str(course),
        *TEST_LIMITS,
        *extra,
    ]


def environment() -> dict[str, str]:
    """The venv first on PATH; the repository importable as it is after ``pip install -e``."""
    env = nbgrader_environment()
    env["PYTHONPATH"] = str(REPOSITORY)
    return env


def run_grade(
    course: Path, *extra: str, prefix: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run the command to the end and return what it printed."""
    return subprocess.run(
        [*prefix, *grade_command(course, *extra)],
        cwd=course,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def start_grade(course: Path, *extra: str) -> subprocess.Popen[bytes]:
    """Start the command in its own process group (to be killed by the test)."""
    return subprocess.Popen(
        grade_command(course, *extra),
        cwd=course,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def grade_rows(course: Path) -> dict[str, dict[str, str]]:
    """``grades.csv`` by student ID."""
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        return {row["student_id"]: row for row in csv.DictReader(handle)}


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the command and everything it started."""
    os.killpg(process.pid, 9)
    process.wait()
