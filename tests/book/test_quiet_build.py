"""``build_editions.py --quiet`` (as ``make`` runs it): progress lines only.

Its status filter passes one line per chapter executed and nothing else of Sphinx's
log; warnings never reach it (Sphinx writes them to stderr).
"""

from __future__ import annotations

import importlib.util
import io
from types import ModuleType

import pytest

from tests.book.site_crawl import ROOT


@pytest.fixture(scope="module")
def build_editions() -> ModuleType:
    """The build script, loaded from its file (it is not an installed module)."""
    path = ROOT / "book" / "tools" / "build_editions.py"
    spec = importlib.util.spec_from_file_location("build_editions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SPHINX_LOG = (
    "\x1b[01mRunning Sphinx v7.4.7\x1b[39;49;00m\n"
    "\x1b[01mmyst v3.0.1:\x1b[39;49;00m MdParserConfig(commonmark_only=False)\n"
    "\x1b[01mreading sources... \x1b[39;49;00m[ 11%] \x1b[35mbook/assignment\x1b[39;49;00m\n"
    f"{ROOT}/book/assignment.md: Executing notebook using local CWD [mystnb]\n"
    f"{ROOT}/book/assignment.md: Executed notebook in 2.31 seconds [mystnb]\n"
    "\x1b[01mbuild succeeded.\x1b[39;49;00m\n"
)


def test_only_the_chapters_executed_pass(build_editions: ModuleType) -> None:
    out = io.StringIO()
    status = build_editions.ProgressOnly(out)
    status.write(SPHINX_LOG)
    assert out.getvalue() == "  executing book/assignment.md\n"


def test_a_line_written_in_pieces_is_seen_whole(build_editions: ModuleType) -> None:
    out = io.StringIO()
    status = build_editions.ProgressOnly(out)
    line = f"{ROOT}/book/q1_forward.md: Executing notebook using local CWD [mystnb]\n"
    for start in range(0, len(line), 7):
        status.write(line[start : start + 7])
    assert out.getvalue() == "  executing book/q1_forward.md\n"
