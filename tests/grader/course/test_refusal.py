"""Without bubblewrap the command refuses to grade, unless told to run unsafely."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from grader import RUBRIC
from tests.conftest import Course

from .builders import filled, write
from .run_command import grade_rows, run_grade

pytestmark = pytest.mark.slow

BWRAP = Path("/usr/bin/bwrap")


def without_bwrap() -> tuple[str, ...]:
    """A command prefix under which /usr/bin/bwrap is not an executable file (an empty device)."""
    if not BWRAP.exists():
        return ()
    return (str(BWRAP), "--dev-bind", "/", "/", "--ro-bind", "/dev/null", str(BWRAP), "--")


@pytest.fixture(scope="module")
def course_root(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("refusal") / "course"
    shutil.copytree(released_course.root, root)
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    write(root, "trusted", filled(release, "trusted"))
    return root


def test_refuses_and_says_why(course_root: Path) -> None:
    result = run_grade(course_root, prefix=without_bwrap())
    assert result.returncode == 2
    assert "bubblewrap" in result.stderr
    assert "--unsafe-no-sandbox" in result.stderr
    assert not (course_root / "grades.csv").exists()
    assert not (course_root / "autograded").exists()


def test_grades_without_isolation_when_told_to(course_root: Path) -> None:
    result = run_grade(course_root, "--unsafe-no-sandbox", prefix=without_bwrap())
    assert result.returncode == 0, result.stderr[-2000:]
    assert float(grade_rows(course_root)["trusted"]["score"]) == RUBRIC.max_score
