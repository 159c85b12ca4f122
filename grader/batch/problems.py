"""What went wrong with one submission, in words an instructor and a student can act on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """A fault found while grading: a short stable ``code`` and a sentence saying what is wrong."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain data for the grading record."""
        return {"code": self.code, "message": self.message}

    @classmethod
    def from_dict(cls, data: Any) -> Problem:
        """Read back :meth:`to_dict`."""
        return cls(code=str(data["code"]), message=str(data["message"]))
