"""The kernel: the process that runs a student's cells, one after another.

Forked by the driver (:mod:`inside.driver`) with the job's limits, namespaces and
system-call filter already in place. It runs each cell it is asked for in one
shared namespace like a notebook kernel (a cell still running at the cell time
limit gets a ``CellTimeoutError``, as a kernel gets an interrupt) and answers on
its message pipe, one JSON object per line, each carrying the cell's nonce:

* ``{"type": "display", "cell": i, "output": {...}}`` for a figure or ``display()``;
* ``{"type": "done", "cell": i, "status": "ok" | "error" | "timeout", "error": ... | null,
  "result": ... | null, "answers": {...}}`` after it, with the requested names.

Then it waits for the next request. stdout and stderr are the job's own pipes,
read by the grader. Student code runs in this very process, so nothing it sends
is trusted: the driver checks every line, and the grader checks again.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import signal
import sys
import types
from typing import Any

from .cells import CellTimeoutError, error_output, run_cell, start_alarm
from .figures import DISPLAYS, install_backend
from .messages import Channel, short_repr
from .plain import snapshot
from .prelude import PRELUDE, replay

_BUILTINS = builtins.__dict__
_PRISTINE = dict(_BUILTINS)
"""The builtins as they were before any student code ran."""
_clear = dict.clear
_update = dict.update
_copy = dict.copy
_setitimer = signal.setitimer

_exit = os._exit  # bound now: a cell may replace os._exit


def _install_builtins(contents: dict[str, Any]) -> dict[str, Any]:
    """Make ``builtins`` hold ``contents``; returns what it held before.

    Student code runs with its own builtins (a cell may set
    ``builtins.isinstance = ...``, which changes its later cells as in a kernel),
    but the runner's own work between cells always sees the original ones, so
    values are still read and sent correctly.
    """
    before = _copy(_BUILTINS)
    _clear(_BUILTINS)
    _update(_BUILTINS, contents)
    return before


def run_cells(job: dict[str, Any], channel: Channel) -> None:
    """Each cell the driver asks for, in one shared namespace, answered on ``channel``."""
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    displays = DISPLAYS
    displays.attach(channel, job["figures_per_cell"])
    install_backend()
    cells: list[str] = job["cells"]
    # the release's prelude, already run in the zygote: its namespace, its outputs replayed
    replayed = PRELUDE.replayable(cells)
    if replayed and PRELUDE.module is not None:
        notebook = PRELUDE.module
    else:
        notebook = types.ModuleType("__main__")  # the cells' module, as in a kernel
        notebook.__dict__.update(__builtins__=builtins, display=displays.display)
    sys.modules["__main__"] = notebook
    namespace: dict[str, Any] = notebook.__dict__
    names: list[str] = job["names"]
    students = _copy(_PRISTINE)
    while (request := channel.next_request()) is not None:
        index = request["cell"]
        source = cells[index]
        displays.start_cell(index)
        status, error, result = "ok", None, None
        value: Any = None
        failure: BaseException | None = None
        if index < replayed:
            result = replay(PRELUDE.records[index])
            channel.send(
                {
                    "type": "done",
                    "cell": index,
                    "status": status,
                    "error": error,
                    "result": result,
                    "answers": snapshot(namespace, names),
                }
            )
            continue
        replayed = 0  # a cell ran: what follows is never replayed
        _install_builtins(students)
        try:
            try:
                start_alarm(job["cell_seconds"])
                value = run_cell(source, f"<cell {index + 1}>", namespace)
            finally:
                _setitimer(signal.ITIMER_REAL, 0)
        except BaseException as problem:
            failure = problem
        finally:
            students = _install_builtins(_PRISTINE)
        if failure is None:
            try:
                if value is not None:
                    result = short_repr(value)
                displays.flush_figures()
            except BaseException as problem:
                failure = problem
        if failure is not None:
            status = "timeout" if isinstance(failure, CellTimeoutError) else "error"
            error = error_output(failure)
            with contextlib.suppress(BaseException):
                displays.flush_figures()
        value = failure = None
        answers = snapshot(namespace, names)
        channel.send(
            {
                "type": "done",
                "cell": index,
                "status": status,
                "error": error,
                "result": result,
                "answers": answers,
            }
        )
    _exit(0)
