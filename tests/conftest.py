"""The shared nbgrader course-directory fixtures.

``released_course`` (session-scoped) is a temporary copy of the course root
``assignments/`` whose release has been generated with the real ``nbgrader``
command line; ``course`` (per test) is a fresh copy of it that a test may change
freely. :class:`Course` and the helpers that run nbgrader are in ``tests/course.py``.

Tests that only read or that add submissions under student IDs of their own may
share ``released_course`` to save the release step (about 5 s). In a test marked
``exchange``, ``course`` is a copy of ``course_on_exchange`` instead: the released course
with hw4 also released to its exchange, made once per run with ``nbgrader
release_assignment``.

The suite runs in parallel (pytest-xdist, ``-n auto``: one worker per core and one more,
at most ``MAX_WORKERS``). Each test file goes to one worker as a whole, so that a module's
fixtures are made once; the book's files go together, since they share one build. The
slow files run first (the book's first of all), so that the workers finish together;
every test stands alone, in any order and any worker.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

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


MAX_WORKERS = 4
"""Most parallel workers: several tests run sandboxes, nbgrader or a browser of their own."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: a worker per usable core and one more (much of the suite waits on
    services, browsers and time limits), at most ``MAX_WORKERS``."""
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0)) + 1))


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Each test file to one worker as a whole, the book's files together (they share a build),
    handed out in the order ``pytest_collection_modifyitems`` gives them."""
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "tests/book" if path.startswith("tests/book/") else path

    # xdist would otherwise hand out the files with the most tests first, which puts the
    # slow files of a single long test (the feedback chain, the resumed batch) last
    config.option.loadscopereorder = False
    return ByFile(config, log)


def _group(item: pytest.Item) -> str:
    """The tests that go to one worker together: a file's, or all the book's."""
    path = item.path.relative_to(REPOSITORY).as_posix()
    return "tests/book" if path.startswith("tests/book/") else path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The book's files first, then the files with slow tests, then the rest (each file's
    tests together and in their order)."""
    weight: dict[str, int] = {}
    for item in items:
        group = _group(item)
        own = 0 if group == "tests/book" else 1 if item.get_closest_marker("slow") else 2
        weight[group] = min(weight.get(group, own), own)
    items.sort(key=lambda item: weight[_group(item)])


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The whole run's temporary folder, in which every xdist worker's lies (None without
    xdist): what the workers share goes there."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return None
    return tmp_path_factory.getbasetemp().parent


def shared_course(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]
) -> Course:
    """A course made once per run by ``build(root)`` and then only read (or copied).

    Under xdist the workers share it: the first to need it builds it in the run's
    temporary folder (which every worker's lies in) while the others wait on a lock.
    """
    shared = run_folder(tmp_path_factory)
    if shared is None:
        root = tmp_path_factory.mktemp(name) / "course"
        build(root)
        return Course(root)
    root = shared / name
    built = shared / f"{name}.built"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not built.is_file():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed in another worker
            build(root)
            built.touch()
    return Course(root)


@pytest.fixture(scope="session")
def released_course(tmp_path_factory: pytest.TempPathFactory) -> Course:
    """A course whose release is generated (shared by the whole session: add, never change)."""
    return shared_course(tmp_path_factory, "released-course", build_course)


@pytest.fixture(scope="session")
def course_on_exchange(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Course:
    """The released course with hw4 released to its exchange by ``nbgrader
    release_assignment`` (shared by the whole session: copy, never change)."""

    def release(root: Path) -> None:
        shutil.copytree(released_course.root, root)
        Course(root).run("release_assignment", ASSIGNMENT)

    return shared_course(tmp_path_factory, "course-on-exchange", release)


@pytest.fixture
def course(request: pytest.FixtureRequest, released_course: Course, tmp_path: Path) -> Course:
    """A fresh copy of the released course that the test may change; with the mark
    ``exchange``, of the course whose hw4 is also released to its exchange (the exchange
    lies in the course root, as nbgrader_config.py sets it)."""
    source = released_course
    if request.node.get_closest_marker("exchange"):
        source = request.getfixturevalue("course_on_exchange")
    root = tmp_path / "course"
    shutil.copytree(source.root, root)
    return Course(root)


# The property tests draw the same examples on every run (CI and a developer see one result);
# HYPOTHESIS_PROFILE=explore draws new ones.
hypothesis_settings.register_profile("ci", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
