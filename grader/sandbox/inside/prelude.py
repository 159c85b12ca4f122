"""The release's prelude: the instructor's leading cells, run once per worker, replayed.

Every submission starts with the same locked cells of the release (for hw4, the cell
that draws the network). When the grader hands them over (:func:`install`), a warm
worker runs them first in a forked trial process, then the cells that ran cleanly there
in the zygote itself, and keeps that namespace and those outputs if both runs gave the
same outputs. A job whose first cells are exactly those sources then starts from that
namespace (a fork of it) and replays the recorded outputs instead of running the cells
again (:meth:`Prelude.replayable`): the same state and outputs, without the work.

Only the grader hands over a prelude, never a job: the zygote runs no student code.
The prelude ends before a cell that fails, times out or writes to stderr; one that
gives other outputs on the second run is not kept at all (each job then runs every
cell, as without a prelude).
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import signal
import sys
import types
from dataclasses import dataclass
from typing import Any

from .cells import run_cell, start_alarm
from .figures import DISPLAYS
from .messages import short_repr

MAX_DISPLAYS = 100
"""Displays recorded per prelude cell (a job replays at most its own limit of them)."""


@dataclass(frozen=True)
class Recorded:
    """One prelude cell's outputs: what it printed, displayed and returned."""

    stdout: str
    displays: tuple[dict[str, Any], ...]
    result: str | None


class Recorder:
    """A display sink that keeps what is sent (the zygote has no job channel)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message["output"])


@dataclass
class Prelude:
    """The installed prelude of this worker: sources, recorded outputs, namespace."""

    sources: tuple[str, ...] = ()
    records: tuple[Recorded, ...] = ()
    module: types.ModuleType | None = None
    detail: str = ""

    def replayable(self, cells: list[str]) -> int:
        """How many leading ``cells`` can be replayed (0 unless they are the prelude's)."""
        count = len(self.records)
        if count == 0 or self.module is None or len(cells) < count:
            return 0
        return count if tuple(cells[:count]) == self.sources[:count] else 0


PRELUDE = Prelude()
"""This process's prelude (a job inherits it from the zygote)."""


def install(sources: list[str], cell_seconds: float) -> Prelude:
    """Run ``sources`` once in a forked trial process, then the cells that ran cleanly
    there in this process; keep them if both runs gave the same outputs. Returns the new
    :data:`PRELUDE` (with no cell kept, jobs run every cell themselves)."""
    trial, detail = _trial(sources, cell_seconds)
    records, module, _ = _run_all(sources[: len(trial)], cell_seconds)
    kept = len(trial) if records == trial else 0
    if kept < len(trial):
        detail = "the prelude gave different outputs on two runs"
    PRELUDE.sources = tuple(sources[:kept])
    PRELUDE.records = tuple(records[:kept])
    PRELUDE.module = module if kept else None
    PRELUDE.detail = detail
    return PRELUDE


def _trial(sources: list[str], cell_seconds: float) -> tuple[list[Recorded], str]:
    """The cells run in a child process (this one keeps nothing of them): the records of
    those that ran cleanly, and why it stopped early ("" if it did not)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        code = 1
        try:
            records, _, why = _run_all(sources, cell_seconds)
            data = [[r.stdout, list(r.displays), r.result] for r in records]
            with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                json.dump({"records": data, "why": why}, pipe)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "r", encoding="utf-8") as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    try:
        found = json.loads(text)
        records = [Recorded(out, tuple(shown), result) for out, shown, result in found["records"]]
        return records, str(found["why"])
    except (ValueError, KeyError, TypeError):
        return [], "the trial run of the prelude failed"


def _run_all(
    sources: list[str], cell_seconds: float
) -> tuple[list[Recorded], types.ModuleType, str]:
    """Run the cells in a fresh ``__main__`` until one fails; their records, the module,
    and why the run stopped early ("" if it did not)."""
    module = types.ModuleType("__main__")
    namespace = module.__dict__
    namespace.update(__builtins__=builtins, display=DISPLAYS.display)
    records: list[Recorded] = []
    saved_main = sys.modules.get("__main__")
    sys.modules["__main__"] = module
    recorder = Recorder()
    DISPLAYS.attach(recorder, MAX_DISPLAYS)
    try:
        for index, source in enumerate(sources):
            recorder.sent = []
            DISPLAYS.start_cell(index)
            out, err = io.StringIO(), io.StringIO()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    try:
                        start_alarm(cell_seconds)
                        value = run_cell(source, f"<cell {index + 1}>", namespace)
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    result = None if value is None else short_repr(value)
                    DISPLAYS.flush_figures()
            except BaseException as error:  # the cell is simply not replayed
                with contextlib.suppress(BaseException):
                    DISPLAYS.flush_figures()
                return records, module, f"cell {index + 1} failed: {type(error).__name__}"
            if err.getvalue():
                return records, module, f"cell {index + 1} wrote to stderr"
            records.append(Recorded(out.getvalue(), tuple(recorder.sent), result))
    finally:
        DISPLAYS.attach(None, 0)
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
    return records, module, ""


def replay(record: Recorded) -> str | None:
    """Give a replayed cell's outputs as the cell gave them; returns its result."""
    if record.stdout:
        sys.stdout.write(record.stdout)
        sys.stdout.flush()
    for output in record.displays:
        DISPLAYS.send(output)
    return record.result
