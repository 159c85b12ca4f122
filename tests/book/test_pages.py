"""Every page of both editions, in Chromium: loads cleanly, offline and accessible."""

from __future__ import annotations

import pytest

from tests.book.builds import Edition
from tests.book.site_crawl import broken_internal_links, toc_pages

PAGES = toc_pages()
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("page", PAGES)
def test_no_console_error(edition: Edition, page: str) -> None:
    assert edition.pages[page].console_errors == []


@pytest.mark.parametrize("page", PAGES)
def test_no_failed_request(edition: Edition, page: str) -> None:
    assert edition.pages[page].failed_requests == []


@pytest.mark.parametrize("page", PAGES)
def test_nothing_is_requested_from_another_host(edition: Edition, page: str) -> None:
    assert edition.pages[page].external_requests == []


@pytest.mark.parametrize("page", PAGES)
def test_every_image_loads(edition: Edition, page: str) -> None:
    assert edition.pages[page].broken_images == []


@pytest.mark.parametrize("page", PAGES)
def test_mathjax_renders_every_formula(edition: Edition, page: str) -> None:
    report = edition.pages[page]
    assert (report.unrendered_math, report.math_errors) == (0, 0)
    assert report.raw_tex == []


@pytest.mark.parametrize("page", PAGES)
def test_every_internal_link_resolves(edition: Edition, page: str) -> None:
    assert broken_internal_links(edition.pages[page], edition.base_url) == []


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_accessibility_violation(edition: Edition, page: str) -> None:
    assert edition.pages[page].axe_violations == []


def test_chapters_have_formulas_and_figures(full_edition: Edition) -> None:
    pages = full_edition.pages
    assert pages["book/intro.html"].image_count == 2
    assert pages["book/q7_learning_rate.html"].image_count == 2
    assert all(
        pages[f"book/q{n}_" + name].math_count > 0
        for n, name in [
            (1, "forward.html"),
            (2, "loss.html"),
            (3, "proofs.html"),
            (4, "gradient.html"),
            (5, "update.html"),
            (6, "loss_after.html"),
            (7, "learning_rate.html"),
        ]
    )
