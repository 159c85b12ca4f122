"""A student's grading record: the plain data every table and page is made from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import Report
from grader.batch.problems import Problem

RECORD_NAME = "record.json"
MARKER_NAME = ".complete"


@dataclass(frozen=True)
class Record:
    """Score report, problems found and the fingerprint of what was graded."""

    student: str
    report: Report
    problems: tuple[Problem, ...]
    digest: str

    @property
    def status(self) -> str:
        """``ok``, or the codes of the problems found, sorted and joined by ``;``."""
        codes = sorted({problem.code for problem in self.problems})
        return ";".join(codes) if codes else "ok"

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys, no timestamps)."""
        data = {
            "student_id": self.student,
            "digest": self.digest,
            "status": self.status,
            "problems": [p.to_dict() for p in self.problems],
            "report": self.report.to_dict(),
        }
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Record:
        """Read back :meth:`to_json`."""
        data: Any = json.loads(text)
        return cls(
            student=str(data["student_id"]),
            report=Report.from_dict(data["report"]),
            problems=tuple(Problem.from_dict(p) for p in data["problems"]),
            digest=str(data["digest"]),
        )


def completed_record(folder: Path, digest: str) -> Record | None:
    """The stored record if grading this exact submission finished, else None."""
    marker = folder / MARKER_NAME
    try:
        if marker.read_text(encoding="utf-8").strip() != digest:
            return None
        return Record.from_json((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
