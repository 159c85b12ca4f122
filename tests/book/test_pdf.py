"""Each edition's PDF, read back with poppler: chapters, numbers, figures, formulas, pages.

The PDFs come from the shared build (``conftest.site_build``: the websites, then
``book/tools/print_pdf.py``). The expected numbers come from ``solutions``, the
reference package, never from the build; the figures expected are those of the
edition's website.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

import solutions
from tests.book.builds import Build
from tests.book.pdfs import (
    Page,
    Word,
    chapter_pages,
    chapter_titles,
    numbers_in,
    page_count,
    page_texts,
    page_words,
    poppler,
    render,
)
from tests.book.site_crawl import RAW_TEX, toc_pages

pytestmark = pytest.mark.slow
EDITIONS = {"full": "html", "student": "html-student"}
CAPTION = re.compile(
    r'<span class="caption-number">Fig\. (\d+) </span><span class="caption-text">([^\s<]+)'
)
# a figure is drawn in the band above its caption: some of it inked, text aside
FIGURE_BAND = 60.0  # points
LEAST_INK = 0.005  # a caption under a missing figure: below 0.001


def pdf_of(built: Build, edition: str) -> Path:
    return built.out / "pdf" / f"hw4-{edition}.pdf"


def chapter_text(built: Build, edition: str) -> dict[str, str]:
    """Per chapter title, the text of the pages it fills."""
    pages = page_texts(pdf_of(built, edition))
    return {
        title: " ".join(pages[n] for n in numbers)
        for title, numbers in chapter_pages(pages).items()
    }


def shown(values: object, decimals: int) -> set[str]:
    """Each value as the chapters print it (no signed zero)."""
    return {f"{float(value) + 0.0:.{decimals}f}" for value in solutions_flat(values)}


def solutions_flat(values: object) -> list[float]:
    """The entries of a value of ``solutions`` (a number, a vector, a matrix), as floats."""
    return [float(value) for value in np.asarray(values, dtype=float).ravel()]


SEED = solutions.SEED
ANSWERS = solutions.answers(SEED.theta, SEED.X, SEED.y, SEED.eta)
# the worked answers, each as its chapter prints it (Q1: ŷ in its table, Q2: the loss,
# Q4: the mean gradient in the finite-difference table, Q5: θ′ in the update table,
# Q6: the loss after the step)
WORKED = {
    "Question 1": shown(ANSWERS["y_hat"], 2),
    "Question 2": shown([ANSWERS["loss"]], 2),
    "Question 4": shown(ANSWERS["grad"], 4) | shown(ANSWERS["grad_per_sample"], 2),
    "Question 5": shown(ANSWERS["theta_new"], 3),
    "Question 6": shown([ANSWERS["loss_new"]], 6),
}


def chapter(texts: dict[str, str], prefix: str) -> str:
    [title] = [title for title in texts if title.startswith(prefix)]
    return texts[title]


@pytest.mark.parametrize("edition", EDITIONS)
def test_each_chapter_begins_a_page_of_its_own(built: Build, edition: str) -> None:
    pages = page_texts(pdf_of(built, edition))
    spans = chapter_pages(pages)  # fails naming a chapter that begins no page
    assert list(spans) == chapter_titles()
    assert all(len(span) >= 1 for span in spans.values())
    assert len(pages) >= len(chapter_titles())


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_site_ships_its_own_pdf_only(built: Build, edition: str) -> None:
    site = built.out / EDITIONS[edition]
    assert [path.name for path in (site / "pdf").iterdir()] == [f"hw4-{edition}.pdf"]
    assert (site / "pdf" / f"hw4-{edition}.pdf").read_bytes() == pdf_of(built, edition).read_bytes()
    # and every page links it
    for page in toc_pages()[1:]:  # index.html only redirects
        assert f'pdf/hw4-{edition}.pdf"' in (site / page).read_text(), page


def test_the_full_edition_holds_the_seeds_numbers(built: Build) -> None:
    texts = chapter_text(built, "full")
    intro = numbers_in(next(iter(texts.values())))
    data = [*solutions_flat(SEED.X), *solutions_flat(SEED.y), *solutions_flat(SEED.theta)]
    assert {f"{value:g}" for value in [*data, float(SEED.eta)]} <= intro
    for prefix, expected in WORKED.items():
        assert expected <= numbers_in(chapter(texts, prefix)), prefix


def test_the_student_edition_holds_no_worked_solution(built: Build) -> None:
    full = chapter_text(built, "full")
    student = chapter_text(built, "student")
    exercises = re.compile(r"Exercise \d+ \([^)]*\)")
    solutions_shown = re.compile(r"Solution to Exercise \d+")
    # the full edition shows every exercise with its solution; the student edition the
    # same exercises, without
    for title, text in full.items():
        assert set(exercises.findall(student[title])) == set(exercises.findall(text)), title
    assert all(solutions_shown.search(full[t]) for t in full if t.startswith("Question"))
    assert not any(solutions_shown.search(text) for text in student.values())
    printed = numbers_in(" ".join(student.values()))
    for prefix, expected in WORKED.items():
        if prefix != "Question 1":  # ŷ = 3.00, 0.00: numbers any page may hold
            assert not expected & printed, prefix


@pytest.mark.parametrize("edition", EDITIONS)
def test_the_explorer_prints_as_a_note_without_numbers(built: Build, edition: str) -> None:
    # on screen the widget draws fresh random numbers; a PDF must not depend on the draw
    texts = chapter_text(built, edition)
    explorer = chapter(texts, "The explorer")
    q7 = chapter(texts, "Question 7")
    for text in (explorer, q7):
        assert "The explorer is interactive" in text
        assert "It starts from" not in text and "Your numbers" not in text


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_formula_is_typeset(built: Build, edition: str) -> None:
    text = poppler("pdftotext", str(pdf_of(built, edition)), "-").stdout
    assert RAW_TEX.findall(text) == []
    # MathJax's symbols, not TeX's names (θ in the data, ∂ in the gradients)
    assert "θ" in text and "∂" in text


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_figure_is_drawn_above_its_caption(
    built: Build, edition: str, tmp_path: Path
) -> None:
    site = built.out / EDITIONS[edition]
    captions = [
        caption
        for page in toc_pages()[1:]  # index.html only redirects
        for caption in CAPTION.findall((site / page).read_text())
    ]
    assert captions, "the website has figures"
    pdf = pdf_of(built, edition)
    pages = page_words(pdf)
    drawn = set()
    for number, first_word in captions:
        for page_number, page in enumerate(pages, start=1):
            words = page.words
            for index in range(len(words) - 2):
                caption = words[index]
                following = (words[index + 1].text, words[index + 2].text)
                if (
                    caption.text == "Fig."
                    and following == (number, first_word)
                    and ink_above(pdf, page_number, page, caption, tmp_path) >= LEAST_INK
                ):
                    drawn.add(number)
    assert drawn == {number for number, _ in captions}


def ink_above(pdf: Path, page_number: int, page: Page, caption: Word, folder: Path) -> float:
    """The share of the band above ``caption`` that is drawn in, text left out."""
    image = render(pdf, page_number, folder).convert("L")
    scale = image.height / page.height
    draw = ImageDraw.Draw(image)
    for word in page.words:  # white out every word: what stays is drawing
        box = (word.x_min * scale, word.y_min * scale, word.x_max * scale, word.y_max * scale)
        draw.rectangle(box, fill=255)
    top = max(0.0, caption.y_min - FIGURE_BAND)
    band = image.crop((0, int(top * scale), image.width, int(caption.y_min * scale)))
    inked = sum(band.histogram()[:200])  # pixels darker than light grey
    return inked / (band.width * band.height)


@pytest.mark.parametrize("edition", EDITIONS)
def test_pdftoppm_renders_every_page(built: Build, edition: str, tmp_path: Path) -> None:
    pdf = pdf_of(built, edition)
    result = poppler("pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "page"))
    assert result.stderr == ""
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == page_count(pdf)
    # each page has something printed on it
    blank = [
        p.name for p in images if ImageOps.invert(Image.open(p).convert("L")).getbbox() is None
    ]
    assert blank == []
