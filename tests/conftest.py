"""The shared nbgrader course-directory fixtures.

``released_course`` (session-scoped) is a temporary copy of the course root
``assignments/`` whose release has been generated with the real ``nbgrader``
command line; ``course`` (per test) is a fresh copy of it that a test may change
freely. :class:`Course` and the helpers that run nbgrader are in ``tests/course.py``.

Tests that only read or that add submissions under student IDs of their own may
share ``released_course`` to save the release step (about 5 s).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.course import (
    ASSIGNMENT,
    COURSE_SOURCE,
    REPOSITORY,
    Course,
    build_course,
    nbgrader_environment,
    run_nbgrader,
    run_nbgrader_concurrently,
)

__all__ = [  # importable from here too, as before
    "ASSIGNMENT",
    "COURSE_SOURCE",
    "REPOSITORY",
    "Course",
    "build_course",
    "nbgrader_environment",
    "run_nbgrader",
    "run_nbgrader_concurrently",
]


@pytest.fixture(scope="session")
def released_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A course whose release is generated (shared by the whole session: add, never change)."""
    return build_course(tmp_path_factory.mktemp("course"))


@pytest.fixture
def course(released_course: Course, tmp_path: Path) -> Iterator[Course]:
    """A fresh copy of the released course that the test may change."""
    root = tmp_path / "course"
    shutil.copytree(released_course.root, root)
    yield Course(root)
