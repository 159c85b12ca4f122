"""Workers that run notebooks one after another: :class:`SandboxPool`.

A worker is one long-lived bubblewrap sandbox (:func:`grader.sandbox.bwrap.bwrap_command`)
running :mod:`grader.sandbox.inside.zygote`, which has imported numpy and pyplot and
holds no student data. Each job is forked from it and confines itself before it
reads anything of the student's (:mod:`grader.sandbox.inside.confine`), in the same
way whether the grader runs as root or as a normal user:

* its own user namespace, so RLIMIT_NPROC counts the job's processes only;
  as root, also a host user id of its own (one per job);
* its own pid namespace: it sees no other process (``/proc`` is an empty
  read-only tmpfs), and when it ends, every process it started dies with it
  (the namespace's init, the driver, runs in a session of its own and dies with
  the job process; a job whose job process was killed retires its worker);
* its own network namespace (a loopback that is down): no socket, abstract Unix
  ones included, is shared with another job;
* its own mount namespace with a fresh size-capped scratch tmpfs, the only
  writable place; the root, ``/dev`` and every mount are read-only;
* its own IPC namespace; no capability; the system-call filter of
  :mod:`grader.sandbox.seccomp` (no mounts, namespaces, keyrings, shared memory
  outside the limits, tracing, or socket families beyond Unix and IP);
* the result channel is written by the job's driver process, never by the
  process that runs student code (:mod:`grader.sandbox.inside.driver`).

Whatever a job changes in memory (monkeypatched numpy, builtins, matplotlib) is
its own copy-on-write copy: the next job is forked afresh from the untouched
zygote. Time limits are enforced from outside: a job past its deadline, or one
that corrupts its channel, gets its whole worker killed; the next job starts a
fresh worker. With ``unsafe``, the same zygote, driver and kernel run without
bubblewrap, namespaces or filter, with the grader's own rights.

A *prelude* (:meth:`SandboxPool.set_prelude`) is the release's leading locked cells,
the instructor's code every submission starts with: each worker runs it once in its
zygote, and a job whose first cells are those sources replays their outputs from
there (:mod:`grader.sandbox.inside.prelude`). Only the grader sets it; a job never
makes the zygote run anything.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from types import TracebackType
from typing import Any

from grader.sandbox.bwrap import (
    FONT_CACHE_INSIDE,
    SCRATCH,
    bwrap_command,
    check_bwrap,
    python_command,
    sandbox_environment,
    site_dir_inside,
)
from grader.sandbox.channel import ChannelReader
from grader.sandbox.fontcache import prepared_font_cache
from grader.sandbox.layout import RUNNER_PACKAGE, python_layout
from grader.sandbox.limits import MIB, Limits
from grader.sandbox.process import NOT_STARTED, REAP_SECONDS, JobFds, JobSupervisor
from grader.sandbox.results import SandboxResult
from grader.sandbox.runtime import sandbox_layout
from grader.sandbox.seccomp import filter_program
from grader.sandbox.transcript import Transcript

START_SECONDS = 60.0
MAX_PRELUDE_BYTES = 1 << 20
"""A larger prelude is not handed over: its cells run in each job."""
"""How long a worker may take to start (Python, numpy and pyplot imports)."""
REPORT_BYTES = 4096
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
UID_BASE = 2_000_000
"""As root, job ``n`` of grader process ``p`` runs as host user
``UID_BASE + (p << 8) + n % 256``: no other process on the machine has that user."""
_uid_counter = itertools.count()
_uid_lock = threading.Lock()


def next_uid() -> int:
    """A host user id for the next job (used only when the grader is root)."""
    with _uid_lock:
        serial = next(_uid_counter) % 256
    return UID_BASE + ((os.getpid() & 0x3FFFFF) << 8) + serial


def rlimits(limits: Limits) -> dict[str, tuple[int, int]]:
    """The setrlimit limits of a job, by the names the job process knows."""

    def both(value: int) -> tuple[int, int]:
        return (value, value)

    return {
        "cpu": (limits.cpu_seconds, limits.cpu_seconds + 1),
        "address_space": both(limits.memory_bytes),
        "file_size": both(limits.file_size_bytes),
        "processes": both(limits.processes),
        "open_files": both(limits.open_files),
        "core": both(0),
        "message_queues": both(0),  # no POSIX message queue
    }


def check_arguments(cells: Sequence[str], names: Sequence[str], files: Mapping[str, str]) -> None:
    """Raise ``TypeError`` or ``ValueError`` naming what is malformed."""
    if isinstance(cells, str) or not all(isinstance(cell, str) for cell in cells):
        raise TypeError("cells must be a sequence of str (one source per code cell)")
    if isinstance(names, str) or not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise TypeError("names must be a sequence of Python identifiers")
    for name, text in files.items():
        if not (isinstance(name, str) and FILE_NAME.fullmatch(name) and isinstance(text, str)):
            raise ValueError(f"files: {name!r} must be a plain file name with str contents")


class WorkerStartError(RuntimeError):
    """A worker sandbox did not come up; the message says why."""


class _Spawner:
    """Starts processes from one long-lived thread of the pool's own.

    bubblewrap's ``--die-with-parent`` kills the sandbox when the *thread* that
    started it ends; a worker started by a short-lived caller thread would die with it.
    """

    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[list[str], dict[str, Any], Future[Any]] | None] = (
            queue.Queue()
        )
        self.thread = threading.Thread(target=self.serve, name="sandbox-pool-spawner", daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while (request := self.requests.get()) is not None:
            command, options, future = request
            try:
                future.set_result(subprocess.Popen(command, **options))
            except BaseException as error:
                future.set_exception(error)

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        future: Future[subprocess.Popen[bytes]] = Future()
        self.requests.put((command, options, future))
        return future.result()

    def stop(self) -> None:
        self.requests.put(None)
        self.thread.join()


class Worker:
    """One zygote, in a sandbox unless ``unsafe``; used by one thread at a time."""

    def __init__(
        self, limits: Limits, spawner: _Spawner, *, unsafe: bool, warm: bool, fonts: bool
    ) -> None:
        self.limits = limits
        self.spawner = spawner
        self.unsafe = unsafe
        self.warm = warm
        self.fonts = fonts
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.init_pid: int | None = None
        self.scratch_root: str | None = None
        self.jobs = 0
        self.starts = 0
        self.buffer = b""
        self.prelude: tuple[str, ...] = ()
        """The prelude this worker's zygote holds (none after a start)."""
        self.prelude_refused = False
        """The zygote did not answer a prelude once: never hand it one again."""

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def control_fd(self) -> int | None:
        return None if self.control is None else self.control.fileno()

    # -- starting and stopping -----------------------------------------------------

    def _launch(self, control_fd: int, info_fd: int | None) -> tuple[list[str], dict[str, Any]]:
        """The zygote's command and settings, and how to start it."""
        layout = python_layout() if self.unsafe else sandbox_layout()
        font_cache = None
        if self.fonts:
            font_cache = prepared_font_cache(
                layout, not self.unsafe, lambda cell: font_cache_build(cell, self.unsafe)
            )
        settings: dict[str, Any] = {"control_fd": control_fd, "warm": self.warm}
        if self.unsafe:
            root = self.scratch_root = tempfile.mkdtemp(prefix="hw4-unsafe-worker-")
            settings.update(
                paths=[str(site) for site in layout.site_dirs],
                mpl_cache=str(font_cache) if font_cache else None,
                scratch_root=root,
                confine=False,
            )
            options = {"cwd": root, "env": sandbox_environment(root, str(RUNNER_PACKAGE.parent))}
            return [*python_command(str(layout.executable))], {**options, "settings": settings}
        assert info_fd is not None
        command = bwrap_command(
            layout,
            scratch_bytes=self.limits.scratch_bytes,
            font_cache=font_cache,
            as_root=os.geteuid() == 0,
            info_fd=info_fd,
        )
        settings.update(
            paths=[site_dir_inside(index) for index in range(len(layout.site_dirs))],
            mpl_cache=FONT_CACHE_INSIDE if font_cache else None,
            scratch_root=SCRATCH,
            confine=True,
            seccomp=base64.b64encode(filter_program()).decode(),
        )
        # bubblewrap's own init keeps the environment it is started with: give it none
        return command, {"env": {}, "settings": settings}

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        info_read, info_write = os.pipe() if not self.unsafe else (None, None)
        errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the start)
        passed = [theirs.fileno(), *([info_write] if info_write is not None else [])]
        try:
            command, options = self._launch(theirs.fileno(), info_write)
            settings = options.pop("settings")
            self.process = self.spawner.popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                pass_fds=passed,
                start_new_session=True,
                **options,
            )
        except OSError as error:
            ours.close()
            errors.close()
            if info_read is not None:
                os.close(info_read)
            raise WorkerStartError(f"the worker sandbox could not be started: {error}") from error
        finally:
            theirs.close()
            if info_write is not None:
                os.close(info_write)
        self.control, self.buffer, self.init_pid = ours, b"", None
        self.prelude = ()
        self.starts += 1
        try:
            assert self.process.stdin
            with contextlib.suppress(BrokenPipeError):  # it failed at once: its stderr says why
                self.process.stdin.write(json.dumps(settings).encode())
                self.process.stdin.close()
            if info_read is not None:
                self.init_pid = _read_init_pid(info_read)
            report = self.read_report(START_SECONDS)
            if report is None or report.get("type") != "ready":
                errors.seek(0)
                lines = errors.read().decode(errors="replace").strip().splitlines()
                raise WorkerStartError(lines[-1] if lines else "no message")
        except BaseException:
            self.kill()
            raise
        finally:
            if info_read is not None:
                os.close(info_read)
            errors.close()

    def kill(self) -> None:
        """SIGKILL the worker (its whole namespace) and wait until it is gone."""
        process, self.process = self.process, None
        if self.control is not None:
            self.control.close()
            self.control = None
        if process is not None:
            if self.init_pid is not None and process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.init_pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=REAP_SECONDS)
            if self.init_pid is not None:
                deadline = time.monotonic() + REAP_SECONDS
                while _alive(self.init_pid) and time.monotonic() < deadline:
                    time.sleep(0.002)
        if self.scratch_root is not None:
            shutil.rmtree(self.scratch_root, ignore_errors=True)
            self.scratch_root = None

    # -- the control socket ----------------------------------------------------------

    def take_report(self) -> dict[str, Any] | None:
        """The next complete report line already received, if any."""
        if b"\n" not in self.buffer:
            return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        try:
            report = json.loads(line)
        except ValueError:
            return {"type": "garbled"}
        return report if isinstance(report, dict) else {"type": "garbled"}

    def feed(self, data: bytes) -> None:
        self.buffer = (self.buffer + data)[-REPORT_BYTES:]

    def read_report(self, timeout: float) -> dict[str, Any] | None:
        """Wait up to ``timeout`` seconds for the zygote's next report (None: none, or it died)."""
        deadline = time.monotonic() + timeout
        while (report := self.take_report()) is None:
            left = deadline - time.monotonic()
            if self.control is None or left <= 0:
                return None
            ready, _, _ = select.select([self.control], [], [], left)
            if ready:
                data = self.control.recv(REPORT_BYTES)
                if not data:
                    return None
                self.feed(data)
        return report

    # -- the prelude ------------------------------------------------------------------

    def install_prelude(self, sources: tuple[str, ...], limits: Limits) -> int:
        """Have the zygote run ``sources`` (see :mod:`grader.sandbox.inside.prelude`);
        how many cells jobs will replay. A zygote that does not answer is killed."""
        assert self.control is not None
        self.prelude = sources
        data = json.dumps(list(sources)).encode()
        if self.prelude_refused or not sources or len(data) > MAX_PRELUDE_BYTES:
            return 0
        read_end, write_end = os.pipe()
        try:
            header = {"prelude": True, "seconds": limits.cell_seconds}
            socket.send_fds(self.control, [json.dumps(header).encode()], [read_end])
            os.close(read_end)
            read_end = -1
            with os.fdopen(write_end, "wb") as pipe:
                write_end = -1
                pipe.write(data)
        except OSError:
            self.kill()
            return 0
        finally:
            for fd in (read_end, write_end):
                if fd >= 0:
                    os.close(fd)
        report = self.read_report(2 * len(sources) * limits.cell_seconds + START_SECONDS)
        if report is None or report.get("type") != "prelude":
            self.prelude_refused = True
            self.kill()
            return 0
        cells = report.get("cells")
        return cells if isinstance(cells, int) else 0

    # -- one job ----------------------------------------------------------------------

    def run(
        self,
        cells: list[str],
        names: list[str],
        limits: Limits,
        files: dict[str, str],
        prelude: tuple[str, ...] = (),
    ) -> SandboxResult:
        start = time.monotonic()
        if not self.alive:
            self.start()
        if prelude != self.prelude:
            self.install_prelude(prelude, limits)
            if not self.alive:
                self.start()
        assert self.control is not None
        self.jobs += 1
        as_root = not self.unsafe and os.geteuid() == 0
        pipes = [os.pipe() for _ in range(5)]
        stdin, stdout, stderr, channel, ack = pipes
        child_ends = [stdin[0], stdout[1], stderr[1], channel[1], ack[0]]
        header = {"job": self.jobs, "uid": next_uid() if as_root else None}
        try:
            socket.send_fds(self.control, [json.dumps(header).encode()], child_ends)
        except OSError as error:
            for fd in (stdin[1], stdout[0], stderr[0], channel[0], ack[1]):
                os.close(fd)
            self.kill()
            raise WorkerStartError(f"the worker sandbox is gone: {error}") from error
        finally:
            for fd in child_ends:
                os.close(fd)
        job = {
            "cells": cells,
            "names": names,
            "files": files,
            "rlimits": rlimits(limits),
            "figures_per_cell": limits.figures_per_cell,
            "cell_seconds": limits.cell_seconds,
            "scratch_bytes": limits.scratch_bytes,
        }
        transcript = Transcript(len(cells), names, limits.output_bytes, limits.total_output_bytes)
        reader = ChannelReader(names, len(cells), limits.channel_bytes)
        fds = JobFds(stdin[1], stdout[0], stderr[0], channel[0], ack[1])
        supervisor = JobSupervisor(self, json.dumps(job).encode(), fds, transcript, reader, limits)
        problem = supervisor.run()
        return SandboxResult(
            cells=transcript.results(),
            answers=dict(transcript.answers),
            sandboxed=not self.unsafe,
            seconds=round(time.monotonic() - start, 4),
            problem=problem,
        )


def _read_init_pid(fd: int) -> int | None:
    """The sandbox init's pid, from bubblewrap's ``--info-fd``."""
    info = b""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], deadline - time.monotonic())
        if not ready:
            break
        data = os.read(fd, 4096)
        if not data:
            break
        info += data
        with contextlib.suppress(ValueError, AttributeError):
            pid = json.loads(info).get("child-pid")
            if isinstance(pid, int) and pid > 1:
                return pid
    return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def _not_started(cells: Sequence[str], names: list[str], limits: Limits, why: str) -> SandboxResult:
    """The result of a notebook whose sandbox never started: no cell ran."""
    transcript = Transcript(len(cells), names, limits.output_bytes, limits.total_output_bytes)
    detail = f"{NOT_STARTED}: {why}"
    transcript.stop("killed", detail, time.monotonic())
    return SandboxResult(transcript.results(), dict(transcript.answers), True, 0.0, detail)


class SandboxPool:
    """``workers`` warm sandboxes; :meth:`run_cells` runs one notebook in a free one.
    Thread-safe: each call takes a free worker (waiting for one if needed).
    Use it as a context manager; workers start in the background when it is entered."""

    def __init__(
        self,
        limits: Limits | None = None,
        workers: int = 1,
        *,
        unsafe: bool = False,
        warm: bool = True,
        fonts: bool = True,
    ) -> None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        self.limits = limits or Limits()
        self.unsafe = unsafe
        self.free: queue.LifoQueue[Worker] = queue.LifoQueue()
        self.spawner = _Spawner()
        self.all = [
            Worker(self.limits, self.spawner, unsafe=unsafe, warm=warm, fonts=fonts)
            for _ in range(workers)
        ]
        for worker in self.all:
            self.free.put(worker)
        self.lock = threading.Lock()
        self.closed = False
        self.prelude: tuple[str, ...] = ()

    def set_prelude(self, sources: Sequence[str]) -> None:
        """The instructor's cells every notebook starts with (the release's leading locked
        code cells): each worker runs them once, and jobs that start with exactly these
        sources replay their outputs. Never pass a student's code here.

        The workers start running it now, in the background (a worker busy with a job
        runs it before its next one)."""
        self.prelude = tuple(sources)
        if self.prelude:
            for _ in self.all:
                threading.Thread(target=self._install_prelude, daemon=True).start()

    def _install_prelude(self) -> None:
        worker = self.free.get()
        try:
            # On failure the next job on this worker tries again, or runs every cell.
            with contextlib.suppress(Exception):
                if worker.alive and worker.prelude != self.prelude:
                    worker.install_prelude(self.prelude, self.limits)
        finally:
            self.free.put(worker)

    def __enter__(self) -> SandboxPool:
        self.start()
        return self

    def start(self) -> None:
        """Start every worker now, in the background (otherwise each starts on first use)."""
        for _ in self.all:
            worker = self.free.get()
            threading.Thread(target=self._start, args=(worker,), daemon=True).start()

    def _start(self, worker: Worker) -> None:
        try:
            # On failure the first job on this worker starts it again, or says why.
            with contextlib.suppress(Exception):
                if not worker.alive:
                    worker.start()
        finally:
            self.free.put(worker)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def starts(self) -> int:
        """How many worker sandboxes have been started so far (a killed one is replaced)."""
        return sum(worker.starts for worker in self.all)

    def close(self) -> None:
        """Stop every worker (waiting for running jobs to finish)."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for _ in self.all:
            self.free.get().kill()
        self.spawner.stop()

    def run_cells(
        self,
        cells: Sequence[str],
        *,
        names: Sequence[str],
        files: Mapping[str, str] | None = None,
        limits: Limits | None = None,
    ) -> SandboxResult:
        """Run ``cells`` as :func:`grader.sandbox.run_cells` does, in a warm worker."""
        limits = limits or self.limits
        files = dict(files or {})
        check_arguments(cells, names, files)
        with self.lock:
            if self.closed:
                raise RuntimeError("the sandbox pool is closed")
        if not self.unsafe:
            check_bwrap()
        names = list(dict.fromkeys(names))
        worker = self.free.get()
        try:
            try:
                return worker.run(list(cells), names, limits, files, self.prelude)
            except WorkerStartError:
                # No student code ran: once more with a fresh worker, then say why.
                try:
                    return worker.run(list(cells), names, limits, files, self.prelude)
                except WorkerStartError as error:
                    return _not_started(cells, names, limits, str(error))
        finally:
            self.free.put(worker)


def font_cache_build(cell: str, unsafe: bool) -> str:
    """stdout of the cell that builds matplotlib's font cache (run without a font cache)."""
    limits = Limits(
        output_bytes=64 * MIB, channel_bytes=MIB, cell_seconds=120, notebook_seconds=180
    )
    with SandboxPool(limits, unsafe=unsafe, warm=False, fonts=False) as pool:
        result = pool.run_cells([cell], names=[])
    if result.cells[0].status != "ok":
        raise ValueError(result.cells[0].traceback or result.cells[0].detail)
    return result.cells[0].stdout
