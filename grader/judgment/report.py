"""Grading results as plain data: per answer variable, per question, per student."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("correct", "carried_forward", "partial", "incorrect", "invalid", "missing")
"""From best to worst. ``carried_forward``: right given the student's own earlier error."""


@dataclass(frozen=True)
class QuantityResult:
    """The result for one answer variable (e.g. ``grad``) inside a question."""

    name: str
    points: float
    max_points: float
    status: str
    feedback: str
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data."""
        return {
            "name": self.name,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "feedback": self.feedback,
            "tags": list(self.tags),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuantityResult:
        """Read back :meth:`to_dict`'s data."""
        return cls(
            name=str(data["name"]),
            points=float(data["points"]),
            max_points=float(data["max_points"]),
            status=str(data["status"]),
            feedback=str(data["feedback"]),
            tags=tuple(str(tag) for tag in data["tags"]),
        )


@dataclass(frozen=True)
class QuestionResult:
    """Points, status, feedback text and misconception tags of one question."""

    points: float
    max_points: float
    status: str
    feedback: str
    tags: tuple[str, ...] = ()
    title: str = ""
    parts: tuple[QuantityResult, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data."""
        return {
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "feedback": self.feedback,
            "tags": list(self.tags),
            "title": self.title,
            "parts": [part.to_dict() for part in self.parts],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuestionResult:
        """Read back :meth:`to_dict`'s data."""
        return cls(
            points=float(data["points"]),
            max_points=float(data["max_points"]),
            status=str(data["status"]),
            feedback=str(data["feedback"]),
            tags=tuple(str(tag) for tag in data["tags"]),
            title=str(data.get("title", "")),
            parts=tuple(QuantityResult.from_dict(part) for part in data.get("parts", ())),
        )


@dataclass(frozen=True)
class Report:
    """A student's autograded result: one :class:`QuestionResult` per question key."""

    questions: Mapping[str, QuestionResult]
    notes: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        """Points earned over all questions."""
        return round(sum(q.points for q in self.questions.values()), 6)

    @property
    def max_score(self) -> float:
        """Points available over all questions."""
        return round(sum(q.max_points for q in self.questions.values()), 6)

    @property
    def tags(self) -> tuple[str, ...]:
        """Every misconception tag of the report, once, in question order."""
        return tuple(dict.fromkeys(tag for q in self.questions.values() for tag in q.tags))

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe data (:meth:`from_dict` reads it back)."""
        return {
            "score": self.score,
            "max_score": self.max_score,
            "questions": {key: q.to_dict() for key, q in self.questions.items()},
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Read back :meth:`to_dict`'s data."""
        questions = {str(k): QuestionResult.from_dict(v) for k, v in data["questions"].items()}
        return cls(questions=questions, notes=tuple(str(n) for n in data.get("notes", ())))
