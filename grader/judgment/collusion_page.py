"""The collusion report as an HTML page (``templates/collusion.html.j2``) and a CSV table."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from grader.judgment.collusion import (
    ALPHA,
    MAX_SOURCES,
    MIN_ANSWERS,
    QUESTION_OF,
    CollusionReport,
    Pair,
)
from grader.judgment.pages import render

PAGE = "collusion.html"
TABLE = "collusion.csv"
MAX_SHOWN_LINES = 60
"""Most shared lines of code shown per student."""

CSV_COLUMNS = (
    "rank",
    "student_a",
    "student_b",
    "flagged",
    "answers",
    "evidence_score",
    "expected_by_chance",
    "code_similarity",
    "shared_fingerprints",
    "matches",
)


def flag_words(pair: Pair) -> str:
    """Which signals flag the pair: 'answers', 'code', both, or ''."""
    return " and ".join(
        word for word, on in (("answers", pair.flagged_answers), ("code", pair.flagged_code)) if on
    )


def render_collusion_html(report: CollusionReport, codes: Mapping[str, Sequence[str]]) -> str:
    """The report's page; ``codes``: each student's own cells (for the shared lines)."""
    chance = [
        {
            "name": name,
            "question": QUESTION_OF[name],
            "rate": rate,
            "evidence": -math.log10(rate),
        }
        for name, rate in report.chance.items()
    ]
    return render(
        "collusion.html.j2",
        report=report,
        chance=chance,
        alpha=ALPHA,
        min_answers=MIN_ANSWERS,
        max_sources=MAX_SOURCES,
        pairs=[_row(rank, pair, codes) for rank, pair in enumerate(report.pairs, start=1)],
    )


def _row(rank: int, pair: Pair, codes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    code = None
    if pair.code is not None:
        sides = []
        for student in pair.students:
            cells = codes.get(student, ())
            lines = pair.code.lines.get(student, ())[:MAX_SHOWN_LINES]
            text = "\n".join(_line(cells, cell, line) for cell, line in lines)
            sides.append({"student": student, "text": text})
        code = {"similarity": pair.code.similarity, "shared": pair.code.shared, "lines": sides}
    return {
        "rank": rank,
        "a": pair.students[0],
        "b": pair.students[1],
        "flagged": flag_words(pair),
        "score": pair.score,
        "expected": pair.expected,
        "names": pair.names,
        "matches": [
            {
                "question": m.question,
                "name": m.name,
                "student": m.student,
                "value": numbers_text(m.value),
                "matched": numbers_text(m.matched),
                "explanation": m.explanation,
                "exact": m.exact,
            }
            for m in pair.matches
        ],
        "code": code,
    }


def numbers_text(value: Any) -> str:
    """A number or nested lists of numbers, each with at most 6 significant digits."""
    if isinstance(value, list):
        return "[" + ", ".join(numbers_text(item) for item in value) + "]"
    return f"{float(value):.6g}"


def _line(cells: Sequence[str], cell: int, line: int) -> str:
    """Line ``line`` of cell ``cell`` (both from 1), with where it is."""
    try:
        text = cells[cell - 1].splitlines()[line - 1]
    except IndexError:
        text = ""
    return f"[cell {cell}, line {line}] {text}"


def collusion_csv(report: CollusionReport) -> str:
    """One row per listed pair, in the report's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, pair in enumerate(report.pairs, start=1):
        matches = "; ".join(
            f"{m.question} {m.name}: {m.student}'s = {m.explanation}" for m in pair.matches
        )
        writer.writerow(
            [
                rank,
                *pair.students,
                flag_words(pair),
                " ".join(pair.names),
                f"{pair.score:.3f}",
                f"{pair.expected:.3g}" if pair.matches else "",
                "" if pair.code is None else f"{pair.code.similarity:.3f}",
                "" if pair.code is None else pair.code.shared,
                matches,
            ]
        )
    return buffer.getvalue()
