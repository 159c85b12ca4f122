"""Gradescope's autograder ``results.json`` for one student."""

from __future__ import annotations

import json
from typing import Any

from grader.batch.record import Record


def results_json(record: Record) -> str:
    """The results in Gradescope's format: a score, one test per question, and the problems."""
    tests: list[dict[str, Any]] = []
    for key in sorted(record.report.questions):
        result = record.report.questions[key]
        tests.append(
            {
                "name": key.upper(),
                "score": float(result.points),
                "max_score": float(result.max_points),
                "status": "passed" if result.points >= result.max_points else "failed",
                "output": str(result.feedback),
                "tags": list(result.tags),
            }
        )
    notes = "\n".join(problem.message for problem in record.problems)
    data = {
        "score": float(record.report.score),
        "max_score": float(record.report.max_score),
        "output": notes or "Submission read and run without problems.",
        "tests": tests,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"status": record.status, "problems": [p.to_dict() for p in record.problems]},
    }
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
