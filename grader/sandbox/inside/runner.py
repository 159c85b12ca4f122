"""The program that runs inside the sandbox: a student's cells, one after another.

Started as ``python -S -s -P -m inside.runner`` by :mod:`grader.sandbox.run`, with the
standard library only (numpy and matplotlib are imported when a cell needs them).
It reads one JSON job from stdin, drops to an unprivileged user with resource
limits, runs each cell in one shared namespace like a notebook kernel (a cell
still running at the cell time limit gets a ``CellTimeoutError``, as a kernel
gets an interrupt), and reports on the channel file descriptor, one JSON
object per line:

* ``{"type": "start", "cell": i}`` before cell ``i``;
* ``{"type": "display", "cell": i, "output": {...}}`` for a figure or ``display()``;
* ``{"type": "done", "cell": i, "status": "ok" | "error" | "timeout", "error": ... | null,
  "result": ... | null, "answers": {...}}`` after it, with the requested names;
* ``{"type": "end"}`` after the last cell.

After each ``done`` the runner waits for one byte on the ack file descriptor,
so the parent can read all of a cell's output before the next cell starts.

stdout and stderr are the sandbox's own pipes, read by the parent. Nothing here
is trusted by the parent: student code runs in this very process and may write
anything to the channel; see :mod:`grader.sandbox.channel`.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import resource
import signal
import sys
import types
from typing import Any

from .cells import CellTimeoutError, error_output, run_cell, start_alarm
from .figures import DISPLAYS, install_backend
from .messages import Channel, short_repr
from .plain import snapshot

RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "address_space": resource.RLIMIT_AS,
    "file_size": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
    "message_queues": resource.RLIMIT_MSGQUEUE,
}


def confine(job: dict[str, Any]) -> None:
    """Set the resource limits, then become the sandbox's own unprivileged user."""
    uid = job.get("uid")
    if uid is not None:
        os.chown(".", uid, uid)
    drop_privileges(job)


def drop_privileges(job: dict[str, Any]) -> None:
    """The resource limits, then the job's own user (no capability is left after it)."""
    uid = job.get("uid")
    for name, (soft, hard) in job["rlimits"].items():
        resource.setrlimit(RLIMITS[name], (soft, hard))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def prepare_matplotlib(job: dict[str, Any]) -> None:
    """A writable matplotlib config dir in the scratch dir, seeded with the prepared font cache."""
    use_matplotlib_config(os.path.abspath(".matplotlib"), job.get("mpl_cache"))


def use_matplotlib_config(config: str, cache: str | None, mode: int = 0o777) -> None:
    """Point matplotlib at ``config``, first copying the prepared font cache into it."""
    os.makedirs(config, mode=mode, exist_ok=True)
    if cache and os.path.isdir(cache):
        for entry in os.listdir(cache):
            if entry.endswith(".json"):
                with open(os.path.join(cache, entry), "rb") as src:
                    data = src.read()
                with open(os.path.join(config, entry), "wb") as dst:
                    dst.write(data)
    os.environ["MPLCONFIGDIR"] = config


def read_job() -> dict[str, Any]:
    """The job from stdin; stdin then reads as empty, as in a kernel without input."""
    with os.fdopen(os.dup(0), "rb") as stdin:
        job: dict[str, Any] = json.loads(stdin.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return job


_BUILTINS = builtins.__dict__
_PRISTINE = dict(_BUILTINS)
"""The builtins as they were before any student code ran."""
_clear = dict.clear
_update = dict.update
_copy = dict.copy
_setitimer = signal.setitimer


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
    """Each cell in one shared namespace, reported on ``channel``; then ``end``."""
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    displays = DISPLAYS
    displays.attach(channel, job["figures_per_cell"])
    install_backend()
    notebook = types.ModuleType("__main__")  # the cells' module, as in a kernel
    sys.modules["__main__"] = notebook
    namespace: dict[str, Any] = notebook.__dict__
    namespace.update(__builtins__=builtins, display=displays.display)
    names: list[str] = job["names"]
    students = _copy(_PRISTINE)
    for index, source in enumerate(job["cells"]):
        channel.send({"type": "start", "cell": index})
        displays.start_cell(index)
        status, error, result = "ok", None, None
        value: Any = None
        failure: BaseException | None = None
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
        channel.wait_for_parent()
    channel.send({"type": "end"})
    os._exit(0)


def main() -> None:
    job = read_job()
    channel = Channel(job["channel_fd"], job["ack_fd"])
    confine(job)
    sys.path[:0] = ["", *job["paths"]]
    write_files(job)
    prepare_matplotlib(job)
    run_cells(job, channel)


def write_files(job: dict[str, Any]) -> None:
    """The job's support files (``hw4_variant.py``...) into the working directory."""
    for name, text in job["files"].items():
        with open(name, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
