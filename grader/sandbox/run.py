"""``run_cells``: one notebook's code cells in a fresh sandboxed Python."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.sandbox.bwrap import (
    FONT_CACHE_INSIDE,
    bwrap_command,
    check_bwrap,
    python_command,
    sandbox_environment,
    site_dir_inside,
)
from grader.sandbox.channel import ChannelReader
from grader.sandbox.fontcache import prepared_font_cache
from grader.sandbox.layout import RUNNER_PACKAGE, PythonLayout, python_layout
from grader.sandbox.limits import MIB, Limits
from grader.sandbox.process import NOT_STARTED, Pipes, supervise
from grader.sandbox.results import SandboxResult
from grader.sandbox.transcript import Transcript

FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
UID_BASE = 2_000_000
"""Sandboxed code runs as a user of its own, ``UID_BASE`` + a per-run number, so
that RLIMIT_NPROC counts only that run's processes (it does not apply to root)."""
_uid_counter = itertools.count()
_uid_lock = threading.Lock()


def _next_uid() -> int:
    with _uid_lock:
        serial = next(_uid_counter) % 64
    return UID_BASE + ((os.getpid() & 0x3FFFFF) << 6) + serial


def _rlimits(limits: Limits) -> dict[str, tuple[int, int]]:
    def both(value: int) -> tuple[int, int]:
        return (value, value)

    return {
        "cpu": (limits.cpu_seconds, limits.cpu_seconds + 1),
        "address_space": both(limits.memory_bytes),
        "file_size": both(limits.file_size_bytes),
        "processes": both(limits.processes),
        "open_files": both(limits.open_files),
        "core": both(0),
        "message_queues": both(0),  # no POSIX message queue could outlive the run
    }


def _check_arguments(cells: Sequence[str], names: Sequence[str], files: Mapping[str, str]) -> None:
    if isinstance(cells, str) or not all(isinstance(cell, str) for cell in cells):
        raise TypeError("cells must be a sequence of str (one source per code cell)")
    if isinstance(names, str) or not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise TypeError("names must be a sequence of Python identifiers")
    for name, text in files.items():
        if not (isinstance(name, str) and FILE_NAME.fullmatch(name) and isinstance(text, str)):
            raise ValueError(f"files: {name!r} must be a plain file name with str contents")


def _user_tasks(uid: int) -> int:
    """Processes and threads this user runs now (RLIMIT_NPROC counts them all)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
            if int(fields["Uid"].split()[1]) == uid:
                total += int(fields["Threads"])
        except (OSError, KeyError, ValueError, IndexError):
            continue
    return total


def run_cells(
    cells: Sequence[str],
    *,
    names: Sequence[str],
    limits: Limits | None = None,
    files: Mapping[str, str] | None = None,
    unsafe: bool = False,
) -> SandboxResult:
    """Run ``cells`` in order in a fresh sandboxed Python; see :mod:`grader.sandbox`."""
    limits = limits or Limits()
    files = dict(files or {})
    _check_arguments(cells, names, files)
    names = list(dict.fromkeys(names))
    if not unsafe:
        check_bwrap()
    layout = python_layout()
    font_cache = prepared_font_cache(
        layout, not unsafe, lambda cell: _font_cache_build(cell, unsafe=unsafe)
    )
    result = _run(list(cells), names, limits, files, unsafe=unsafe, font_cache=font_cache)
    if result.problem.startswith(NOT_STARTED):
        # No student code ran, so a second try is safe (bubblewrap can fail transiently
        # when namespaces are being torn down under load); a second failure is reported.
        result = _run(list(cells), names, limits, files, unsafe=unsafe, font_cache=font_cache)
    return result


def _font_cache_build(cell: str, *, unsafe: bool) -> str:
    """stdout of the cell that builds matplotlib's font cache."""
    limits = Limits(
        output_bytes=64 * MIB, channel_bytes=MIB, cell_seconds=120, notebook_seconds=180
    )
    result = _run([cell], [], limits, {}, unsafe=unsafe, font_cache=None)
    if result.cells[0].status != "ok":
        raise ValueError(result.cells[0].traceback or result.cells[0].detail)
    return result.cells[0].stdout


@dataclass(frozen=True)
class _Launch:
    """How to start the runner: the command, its environment and working directory, and
    what the job must tell the runner about the paths it sees."""

    command: list[str]
    job: dict[str, Any]
    cwd: str | None = None
    env: dict[str, str] | None = None


def _sandboxed_launch(
    layout: PythonLayout, limits: Limits, pipes: Pipes, font_cache: Path | None, as_root: bool
) -> _Launch:
    assert pipes.info is not None
    command = bwrap_command(
        layout,
        scratch_bytes=limits.scratch_bytes,
        font_cache=font_cache,
        as_root=as_root,
        info_fd=pipes.info[1],
    )
    job = {
        "uid": _next_uid() if as_root else None,
        "paths": [site_dir_inside(index) for index in range(len(layout.site_dirs))],
        "mpl_cache": FONT_CACHE_INSIDE if font_cache else None,
    }
    return _Launch(command, job)


def _unsafe_launch(layout: PythonLayout, scratch: str, font_cache: Path | None) -> _Launch:
    job = {
        "uid": None,
        "paths": [str(site) for site in layout.site_dirs],
        "mpl_cache": str(font_cache) if font_cache else None,
    }
    command = python_command(str(layout.executable))
    env = sandbox_environment(scratch, str(RUNNER_PACKAGE.parent))
    return _Launch(command, job, cwd=scratch, env=env)


def _run(
    cells: list[str],
    names: list[str],
    limits: Limits,
    files: dict[str, str],
    *,
    unsafe: bool,
    font_cache: Path | None,
) -> SandboxResult:
    start = time.monotonic()
    layout = python_layout()
    as_root = os.geteuid() == 0
    rlimits = _rlimits(limits)
    if as_root and unsafe:
        del rlimits["processes"]  # not enforced for root, and there is no user to drop to
    elif not as_root:
        processes = limits.processes + _user_tasks(os.getuid())
        rlimits["processes"] = (processes, processes)
    scratch = tempfile.mkdtemp(prefix="hw4-unsafe-run-") if unsafe else None
    pipes = Pipes(channel=os.pipe(), ack=os.pipe(), info=None if unsafe else os.pipe())
    try:
        if scratch is not None:
            launch = _unsafe_launch(layout, scratch, font_cache)
        else:
            launch = _sandboxed_launch(layout, limits, pipes, font_cache, as_root)
    except BaseException:
        for fd in (*pipes.channel, *pipes.ack, *(pipes.info or ())):
            os.close(fd)
        raise
    job = {
        **launch.job,
        "cells": cells,
        "names": names,
        "files": files,
        "rlimits": rlimits,
        "figures_per_cell": limits.figures_per_cell,
        "cell_seconds": limits.cell_seconds,
        "channel_fd": pipes.channel[1],
        "ack_fd": pipes.ack[0],
    }
    transcript = Transcript(len(cells), names, limits.output_bytes, limits.total_output_bytes)
    reader = ChannelReader(names, len(cells), limits.channel_bytes)
    try:
        problem = supervise(
            launch.command,
            json.dumps(job).encode(),
            pipes,
            transcript,
            reader,
            limits,
            cwd=launch.cwd,
            env=launch.env,
        )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return SandboxResult(
        cells=transcript.results(),
        answers=dict(transcript.answers),
        sandboxed=not unsafe,
        seconds=round(time.monotonic() - start, 4),
        problem=problem,
    )
