"""The result of running a student's code cells, as the batch needs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CellRun:
    """A code cell's nbformat outputs; ``status``: ok, error, timeout, killed or skipped."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None


@dataclass
class Execution:
    """Per-cell runs, the values fetched (plain data) and why any value is missing."""

    cells: list[CellRun]
    values: dict[str, Any]
    value_errors: dict[str, str] = field(default_factory=dict)
    fault: str | None = None

    def failed_cells(self) -> list[int]:
        """Indices of cells that ended the run (timeout, killed)."""
        return [i for i, cell in enumerate(self.cells) if cell.status in ("timeout", "killed")]


Executor = Callable[[Sequence[str], Sequence[str], Mapping[str, bytes]], Execution]
"""Runs cell sources with extra files beside them and returns the named values."""
