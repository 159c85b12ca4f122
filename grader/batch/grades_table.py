"""``grades.csv``: one row per student, one column per question."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.batch.record import Record


def _number(value: float) -> str:
    """Scores as short, stable text: 2 → '2', 1.5 → '1.5'."""
    return f"{round(float(value), 6):g}"


def grades_csv(records: Sequence[Record], questions: Sequence[str]) -> str:
    """The table, sorted by student ID."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "score", "max_score", *questions, "status"])
    for record in sorted(records, key=lambda r: r.student):
        points = [
            _number(record.report.questions[q].points) if q in record.report.questions else ""
            for q in questions
        ]
        writer.writerow(
            [
                record.student,
                _number(record.report.score),
                _number(record.report.max_score),
                *points,
                record.status,
            ]
        )
    return buffer.getvalue()
