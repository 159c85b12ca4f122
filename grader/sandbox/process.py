"""Watching one job from outside: its pipes, its deadlines, its end.

The grader enforces the time limits itself: it waits on the job's pipes with
deadlines (a cell's is its time limit plus a grace period, in which the kernel's
own interrupt should have stopped it) and, when one passes, kills the whole
worker sandbox (see :meth:`grader.sandbox.pool.Worker.kill`): no signal handler,
``setsid`` or forked child survives it. A job the zygote does not report clean,
or whose job process was killed by a signal, retires its worker the same way.
All reads are non-blocking and bounded (see :mod:`grader.sandbox.transcript`
and :mod:`grader.sandbox.channel`), so no output can fill the grader's memory,
and any failure while reading the channel, whatever its kind, ends the job as a
corrupted channel.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import time
from dataclasses import dataclass
from typing import Any, Protocol

from grader.sandbox.channel import ChannelError, ChannelReader
from grader.sandbox.limits import Limits
from grader.sandbox.results import CellStatus
from grader.sandbox.transcript import Transcript

READ_BYTES = 64 * 1024
REAP_SECONDS = 5.0
DRAIN_READS = 16
NOT_STARTED = "the sandbox could not start"


class Worker(Protocol):
    """What a job's supervisor needs of its worker (:class:`grader.sandbox.pool.Worker`)."""

    jobs: int

    @property
    def alive(self) -> bool: ...

    def control_fd(self) -> int | None: ...

    def feed(self, data: bytes) -> None: ...

    def take_report(self) -> dict[str, Any] | None: ...

    def read_report(self, timeout: float) -> dict[str, Any] | None: ...

    def kill(self) -> None: ...


def describe_exit(code: int | None) -> str:
    """Why the sandboxed Python ended, from bubblewrap's (or Python's) exit status."""
    if code is None:
        return "the Python process did not exit"
    signal_number = -code if code < 0 else code - 128 if code > 128 else 0
    if signal_number:
        try:
            name = signal.Signals(signal_number).name
        except ValueError:
            name = f"signal {signal_number}"
        reason = {
            "SIGXCPU": " (CPU time limit)",
            "SIGKILL": " (a resource limit, or killed)",
            "SIGXFSZ": " (file size limit)",
            "SIGSEGV": " (crashed)",
        }.get(name, "")
        return f"the Python process was killed by {name}{reason}"
    return f"the Python process exited with code {code}"


class JobSupervisor:
    """One job's pipes and deadlines. It ends when the zygote reports the job done,
    or by a deadline or a corrupted channel, which kill the whole worker."""

    def __init__(
        self,
        worker: Worker,
        job: bytes,
        fds: JobFds,
        transcript: Transcript,
        reader: ChannelReader,
        limits: Limits,
    ) -> None:
        self.worker = worker
        control_fd = worker.control_fd()
        assert control_fd is not None
        self.control_fd = control_fd
        self.report: dict[str, Any] | None = None
        self.stdin_open = True
        self.transcript = transcript
        self.reader = reader
        self.limits = limits
        self.problem = ""
        self.finished = False
        """Set by a subclass when it knows that every writer of the pipes is gone."""
        self.pending = memoryview(job)
        self.stdin_fd = fds.stdin
        self.streams = {fds.stdout: "stdout", fds.stderr: "stderr"}
        self.channel_fd = fds.channel
        self.ack_fd = fds.ack
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.stdin_fd, selectors.EVENT_WRITE)
        for fd in (self.channel_fd, *self.streams, self.control_fd):
            self.selector.register(fd, selectors.EVENT_READ)
        for key in self.selector.get_map().values():
            os.set_blocking(key.fd, False)
        os.set_blocking(self.ack_fd, False)
        now = time.monotonic()
        self.notebook_deadline = now + limits.notebook_seconds
        self.cell_deadline = self.notebook_deadline

    # -- the worker's side -------------------------------------------------------

    def handle_control(self, data: bytes) -> None:
        """Data (``b""`` at end of stream) from the zygote's control socket."""
        self.worker.feed(data)
        self.report = self.report or self.worker.take_report()
        if self.report is not None or not data:
            self.finished = True

    def wait_for_report(self) -> None:
        if self.report is None and self.worker.alive:
            self.report = self.worker.read_report(REAP_SECONDS)

    def kill(self) -> None:
        """SIGKILL everything of the job, now: its whole worker."""
        self.worker.kill()

    def exit_code(self) -> int | None:
        """The job's exit status, as the zygote reported it (None if it did not)."""
        self.wait_for_report()
        status = self.report.get("status") if self.report else None
        return status if isinstance(status, int) else None

    def after_end(self) -> None:
        self.wait_for_report()

    def settle(self) -> None:
        """Anything doubtful retires the worker: the next job gets a fresh one."""
        self.wait_for_report()
        report = self.report
        expected = report is not None and report.get("job") == self.worker.jobs
        status = report.get("status") if report is not None else None
        exited = isinstance(status, int) and status >= 0  # not killed by a signal
        if not (expected and exited and report is not None and report.get("clean") is True):
            self.worker.kill()

    def close_own(self) -> None:
        self.close_stdin()
        for fd in self.streams:
            os.close(fd)
        if self.worker.control_fd() == self.control_fd:
            os.set_blocking(self.control_fd, True)

    # -- killing ---------------------------------------------------------------

    def stop(self, status: CellStatus, detail: str, *, kill: bool = True) -> None:
        """End the run early: kill, keep what was already said, mark the running cell."""
        if kill:
            self.kill()
        self.drain_streams()
        self.transcript.stop(status, detail, time.monotonic())
        self.problem = self.problem or detail

    # -- reading ---------------------------------------------------------------

    def drain_streams(self) -> None:
        """Everything already written to stdout and stderr, so outputs keep their order."""
        for fd, name in self.streams.items():
            with contextlib.suppress(OSError):
                for _ in range(DRAIN_READS):  # bounded: a writer in the sandbox may never stop
                    data = os.read(fd, READ_BYTES)
                    if not data:
                        break
                    self.transcript.stream(name, data)

    def write_job(self) -> None:
        try:
            self.pending = self.pending[os.write(self.stdin_fd, self.pending[:READ_BYTES]) :]
        except BlockingIOError:
            return
        except OSError:
            self.pending = self.pending[:0]
        if not self.pending:
            self.selector.unregister(self.stdin_fd)
            self.close_stdin()

    def close_stdin(self) -> None:
        if self.stdin_open:
            self.stdin_open = False
            os.close(self.stdin_fd)

    def read_channel(self, data: bytes) -> None:
        for message in self.reader.feed(data):
            self.drain_streams()
            if message["type"] == "fault":
                raise ChannelError(message["detail"])
            if not self.transcript.expects(message):
                raise ChannelError(f"{message['type']} message out of order")
            self.transcript.message(message, time.monotonic())
            if message["type"] == "start":
                patience = self.limits.cell_seconds + self.limits.grace_seconds
                self.cell_deadline = time.monotonic() + patience
            if message["type"] == "done":
                with contextlib.suppress(OSError):
                    os.write(self.ack_fd, b"k")

    def handle(self, fd: int) -> None:
        if fd == self.stdin_fd:
            self.write_job()
            return
        try:
            data = os.read(fd, READ_BYTES)
        except BlockingIOError:
            return
        if not data:
            self.selector.unregister(fd)
            if fd == self.channel_fd:
                self.reader.close()
        if fd in self.streams:
            if data:
                self.transcript.stream(self.streams[fd], data)
        elif fd == self.channel_fd:
            if data:
                self.read_channel(data)
        else:
            self.handle_control(data)

    # -- the loop --------------------------------------------------------------

    def check_deadlines(self) -> bool:
        """Stop the run if a time limit has passed; True if it has."""
        if time.monotonic() < min(self.cell_deadline, self.notebook_deadline):
            return False
        if self.notebook_deadline <= self.cell_deadline:
            limit = f"notebook time limit ({self.limits.notebook_seconds:g} s) exceeded"
        else:
            limit = (
                f"cell time limit ({self.limits.cell_seconds:g} s) exceeded, "
                "and the cell did not stop when interrupted"
            )
        self.stop("timeout", limit)
        return True

    def run(self) -> str:
        """Watch the run to its end; the run's problem in words ("" if none)."""
        try:
            while self.selector.get_map() and not self.transcript.ended and not self.finished:
                if self.check_deadlines():
                    break
                timeout = min(self.cell_deadline, self.notebook_deadline) - time.monotonic()
                for key, _ in self.selector.select(max(timeout, 0.0)):
                    self.handle(key.fd)
                    if self.transcript.ended or self.finished:
                        break
            if self.finished and not self.transcript.ended and not self.problem:
                self.drain_all()
        except ChannelError as violation:
            self.stop("killed", f"the result channel was corrupted: {violation}")
        except Exception as error:  # whatever broke the reading, the job cannot be believed
            self.stop("killed", f"the result channel was corrupted: {type(error).__name__}")
        if self.transcript.ended:
            self.drain_streams()
            self.after_end()
        elif not self.problem:
            code = self.exit_code()
            detail = describe_exit(code)
            if not self.transcript.started:
                detail = f"{NOT_STARTED} ({detail}): {self.transcript.last_error_line()}"
            self.stop("killed", detail, kill=code is None)
        self.settle()
        self.close()
        return self.problem

    def drain_all(self) -> None:
        """Every writer is gone: read the channel, then the streams, to their ends."""
        for fd in (self.channel_fd, *self.streams):
            for _ in range(DRAIN_READS * 4):
                if fd not in self.selector.get_map() or self.transcript.ended:
                    break
                self.handle(fd)

    def close(self) -> None:
        for fd in list(self.selector.get_map()):
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(fd)
        self.selector.close()
        for fd in (self.channel_fd, self.ack_fd):
            os.close(fd)
        self.close_own()


@dataclass(frozen=True)
class JobFds:
    """The grader's ends of a job's five pipes."""

    stdin: int
    stdout: int
    stderr: int
    channel: int
    ack: int
