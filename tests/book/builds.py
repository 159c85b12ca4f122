"""What the book's session fixtures hand to the tests: a build, and a served edition."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.book.site_crawl import PageReport


@dataclass
class Build:
    """The output folder of a cold build, with its log and exit status."""

    out: Path
    returncode: int
    log: str


@dataclass
class Edition:
    """One served edition: its base URL and the report of every page."""

    name: str
    base_url: str
    pages: dict[str, PageReport]
