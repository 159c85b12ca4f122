"""Reading the editions' PDFs with poppler's tools (poppler-utils): text, words, pages."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from PIL import Image

from tests.book.site_crawl import ROOT

WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.DOTALL)


@dataclass(frozen=True)
class Word:
    """One word on a page, with its box in points (y grows downwards)."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float


def poppler(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of poppler's tools; fail the test if poppler-utils is missing."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (see .ci/run)")
    return subprocess.run([tool, *args], capture_output=True, text=True, check=True)


def page_count(pdf: Path) -> int:
    """The number of pages, as pdfinfo reads it."""
    info = poppler("pdfinfo", str(pdf)).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


def plain(text: str) -> str:
    """Whitespace collapsed, and the typographic minus read as a hyphen."""
    return " ".join(text.replace("\u2212", "-").split())


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed), ``plain``."""
    pages = poppler("pdftotext", str(pdf), "-").stdout.split("\f")
    return [plain(page) for page in pages[: page_count(pdf)]]


@dataclass(frozen=True)
class Page:
    """One page's size in points and its words, in reading order."""

    width: float
    height: float
    words: list[Word]


def page_words(pdf: Path) -> list[Page]:
    """The words of each page with their boxes (``pdftotext -bbox``)."""
    xhtml = poppler("pdftotext", "-bbox", str(pdf), "-").stdout
    return [
        Page(
            float(width),
            float(height),
            [
                Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
                for x0, y0, x1, y1, text in WORD.findall(body)
            ],
        )
        for width, height, body in PAGE.findall(xhtml)
    ]


def render(pdf: Path, page: int, folder: Path, dpi: int = 50) -> Image.Image:
    """One page (numbered from 1) as pdftoppm renders it."""
    prefix = folder / f"page{page}"
    poppler(
        "pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), str(pdf), str(prefix)
    )
    [png] = folder.glob(f"page{page}-*.png")
    return Image.open(png)


def chapter_titles() -> list[str]:
    """Each chapter's title (its first ``# `` heading), in the order of ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    titles = []
    for name in files:
        source = (ROOT / f"{name}.md").read_text()
        match = re.search(r"^# (.+)$", source, re.MULTILINE)
        assert match, f"{name}.md has no title"
        titles.append(plain(match.group(1)))
    return titles


def chapter_pages(pages: list[str]) -> dict[str, range]:
    """Per chapter title, the pages it fills: from the page it begins (a page starting with
    its title) to the next chapter's. Fails if a chapter begins no page."""
    starts: dict[str, int] = {}
    for title in chapter_titles():
        after = max(starts.values(), default=-1) + 1
        found = [n for n in range(after, len(pages)) if pages[n].startswith(title)]
        assert found, f"no page after page {after} begins with the chapter {title!r}"
        starts[title] = found[0]
    ends = [*list(starts.values())[1:], len(pages)]
    return {
        title: range(start, end) for (title, start), end in zip(starts.items(), ends, strict=True)
    }


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def numbers_in(text: str) -> set[str]:
    """Every number written in ``text``, as written."""
    return set(NUMBER.findall(text))
