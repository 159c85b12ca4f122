"""What a sandboxed run gives back: per-cell outcomes and the requested values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

PlainValue: TypeAlias = "bool | int | float | str | list[PlainValue] | None"
"""A value as plain data. Non-finite floats are real ``float('nan')``,
``float('inf')`` and ``float('-inf')`` (tell them apart with :func:`math.isnan`
and :func:`math.isinf`); they never appear as strings."""

CellStatus = Literal["ok", "error", "timeout", "killed", "skipped"]
"""``ok``: ran to the end. ``error``: raised (``SyntaxError``, ``SystemExit`` and
``MemoryError`` included); later cells still run. ``timeout``: ran past the cell
time limit and was interrupted (later cells still run, as after nbgrader's
kernel interrupt), or, if it did not stop when interrupted or the notebook
time limit passed, killed with the run (``SandboxResult.problem`` then says so).
``killed``: the sandboxed Python died during the cell (``os._exit``, a signal,
the CPU limit) or broke the result channel. ``skipped``: never ran, because the
run ended at an earlier cell."""

AnswerStatus = Literal["ok", "missing", "unsupported", "unavailable"]
"""``ok``: ``value`` holds it. ``missing``: the name was not defined.
``unsupported``: defined, but not plain data (``detail`` says which type).
``unavailable``: no cell finished, so nothing could be read."""


@dataclass(frozen=True)
class Answer:
    """The value of one requested name after the last cell that finished."""

    name: str
    status: AnswerStatus
    value: PlainValue = None
    detail: str = ""


@dataclass(frozen=True)
class CellResult:
    """What happened to one cell.

    ``outputs`` are nbformat output dicts in the order they appeared (``stream``,
    ``display_data`` with ``image/png`` for each matplotlib figure,
    ``execute_result`` for a final bare expression, ``error``), ready to be put
    into the executed notebook with :meth:`notebook_outputs`.
    """

    index: int
    status: CellStatus
    stdout: str = ""
    stderr: str = ""
    outputs: tuple[dict[str, Any], ...] = ()
    error_name: str = ""
    """The exception's type (``"ZeroDivisionError"``) when ``status == "error"``."""
    error_message: str = ""
    traceback: str = ""
    """A short traceback of the student's own frames, as plain text."""
    detail: str = ""
    """Why a cell timed out, was killed or skipped, in words."""
    seconds: float = 0.0

    def notebook_outputs(self, execution_count: int | None = None) -> list[dict[str, Any]]:
        """Fresh copies of ``outputs``; ``execute_result`` gets ``execution_count``.

        A timeout, a killed process or a skipped cell appears as an ``error``
        output too, so a reader of the executed notebook sees what happened.
        """
        outputs: list[dict[str, Any]] = []
        for output in self.outputs:
            copy = {
                key: (dict(value) if isinstance(value, dict) else value)
                for key, value in output.items()
            }
            if copy["output_type"] == "execute_result":
                copy["execution_count"] = execution_count
            if copy["output_type"] == "error":
                copy["traceback"] = list(copy["traceback"])
            outputs.append(copy)
        has_error = any(output["output_type"] == "error" for output in outputs)
        if self.status in ("timeout", "killed", "skipped") and not has_error:
            outputs.append(
                {
                    "output_type": "error",
                    "ename": {"timeout": "Timeout", "killed": "Killed", "skipped": "Skipped"}[
                        self.status
                    ],
                    "evalue": self.detail,
                    "traceback": [self.detail],
                }
            )
        return outputs


@dataclass(frozen=True)
class SandboxResult:
    """The outcome of :func:`grader.sandbox.run_cells` for one notebook."""

    cells: tuple[CellResult, ...]
    answers: Mapping[str, Answer]
    """One entry per requested name, in the order requested."""
    sandboxed: bool
    """False only for ``unsafe=True`` runs."""
    seconds: float
    """Wall-clock time of the whole run, sandbox start and teardown included."""
    problem: str = ""
    """What went wrong with the run as a whole (empty if every cell ran): a
    timeout, the process dying, a corrupted result channel."""

    def values(self) -> dict[str, PlainValue]:
        """The answers that have a value, as ``{name: value}``."""
        return {
            name: answer.value for name, answer in self.answers.items() if answer.status == "ok"
        }

    @property
    def completed(self) -> bool:
        """Every cell ran (possibly raising or interrupted) and the run ended normally."""
        finished = ("ok", "error", "timeout")
        return not self.problem and all(cell.status in finished for cell in self.cells)
