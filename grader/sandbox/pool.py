"""Warm sandboxes that grade one notebook after another: :class:`SandboxPool`.

A worker is one long-lived bubblewrap sandbox, made exactly as a one-shot run's
(:func:`grader.sandbox.bwrap.bwrap_command`: no network, read-only system, no
course directory, project masked, size-capped tmpfs, every capability but
SETUID, SETGID and CHOWN dropped), running :mod:`grader.sandbox.inside.zygote`,
which has imported numpy and pyplot and holds no student data. Each job is a
child forked from it. What a job can and cannot see or affect, and why:

* It sees what a one-shot run sees, plus an empty parent of its scratch directory;
  it runs as a user id of its own (``setresuid`` before any student code: no
  capability left), so RLIMIT_NPROC counts only its processes, and the other
  jobs' scratch directories (0700, other owners) cannot be read.
* It cannot signal or ptrace the zygote or the sandbox's init (root), nor
  another job (other uid), nor the zygote while it sweeps the job's processes
  (real uid of its own, saved uid root). It cannot write anything the zygote
  reads: the zygote's files are root's, and it holds no descriptor of the
  zygote's (the child closes the control socket and everything but its five job
  descriptors).
* Whatever it changes in memory (monkeypatched numpy, builtins, matplotlib) is
  its own copy-on-write copy, gone when it exits: the next job is forked afresh
  from the untouched zygote.
* Its stdin, stdout, stderr, result channel and ack pipe are made by the parent
  for this job only; the parent closes its ends when the job is over. A process
  the job left behind could only write into those dead pipes, but none is left:
  before the zygote reports a job done (and before the parent sends the next),
  the zygote has SIGKILLed every process of the job's uid until none is alive,
  and the scratch directory is deleted. A job that leaves anything (a process
  that would not die, a file, System V IPC objects) retires the worker. The
  worker's other shared state is closed to jobs: the tmpfs root and ``/dev/shm``
  are root's and read-only to them, RLIMIT_MSGQUEUE is 0 (no POSIX message
  queue), sockets die with their processes.
* Time limits are enforced from outside as for one-shot runs: a job past its
  deadline, or one that corrupts its channel, gets the whole worker namespace
  killed; the next job starts a fresh worker.
* Residual, as for one-shot runs: job user ids come from a per-grader-process
  counter (64 per pid), so the 65th job reuses the first one's uid; what the
  kernel keeps per uid beyond the uid's processes (a user keyring) could pass
  between those two jobs.

Workers need root (to switch each job to its own uid); as another user, or with
``unsafe``, the pool runs each notebook with :func:`grader.sandbox.run_cells`.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import select
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

from grader.sandbox.bwrap import FONT_CACHE_INSIDE, bwrap_command, check_bwrap, site_dir_inside
from grader.sandbox.channel import ChannelReader
from grader.sandbox.fontcache import prepared_font_cache
from grader.sandbox.layout import python_layout
from grader.sandbox.limits import Limits
from grader.sandbox.process import REAP_SECONDS, Pipes, Supervisor
from grader.sandbox.results import SandboxResult
from grader.sandbox.run import (
    _check_arguments,
    _font_cache_build,
    _next_uid,
    _rlimits,
    run_cells,
)
from grader.sandbox.transcript import Transcript

START_SECONDS = 60.0
"""How long a worker may take to start (Python, numpy and pyplot imports)."""
SWEEPER_OFFSET = 1 << 30
"""While sweeping, the zygote's real uid is the job's plus this: no job ever runs as it."""
REPORT_BYTES = 4096


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


class _Worker:
    """One warm sandbox; used by one thread at a time."""

    def __init__(self, limits: Limits, spawner: _Spawner) -> None:
        self.limits = limits
        self.spawner = spawner
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None
        self.init_pid: int | None = None
        self.jobs = 0
        self.starts = 0
        self.buffer = b""

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- starting and stopping -----------------------------------------------------

    def start(self) -> None:
        layout = python_layout()
        font_cache = prepared_font_cache(
            layout, True, lambda cell: _font_cache_build(cell, unsafe=False)
        )
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        info_read, info_write = os.pipe()
        command = bwrap_command(
            layout,
            scratch_bytes=self.limits.scratch_bytes,
            font_cache=font_cache,
            as_root=True,
            info_fd=info_write,
            program="zygote",
        )
        settings = {
            "paths": [site_dir_inside(index) for index in range(len(layout.site_dirs))],
            "mpl_cache": FONT_CACHE_INSIDE if font_cache else None,
            "control_fd": theirs.fileno(),
        }
        errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the start)
        try:
            self.process = self.spawner.popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                pass_fds=[theirs.fileno(), info_write],
                start_new_session=True,
            )
        except OSError as error:
            ours.close()
            os.close(info_read)
            errors.close()
            raise WorkerStartError(f"the worker sandbox could not be started: {error}") from error
        finally:
            theirs.close()
            os.close(info_write)
        self.control, self.buffer, self.init_pid = ours, b"", None
        self.starts += 1
        try:
            assert self.process.stdin
            self.process.stdin.write(json.dumps(settings).encode())
            self.process.stdin.close()
            self.init_pid = _read_init_pid(info_read)
            report = self.read_report(START_SECONDS)
            if report is None or report.get("type") != "ready":
                errors.seek(0)
                lines = errors.read().decode(errors="replace").strip().splitlines()
                raise WorkerStartError(
                    f"the worker sandbox did not start: {lines[-1] if lines else 'no message'}"
                )
        except BaseException:
            self.kill()
            raise
        finally:
            os.close(info_read)
            errors.close()

    def kill(self) -> None:
        """SIGKILL the worker's namespace and wait until it is gone."""
        process, self.process = self.process, None
        if self.control is not None:
            self.control.close()
            self.control = None
        if process is None:
            return
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

    # -- one job ----------------------------------------------------------------------

    def run(
        self, cells: list[str], names: list[str], limits: Limits, files: dict[str, str]
    ) -> SandboxResult:
        start = time.monotonic()
        if not self.alive:
            self.start()
        assert self.control is not None
        self.jobs += 1
        uid = _next_uid()
        pipes = [os.pipe() for _ in range(5)]
        stdin, stdout, stderr, channel, ack = pipes
        child_ends = [stdin[0], stdout[1], stderr[1], channel[1], ack[0]]
        header = {"job": self.jobs, "uid": uid, "sweeper": uid + SWEEPER_OFFSET}
        try:
            socket.send_fds(self.control, [json.dumps(header).encode()], child_ends)
        except OSError as error:
            for fd in (*child_ends, stdin[1], stdout[0], stderr[0], channel[0], ack[1]):
                os.close(fd)
            self.kill()
            raise WorkerStartError(f"the worker sandbox is gone: {error}") from error
        finally:
            if self.process is not None:
                for fd in child_ends:
                    os.close(fd)
        job = {
            "uid": uid,
            "paths": [],
            "mpl_cache": None,
            "cells": cells,
            "names": names,
            "files": files,
            "rlimits": _rlimits(limits),
            "figures_per_cell": limits.figures_per_cell,
            "cell_seconds": limits.cell_seconds,
            "channel_fd": channel[1],
            "ack_fd": ack[0],
        }
        transcript = Transcript(len(cells), names, limits.output_bytes, limits.total_output_bytes)
        reader = ChannelReader(names, len(cells), limits.channel_bytes)
        supervisor = _JobSupervisor(
            self,
            json.dumps(job).encode(),
            stdin[1],
            {stdout[0]: "stdout", stderr[0]: "stderr"},
            Pipes(channel=channel, ack=ack),
            transcript,
            reader,
            limits,
        )
        problem = supervisor.run()
        return SandboxResult(
            cells=transcript.results(),
            answers=dict(transcript.answers),
            sandboxed=True,
            seconds=round(time.monotonic() - start, 4),
            problem=problem,
        )


class _JobSupervisor(Supervisor):
    """One job in a worker: ends when the zygote reports the job swept, or by a deadline."""

    def __init__(
        self,
        worker: _Worker,
        job: bytes,
        stdin_fd: int,
        streams: dict[int, str],
        pipes: Pipes,
        transcript: Transcript,
        reader: ChannelReader,
        limits: Limits,
    ) -> None:
        self.worker = worker
        assert worker.control is not None
        self.control_fd = worker.control.fileno()
        self.report: dict[str, Any] | None = None
        self.stdin_open = True
        super().__init__(job, stdin_fd, streams, pipes, transcript, reader, limits)

    def extra_fds(self) -> tuple[int, ...]:
        return (self.control_fd,)

    def handle_extra(self, fd: int, data: bytes) -> None:
        self.worker.feed(data)
        self.report = self.report or self.worker.take_report()
        if self.report is not None or not data:
            self.finished = True

    def wait_for_report(self) -> None:
        if self.report is None and self.worker.alive:
            self.report = self.worker.read_report(REAP_SECONDS)

    def kill(self) -> None:
        self.worker.kill()

    def exit_code(self) -> int | None:
        self.wait_for_report()
        status = self.report.get("status") if self.report else None
        return status if isinstance(status, int) else None

    def after_end(self) -> None:
        self.wait_for_report()

    def settle(self) -> None:
        self.wait_for_report()
        report = self.report
        expected = report is not None and report.get("job") == self.worker.jobs
        if not (expected and report is not None and report.get("clean") is True):
            self.worker.kill()  # anything doubtful: the next job gets a fresh worker

    def close_stdin(self) -> None:
        if self.stdin_open:
            self.stdin_open = False
            os.close(self.stdin_fd)

    def close_own(self) -> None:
        self.close_stdin()
        for fd in self.streams:
            os.close(fd)
        control = self.worker.control
        if control is not None and control.fileno() == self.control_fd:
            os.set_blocking(self.control_fd, True)


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


class SandboxPool:
    """``workers`` warm sandboxes; :meth:`run_cells` is :func:`grader.sandbox.run_cells`,
    faster. Thread-safe: each call takes a free worker (waiting for one if needed).
    Use it as a context manager; workers start on first use."""

    def __init__(
        self, limits: Limits | None = None, workers: int = 1, *, unsafe: bool = False
    ) -> None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ValueError(f"workers must be a positive int, got {workers!r}")
        self.limits = limits or Limits()
        self.unsafe = unsafe
        self.warm = not unsafe and os.geteuid() == 0
        self.free: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self.spawner = _Spawner()
        self.all = [_Worker(self.limits, self.spawner) for _ in range(workers)]
        for worker in self.all:
            self.free.put(worker)
        self.lock = threading.Lock()
        self.closed = False

    def __enter__(self) -> SandboxPool:
        self.start()
        return self

    def start(self) -> None:
        """Start every worker now, in the background (otherwise each starts on first use)."""
        if not self.warm:
            return
        for _ in self.all:
            worker = self.free.get()
            threading.Thread(target=self._start, args=(worker,), daemon=True).start()

    def _start(self, worker: _Worker) -> None:
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
        _check_arguments(cells, names, files)
        if limits.scratch_bytes != self.limits.scratch_bytes:
            raise ValueError("limits.scratch_bytes must be the pool's (set when a worker starts)")
        with self.lock:
            if self.closed:
                raise RuntimeError("the sandbox pool is closed")
        if not self.warm:
            return run_cells(cells, names=names, limits=limits, files=files, unsafe=self.unsafe)
        check_bwrap()
        names = list(dict.fromkeys(names))
        worker = self.free.get()
        try:
            try:
                return worker.run(list(cells), names, limits, files)
            except WorkerStartError:
                # No student code ran: a fresh worker, else a one-shot sandbox that says why.
                try:
                    return worker.run(list(cells), names, limits, files)
                except WorkerStartError:
                    return run_cells(cells, names=names, limits=limits, files=files)
        finally:
            self.free.put(worker)
