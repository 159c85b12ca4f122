"""The batch's executor: :func:`grader.sandbox.run_cells` with the command's limits,
or a :class:`grader.sandbox.SandboxPool`'s warm workers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from grader.batch.execution import CellRun, Execution, Executor
from grader.sandbox import Limits, SandboxPool, SandboxResult, run_cells

MIB = 1024 * 1024


def make_limits(
    cell_seconds: float | None = None,
    notebook_seconds: float | None = None,
    memory_mib: int | None = None,
) -> Limits:
    """The sandbox's default limits, with the command line's overrides."""
    limits = Limits()
    if cell_seconds is not None:
        limits = replace(limits, cell_seconds=cell_seconds)
    if notebook_seconds is not None:
        limits = replace(limits, notebook_seconds=notebook_seconds)
    if memory_mib is not None:
        limits = replace(limits, memory_bytes=memory_mib * MIB)
    return limits


def make_executor(
    sandboxed: bool = True,
    cell_seconds: float | None = None,
    notebook_seconds: float | None = None,
    memory_mib: int | None = None,
    pool: SandboxPool | None = None,
) -> Executor:
    """An executor running cells in bubblewrap (or, if not ``sandboxed``, without isolation).

    With ``pool``, each notebook runs in one of its warm workers (made with the same
    ``sandboxed`` choice and :func:`make_limits`' scratch size).
    """
    limits = make_limits(cell_seconds, notebook_seconds, memory_mib)

    def execute(
        sources: Sequence[str], names: Sequence[str], files: Mapping[str, bytes]
    ) -> Execution:
        texts = {name: text for name, data in files.items() if (text := _text(data)) is not None}
        if pool is not None:
            result = pool.run_cells(sources, names=names, limits=limits, files=texts)
        else:
            result = run_cells(
                sources, names=names, limits=limits, files=texts, unsafe=not sandboxed
            )
        return to_execution(result)

    return execute


def to_execution(result: SandboxResult) -> Execution:
    """The sandbox's result as the batch's plain record."""
    cells = [
        CellRun(
            outputs=cell.notebook_outputs(),
            status=cell.status,
            error=cell.detail
            or (f"{cell.error_name}: {cell.error_message}" if cell.error_name else None),
        )
        for cell in result.cells
    ]
    errors = {
        name: (answer.detail or answer.status)
        for name, answer in result.answers.items()
        if answer.status != "ok"
    }
    return Execution(cells, dict(result.values()), errors, result.problem or None)


def _text(data: bytes) -> str | None:
    """A support file's text; binary files are not passed to the sandbox."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
