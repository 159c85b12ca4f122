"""The Makefile: which Python it takes, and what it rebuilds.

- ``make`` stops at once, with one line naming the Python it found and the one it
  needs, on a Python older than pyproject.toml's ``requires-python``; ``PYTHON=``
  chooses the Python.
- Every step is a file target over its real inputs: a copy of the project with its
  outputs newer than its inputs is up to date (``make -q``), and touching an input makes
  exactly the outputs built from it out of date. These checks run no build.
- ``make release`` prints its progress line and nothing else, also when it replaces an
  earlier release (nbgrader used to warn that it was removing it).
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parent.parent  # not resolved: the venv, not its base Python
STAMP = VENV / ".installed"
PYTHON_3_10 = Path("/root/.pyenv/versions/3.10.13/bin/python3")

RELEASE = "assignments/release/hw4/hw4.ipynb"
SITE = "_build/html/index.html"
SITE_STUDENT = "_build/html-student/index.html"
HANDOUT = "assignments/handout/hw4.ipynb"
PDF = "_build/pdf/hw4-full.pdf"
PDF_STUDENT = "_build/pdf/hw4-student.pdf"
OUTPUTS = (RELEASE, HANDOUT, SITE, SITE_STUDENT, PDF, PDF_STUDENT)
# generated beside the committed source, never inputs
GENERATED = ("hw4.ipynb", "hw4_variant.py", "__pycache__", "*.pyc")
PROJECT_FILES = ("Makefile", "pyproject.toml", "requirements.txt", "README.md")
PROJECT_FILES += ("_config.yml", "_toc.yml")
PROJECT_FILES += ("assignments/nbgrader_config.py", "assignments/prepare_source.py")
PROJECT_DIRS = ("book", "solutions", "grader", "assignments/source")


def make(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``make ARGS`` in ``folder`` (outside any venv's PATH), with its output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("MAKE")}
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def copy_project(target: Path) -> Path:
    """Copy the files the Makefile reads and builds from into ``target``."""
    for name in PROJECT_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    for name in PROJECT_DIRS:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns(*GENERATED))
    return target


def set_mtime(path: Path, when: float) -> None:
    os.utime(path, (when, when))


# ---------------------------------------------------------------- which Python


def bare_project(target: Path, requires: str | None = None) -> Path:
    """The Makefile and what it reads before it builds anything; no venv."""
    for name in ("Makefile", "pyproject.toml", "requirements.txt"):
        shutil.copy2(ROOT / name, target / name)
    for name in ("book", "solutions"):
        (target / name).mkdir()
    if requires is not None:
        pyproject = target / "pyproject.toml"
        text = re.sub(
            r'(?m)^requires-python = ".*"$',
            f'requires-python = "{requires}"',
            pyproject.read_text(),
        )
        pyproject.write_text(text)
    return target


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The only line ``make`` printed; fail if it printed more or fewer."""
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.skipif(
    not os.access(PYTHON_3_10, os.X_OK),
    reason="no Python 3.10 here; test_a_python_below_the_minimum_stops_make proves the same",
)
def test_python_3_10_stops_make_at_once(tmp_path: Path) -> None:
    project = bare_project(tmp_path)
    result = make(project, f"PYTHON={PYTHON_3_10}")
    assert result.returncode != 0
    line = one_line(result)
    assert "Python 3.11 or later is needed" in line
    assert f"{PYTHON_3_10} is Python 3.10.13" in line
    assert not (project / ".venv").exists()


def test_a_python_below_the_minimum_stops_make(tmp_path: Path) -> None:
    # the running Python, made too old by asking for a newer one
    project = bare_project(tmp_path, requires=">=3.99")
    result = make(project, f"PYTHON={sys.executable}")
    assert result.returncode != 0
    line = one_line(result)
    assert "Python 3.99 or later is needed" in line
    assert f"{sys.executable} is Python {platform.python_version()}" in line
    assert "make PYTHON=" in line
    assert not (project / ".venv").exists()


def test_a_venv_of_an_older_python_is_named(tmp_path: Path) -> None:
    project = bare_project(tmp_path, requires=">=3.99")
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").symlink_to(sys.executable)
    line = one_line(make(project))
    assert f".venv/bin/python is Python {platform.python_version()}" in line
    assert "delete .venv" in line


def test_a_missing_python_is_named(tmp_path: Path) -> None:
    result = make(bare_project(tmp_path), "PYTHON=/nonexistent/python3")
    assert result.returncode != 0
    assert "No Python at PYTHON=/nonexistent/python3" in one_line(result)


def test_make_creates_the_venv_with_the_python_given(tmp_path: Path) -> None:
    result = make(bare_project(tmp_path), "-n", "venv", f"PYTHON={sys.executable}")
    assert result.returncode == 0, result.stderr
    assert f"{sys.executable} -m venv .venv" in result.stdout
    # uv first, pip as the fallback
    assert (
        "uv pip install --quiet --system-certs --python .venv/bin/python -r requirements.txt"
        in (result.stdout)
    )
    assert "-r requirements.txt --compile-bytecode" in result.stdout  # as pip does by default
    assert "pip install --quiet --disable-pip-version-check -r" in result.stdout


# ---------------------------------------------------------------- what is rebuilt


@pytest.fixture
def built_copy(tmp_path: Path) -> Path:
    """A copy of the project whose outputs are all newer than their inputs."""
    project = copy_project(tmp_path / "project")
    now = time.time()
    for path in project.rglob("*"):
        set_mtime(path, now - 1000)
    for name in OUTPUTS:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("built\n")
        set_mtime(project / name, now - 500)
    return project


def stale(project: Path) -> set[str]:
    """The outputs ``make -q`` finds out of date (the venv taken as installed)."""
    found = set()
    for name in OUTPUTS:
        result = make(project, "-q", f"VENV={VENV}", "-o", str(STAMP), name)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        if result.returncode == 1:
            found.add(name)
    return found


BOOK = {SITE, SITE_STUDENT, PDF, PDF_STUDENT}
ALL = {RELEASE, HANDOUT, *BOOK}


def test_nothing_is_rebuilt_when_nothing_changed(built_copy: Path) -> None:
    assert stale(built_copy) == set()
    # `make` itself would only print where the results are
    result = make(built_copy, "-n", f"VENV={VENV}", "-o", str(STAMP))
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["echo"] * 7


@pytest.mark.parametrize(
    ("changed", "rebuilt"),
    [
        ("book/q1_forward.md", BOOK),
        ("book/texfmt.py", BOOK),
        ("book/_static/course.css", BOOK),
        ("book/_ext/kernel_encryption.py", BOOK),
        ("book/tools/build_editions.py", BOOK),
        ("book/tools/print_pdf.py", BOOK),
        ("book/_static/print.css", BOOK),
        ("book/_templates/edition-pdf.html", BOOK),
        ("_config.yml", BOOK),
        ("_toc.yml", BOOK),
        ("solutions/network.py", BOOK),
        ("grader/judgment/rubric.py", ALL),
        ("solutions/data.py", ALL),
        ("solutions/variant.py", ALL),
        ("assignments/source/hw4/hw4.md", ALL),
        ("assignments/source/hw4/hw4_selfcheck.py", ALL),
        ("assignments/nbgrader_config.py", ALL),
        ("assignments/prepare_source.py", ALL),
        # neither the chapters nor the release use these
        ("README.md", set()),
        ("grader/sandbox/run.py", set()),
        ("grader/course/batch.py", set()),
        ("grader/course/lms/handout.py", {HANDOUT}),
    ],
)
def test_a_changed_input_rebuilds_what_is_built_from_it(
    built_copy: Path, changed: str, rebuilt: set[str]
) -> None:
    assert (built_copy / changed).is_file()
    set_mtime(built_copy / changed, time.time())
    assert stale(built_copy) == rebuilt


def test_bytecode_written_by_a_build_is_no_input(built_copy: Path) -> None:
    cache = built_copy / "book" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "texfmt.cpython-311.pyc").write_bytes(b"")
    assert stale(built_copy) == set()


def test_a_missing_edition_is_rebuilt_alone(built_copy: Path) -> None:
    (built_copy / SITE_STUDENT).unlink()
    # and printed again: its PDF is made from it
    assert stale(built_copy) == {SITE_STUDENT, PDF_STUDENT}


@pytest.mark.parametrize("pdf", [PDF, PDF_STUDENT])
def test_a_missing_pdf_is_printed_alone(built_copy: Path, pdf: str) -> None:
    (built_copy / pdf).unlink()
    assert stale(built_copy) == {pdf}


def test_new_pins_reinstall_the_venv_and_rebuild_everything(built_copy: Path) -> None:
    set_mtime(built_copy / "requirements.txt", time.time() + 3600)  # newer than the stamp
    result = make(built_copy, "-q", f"VENV={VENV}", str(STAMP))
    assert result.returncode == 1, result.stdout + result.stderr
    # the outputs depend on the venv
    touched = make(built_copy, "-q", f"VENV={VENV}", "-W", str(STAMP), RELEASE)
    assert touched.returncode == 1


# ---------------------------------------------------------------- a quiet release


@pytest.mark.slow
def test_make_release_prints_its_progress_only(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    expected = ["releasing hw4 into assignments/release/hw4/"]
    first = make(project, f"VENV={VENV}", "-o", str(STAMP), "release")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (first.stdout + first.stderr).splitlines() == expected
    assert (project / RELEASE).is_file()
    # a new source replaces the release: still no warning
    now = time.time()
    set_mtime(project / RELEASE, now - 60)
    set_mtime(project / "assignments/source/hw4/hw4.md", now)
    second = make(project, f"VENV={VENV}", "-o", str(STAMP), "release")
    assert second.returncode == 0, second.stdout + second.stderr
    assert (second.stdout + second.stderr).splitlines() == expected
