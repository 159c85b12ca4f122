"""The cold build of both editions: clean, complete and offline."""

from __future__ import annotations

import re

import pytest

from tests.book.builds import Build
from tests.book.site_crawl import ROOT, toc_pages

CDN_HOSTS = re.compile(r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.|googleapis\.com|mathjax\.org")


@pytest.mark.slow
def test_build_succeeds_with_no_warning(site_build: Build) -> None:
    assert site_build.returncode == 0, site_build.log[-5000:]
    # any WARNING line: Sphinx's, or a kernel's while the chapters execute (such as
    # ipykernel's "running over TCP without encryption", see book/_ext/kernel_encryption.py)
    warnings = [line for line in site_build.log.splitlines() if "WARNING" in line]
    assert warnings == []
    # the log is the full one: it names every chapter executed
    assert "Executing notebook" in site_build.log


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["html", "html-student"])
def test_every_page_is_built(built: Build, folder: str) -> None:
    missing = [page for page in toc_pages() if not (built.out / folder / page).is_file()]
    assert missing == []


@pytest.mark.slow
@pytest.mark.parametrize("folder", ["html", "html-student"])
def test_no_page_names_a_cdn(built: Build, folder: str) -> None:
    offenders = [
        str(path.relative_to(built.out))
        for path in (built.out / folder).rglob("*.html")
        if CDN_HOSTS.search(path.read_text(errors="replace"))
    ]
    assert offenders == []


@pytest.mark.slow
def test_mathjax_is_served_locally(built: Build) -> None:
    assert (built.out / "html" / "_static" / "mathjax" / "tex-chtml.js").is_file()
    page = (built.out / "html" / "book" / "q2_loss.html").read_text()
    assert "_static/mathjax/tex-chtml.js" in page


@pytest.mark.slow
def test_the_student_build_reuses_the_execution_cache(built: Build) -> None:
    executions = re.findall(r"(\S+\.md): Executing notebook", built.log)
    # each chapter executes once, in the first (full) edition's build
    assert sorted(executions) == sorted(set(executions))
    # every page that is a notebook (not index.html, a redirect Sphinx writes, nor the
    # explorer's page, plain Markdown)
    sources = [ROOT / page.replace(".html", ".md") for page in toc_pages()[1:]]
    notebooks = [path for path in sources if "kernelspec:" in path.read_text()]
    assert len(notebooks) == len(sources) - 1
    assert len(executions) == len(notebooks)


def test_no_notebook_sits_next_to_a_chapter() -> None:
    assert list((ROOT / "book").rglob("*.ipynb")) == []


@pytest.mark.slow
def test_the_student_edition_does_not_ship_the_page_sources(built: Build) -> None:
    # the sources hold the worked solutions
    student = built.out / "html-student"
    assert not (student / "_sources").exists()
    assert [p for p in student.rglob("*.html") if "_sources/" in p.read_text()] == []
