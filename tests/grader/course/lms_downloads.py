"""Helpers of the Canvas and Moodle end-to-end tests: a course graded from an LMS download
with ``grade --zip … --roster …``, the ``export`` command, and the documented formats."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import RUBRIC
from tests.conftest import Course

from .builders import filled, reference_answers
from .run_command import environment, grade_rows, run_grade

FORMATS = Path(__file__).parent / "lms_formats"
FULL = RUBRIC.max_score


@dataclass(frozen=True)
class Graded:
    root: Path
    output: str
    rows: dict[str, dict[str, str]]


def export(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "export", "hw4", "--course", str(root), *args],
        cwd=root,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def submission(base: dict[str, Any], student: str, typed: str | None = None) -> bytes:
    """``base`` answered right for ``typed``'s numbers (the student's own by default)."""
    answers = reference_answers(typed or student)
    return json.dumps(filled(base, typed or student, answers=answers)).encode()


def grade(
    released: Course,
    tmp: Path,
    roster_rows: list[str],
    roster_bytes: Callable[[str], bytes],
    members: dict[str, bytes],
) -> Graded:
    root = tmp / "course"
    shutil.copytree(released.root, root)
    roster = tmp / "roster.csv"
    roster.write_bytes(roster_bytes("\r\n".join(roster_rows) + "\r\n"))
    archive = tmp / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    done = run_grade(root, "--zip", str(archive), "--roster", str(roster))
    assert done.returncode == 0, done.stderr
    return Graded(root, done.stderr, grade_rows(root))
