"""The student edition gives away no answer of questions 1, 2, 4, 5 and 6 for the homework's
numbers: not in a page's text or MathJax source, not in a figure.

The answers are the seed's, worked out in ``hand_computation`` (plain Python, not the
site's code). Each is searched in the spellings a page or a figure might use: rounded to
1-6 decimals, with or without a sign (a unicode minus included, since only the digits are
matched), and as a fraction. Integers (ŷ = (3, 0), z, h) and one-digit decimals like 0.2
are too common to search in text; the figures are checked for them differently: no label
of a student-edition figure sets a symbol equal to a number.
"""

from __future__ import annotations

import html
import re
import struct
import zlib
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.book import hand_computation as hand
from tests.book.builds import Build

pytestmark = pytest.mark.slow

ANSWERS: dict[str, list[float]] = {
    "q1": [*hand.Y_HAT, *(value for x in hand.X for value in hand.predict(hand.THETA, x))],
    "q2": [hand.LOSS, *hand.PER_SAMPLE_LOSS],
    "q4": [*hand.DELTA_Y_HAT, *hand.DELTA_H, *(g for row in hand.GRADS for g in row), *hand.GRAD],
    "q5": list(hand.THETA_NEW),
    "q6": [hand.LOSS_NEW, hand.LOSS - hand.LOSS_NEW],
}
IMAGE_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}
SVG = "{http://www.w3.org/2000/svg}"


def distinctive(value: float) -> bool:
    """Not a whole number: whole numbers are everywhere in ordinary text."""
    return abs(value - round(value)) > 1e-9


def decimal_spellings(value: float) -> set[str]:
    """|value| written with 1-6 decimals (rounded both ways at a tie): exactly, or rounded
    to 2 decimals or more within 2 %; and distinctive: 2 significant digits, or 3 decimals
    (so 3.4, 3.40, 2.86, 0.966 and 0.002, but not 1.0 for 0.983, 3.2 for 3.25 or 0.2)."""
    spellings = set()
    exact = Decimal(repr(abs(value)))
    for places in range(1, 7):
        step = Decimal(1).scaleb(-places)
        for rounding in (ROUND_HALF_UP, ROUND_HALF_EVEN):
            text = str(exact.quantize(step, rounding=rounding))
            gap = abs(float(text) - abs(value))
            faithful = gap < 1e-9 or (places >= 2 and gap <= 0.02 * abs(value))
            significant = len(text.replace(".", "").strip("0"))
            if faithful and (significant >= 2 or places >= 3):
                spellings.add(text)
    return spellings


def fraction_spelling(value: float) -> tuple[int, int] | None:
    """(numerator, denominator) of |value| when it is a simple fraction worth searching."""
    fraction = Fraction(abs(value)).limit_denominator(1000)
    if abs(float(fraction) - abs(value)) > 1e-9 or fraction.denominator == 1:
        return None
    if len(f"{fraction.numerator}{fraction.denominator}") < 3:  # 1/5 is too common
        return None
    return fraction.numerator, fraction.denominator


def patterns(value: float) -> list[re.Pattern[str]]:
    """Regular expressions for every spelling of one answer."""
    found = []
    for text in sorted(decimal_spellings(value)):
        whole, decimals = text.split(".")
        body = rf"{whole}(?:\.|\{{\.\}}){decimals}"
        found.append(re.compile(rf"(?<![\d.,]){body}(?!\d)(?!\.\d)"))
    if fraction := fraction_spelling(value):
        n, d = fraction
        found.append(re.compile(rf"(?<![\d.]){n}\s*/\s*{d}(?![\d.])"))
        found.append(re.compile(rf"\\[dt]?frac\s*\{{\s*{n}\s*\}}\s*\{{\s*{d}\s*\}}"))
        found.append(re.compile(rf"\{{\s*{n}\s*\\over\s*{d}\s*\}}"))
    return found


SEARCHED = {
    question: list(dict.fromkeys(p for v in values if distinctive(v) for p in patterns(v)))
    for question, values in ANSWERS.items()
}


def answers_in(text: str) -> list[str]:
    """Each answer spelling found in ``text``, with its question."""
    return [
        f"{question}: {match.group(0)!r}"
        for question, found in SEARCHED.items()
        for pattern in found
        for match in pattern.finditer(text)
    ]


def _svg(path: Path) -> ElementTree.Element:
    parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(insert_comments=True))
    return ElementTree.fromstring(path.read_text(encoding="utf-8"), parser=parser)


def svg_texts(path: Path) -> list[str]:
    """All the text of an SVG file: elements, comments, metadata."""
    root = _svg(path)
    texts = [t for element in root.iter() for t in (element.text, element.tail) if t]
    return [t.strip() for t in texts if t.strip()]


def svg_labels(path: Path) -> list[str]:
    """Every string a matplotlib SVG draws.

    Matplotlib draws text as glyph outlines, each string in a ``text_N`` group opened by
    a comment that holds the string: a group that draws glyphs without one fails here.
    """
    labels = []
    for group in _svg(path).iter(f"{SVG}g"):
        if not group.get("id", "").startswith("text_"):
            continue
        comments = [(c.text or "").strip() for c in group if c.tag is ElementTree.Comment]
        draws = any(True for _ in group.iter(f"{SVG}use"))
        assert comments or not draws, f"{path.name}: {group.get('id')} draws uncommented text"
        labels += comments
    return labels


def png_texts(path: Path) -> list[str]:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG file."""
    data = path.read_bytes()
    texts, position = [], 8
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"tEXt":
            texts.append(chunk.decode("latin-1"))
        elif kind == b"zTXt":
            key, _, rest = chunk.partition(b"\0")
            texts.append(key.decode("latin-1") + " " + zlib.decompress(rest[1:]).decode("latin-1"))
        elif kind == b"iTXt":
            texts.append(chunk.decode("utf-8", errors="replace"))
        position += 12 + length
    return texts


def page_leaks(site: Path) -> dict[str, list[str]]:
    """Answers found in each page (HTML, MathJax source included) and in the search index."""
    pages = [*site.rglob("*.html"), site / "searchindex.js"]
    leaks = {}
    for page in pages:
        if found := answers_in(html.unescape(page.read_text(encoding="utf-8"))):
            leaks[str(page.relative_to(site))] = found
    return leaks


def image_texts(site: Path) -> dict[str, list[str]]:
    """The text of every image of the site."""
    texts = {}
    for path in sorted(site.rglob("*")):
        if path.suffix.lower() == ".svg":
            texts[str(path.relative_to(site))] = svg_texts(path)
        elif path.suffix.lower() == ".png":
            texts[str(path.relative_to(site))] = png_texts(path)
    return texts


def image_leaks(site: Path) -> dict[str, list[str]]:
    """Answers found in the text of each image."""
    leaks = {}
    for name, texts in image_texts(site).items():
        if found := answers_in(html.unescape("\n".join(texts))):
            leaks[name] = found
    return leaks


def test_the_search_finds_the_answers_in_the_full_edition(built: Build) -> None:
    full = built.out / "html"
    pages = " ".join(" ".join(found) for found in page_leaks(full).values())
    images = " ".join(" ".join(found) for found in image_leaks(full).values())
    for question in ("q2", "q4", "q5", "q6"):
        assert f"{question}:" in pages, question
    # the full edition's graph shows the per-sample losses and the errors
    assert "q2:" in images and "q4:" in images


def test_no_page_of_the_student_edition_gives_an_answer(built: Build) -> None:
    assert page_leaks(built.out / "html-student") == {}


def test_no_image_of_the_student_edition_gives_an_answer(built: Build) -> None:
    assert image_leaks(built.out / "html-student") == {}


def test_the_student_edition_figures_are_searchable_and_set_no_symbol_to_a_number(
    built: Build,
) -> None:
    site = built.out / "html-student"
    figures = sorted(p for p in (site / "_images").iterdir() if p.suffix in IMAGE_SUFFIXES)
    assert figures, "the student edition has figures"
    # SVG only: a PNG's pixels could not be searched
    assert [p.name for p in figures if p.suffix != ".svg"] == []
    labels = [label for path in figures for label in svg_labels(path)]
    assert labels
    equals_a_number = re.compile(r"=\s*[-−]?\d+(?:\.\d+)?\s*\$?$")
    a_decimal_or_fraction = re.compile(r"\d\s*\.\s*\d|\\frac|\d\s*/\s*\d")
    assert [label for label in labels if equals_a_number.search(label)] == []
    assert [label for label in labels if a_decimal_or_fraction.search(label)] == []
