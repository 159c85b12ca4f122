"""Session fixtures: a cold build of both editions, served on localhost, crawled once.

The build runs the same commands as ``make book pdf`` into a temporary folder, with
warnings as errors: its success is the zero-warning check. axe-core (pinned in
tests/tools/package.json) is installed by ``make test``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.book.builds import Build, Edition
from tests.book.site_crawl import ROOT, crawl, serve

AXE_SCRIPT = ROOT / ".venv" / "test-tools" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


RELEASED = ROOT / "assignments" / "release" / "hw4"
RELEASED_FILES = ("hw4.ipynb", "hw4_variant.py", "hw4_selfcheck.py")


@pytest.fixture(scope="session")
def site_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Both editions, built cold (fresh execution cache) with ``-W -n --keep-going``, and
    printed to their PDFs.

    The students' page links the released assignment, so it is released first
    (``make release``, as ``make book`` does) when it is not there yet.
    """
    if not all((RELEASED / name).is_file() for name in RELEASED_FILES):
        subprocess.run(["make", "release"], cwd=ROOT, check=True, capture_output=True)
    out = tmp_path_factory.mktemp("site")
    log = ""
    # the websites, then their PDFs (which every page links), as `make` makes them
    for tool in ("build_editions.py", "print_pdf.py"):
        result = subprocess.run(
            [sys.executable, str(ROOT / "book" / "tools" / tool), "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        log += result.stdout + result.stderr
        if result.returncode != 0:
            break
    return Build(out=out, returncode=result.returncode, log=log)


@pytest.fixture(scope="session")
def built(site_build: Build) -> Build:
    """The build, required to have succeeded."""
    if site_build.returncode != 0:
        pytest.fail(f"the book build failed:\n{site_build.log[-5000:]}")
    return site_build


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js of axe-core, pinned in tests/tools/package.json and installed by make test."""
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"axe-core is not installed at {AXE_SCRIPT}: run the tests with `make test`")
    return AXE_SCRIPT


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by playwright (playwright never downloads a browser)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is needed for the browser tests (see .ci/run)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _edition(name: str, folder: str, built: Build, browser: Any, axe: Path) -> Iterator[Edition]:
    with serve(built.out / folder) as base_url:
        yield Edition(name=name, base_url=base_url, pages=crawl(browser, base_url, axe))


@pytest.fixture(scope="session")
def full_edition(built: Build, browser: Any, axe_script: Path) -> Iterator[Edition]:
    """The full edition, served and crawled."""
    yield from _edition("full", "html", built, browser, axe_script)


@pytest.fixture(scope="session")
def student_edition(built: Build, browser: Any, axe_script: Path) -> Iterator[Edition]:
    """The student edition, served and crawled."""
    yield from _edition("student", "html-student", built, browser, axe_script)


@pytest.fixture(scope="session", params=["full", "student"])
def edition(request: pytest.FixtureRequest) -> Edition:
    """Each edition in turn."""
    fixture: Edition = request.getfixturevalue(f"{request.param}_edition")
    return fixture
