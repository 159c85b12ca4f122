"""Starting the sandboxed runner and watching it from outside.

The parent enforces the time limits itself: it waits on the runner's pipes with
deadlines (a cell's is its time limit plus a grace period, in which the runner's
own interrupt should have stopped it) and, when one passes, SIGKILLs the
sandbox's init process (its pid comes from bubblewrap's ``--info-fd``). When
the init of a pid namespace dies, the kernel kills every other process of the
namespace; :func:`supervise` returns only once the init is dead, so no process
of the run is left: no signal handler, ``setsid`` or forked child survives.
All reads are non-blocking and bounded (see :mod:`grader.sandbox.transcript` and
:mod:`grader.sandbox.channel`), so no output can fill the parent's memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

from grader.sandbox.channel import ChannelError, ChannelReader
from grader.sandbox.limits import Limits
from grader.sandbox.results import CellStatus
from grader.sandbox.transcript import Transcript

READ_BYTES = 64 * 1024
REAP_SECONDS = 5.0
EXIT_SECONDS = 1.0
INFO_BYTES = 4096
DRAIN_READS = 16
NOT_STARTED = "the sandbox could not start"


@dataclass(frozen=True)
class Pipes:
    """The parent's ends and the child's ends of the extra pipes of a run."""

    channel: tuple[int, int]
    """(read, write) of the result channel."""
    ack: tuple[int, int]
    """(read, write) of the pipe on which the parent lets the runner go on after a cell."""
    info: tuple[int, int] | None = None
    """(read, write) of bubblewrap's ``--info-fd``, or None without bubblewrap."""


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


def _dead(pid: int) -> bool:
    """Whether ``pid`` is gone or a zombie (a pid namespace's init turns zombie last)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True
    return state in (b"Z", b"X")


class Supervisor:
    """One sandboxed run's pipes and deadlines; subclasses say how to kill and reap it."""

    def __init__(
        self,
        job: bytes,
        stdin_fd: int,
        streams: dict[int, str],
        pipes: Pipes,
        transcript: Transcript,
        reader: ChannelReader,
        limits: Limits,
    ) -> None:
        self.transcript = transcript
        self.reader = reader
        self.limits = limits
        self.problem = ""
        self.finished = False
        """Set by a subclass when it knows that every writer of the pipes is gone."""
        self.pending = memoryview(job)
        self.stdin_fd = stdin_fd
        self.streams = streams
        self.channel_fd = pipes.channel[0]
        self.ack_fd = pipes.ack[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.stdin_fd, selectors.EVENT_WRITE)
        for fd in (self.channel_fd, *self.streams, *self.extra_fds()):
            self.selector.register(fd, selectors.EVENT_READ)
        for key in self.selector.get_map().values():
            os.set_blocking(key.fd, False)
        os.set_blocking(self.ack_fd, False)
        now = time.monotonic()
        self.notebook_deadline = now + limits.notebook_seconds
        self.cell_deadline = self.notebook_deadline

    # -- what subclasses provide -------------------------------------------------

    def extra_fds(self) -> tuple[int, ...]:
        """More descriptors to watch; their data goes to :meth:`handle_extra`."""
        return ()

    def handle_extra(self, fd: int, data: bytes) -> None:
        """Data (``b""`` at end of stream) read from one of :meth:`extra_fds`."""

    def kill(self) -> None:
        """SIGKILL everything of the run, now."""
        raise NotImplementedError

    def exit_code(self) -> int | None:
        """The runner's exit status, waiting a little for it (None if it has not exited)."""
        raise NotImplementedError

    def after_end(self) -> None:
        """The runner said ``end``: let it exit."""

    def settle(self) -> None:
        """Make sure nothing of the run is left, before :meth:`run` returns."""
        raise NotImplementedError

    def close_own(self) -> None:
        """Close stdin (if still open), the streams and the subclass's own descriptors."""
        raise NotImplementedError

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
        os.close(self.stdin_fd)

    def read_channel(self, data: bytes) -> None:
        for message in self.reader.feed(data):
            self.drain_streams()
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
            self.handle_extra(fd, data)

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


class ProcessSupervisor(Supervisor):
    """A one-shot sandbox: bubblewrap started for this run, killed with its namespace."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        job: bytes,
        pipes: Pipes,
        transcript: Transcript,
        reader: ChannelReader,
        limits: Limits,
    ) -> None:
        assert process.stdin and process.stdout and process.stderr
        self.process = process
        self.init_pid: int | None = None
        self.info = b""
        self.info_fd = pipes.info[0] if pipes.info else None
        streams = {process.stdout.fileno(): "stdout", process.stderr.fileno(): "stderr"}
        super().__init__(job, process.stdin.fileno(), streams, pipes, transcript, reader, limits)

    def extra_fds(self) -> tuple[int, ...]:
        return () if self.info_fd is None else (self.info_fd,)

    def handle_extra(self, fd: int, data: bytes) -> None:
        self.info = (self.info + data)[:INFO_BYTES]
        with contextlib.suppress(ValueError, AttributeError):
            pid = json.loads(self.info).get("child-pid")
            if isinstance(pid, int) and pid > 1:
                self.init_pid = pid

    def close_stdin(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()

    def kill(self) -> None:
        """SIGKILL the sandbox's init (the namespace dies with it), else bubblewrap's group."""
        if self.init_pid is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.init_pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=REAP_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def exit_code(self) -> int | None:
        try:
            return self.process.wait(timeout=REAP_SECONDS)
        except subprocess.TimeoutExpired:
            return None

    def after_end(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=EXIT_SECONDS)  # the runner exits right after "end"

    def settle(self) -> None:
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=REAP_SECONDS)
        self.wait_for_namespace()

    def wait_for_namespace(self) -> None:
        """Return once the sandbox's init has finished dying, with every process it outlived.

        bubblewrap may exit as soon as the init reports the runner's exit status,
        while the kernel is still killing the namespace's other processes.
        """
        if self.init_pid is None:
            return
        deadline = time.monotonic() + REAP_SECONDS
        while not _dead(self.init_pid) and time.monotonic() < deadline:
            time.sleep(0.002)

    def close_own(self) -> None:
        for stream in (self.process.stdout, self.process.stderr, self.process.stdin):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        if self.info_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.info_fd)


def supervise(
    command: Sequence[str],
    job: bytes,
    pipes: Pipes,
    transcript: Transcript,
    reader: ChannelReader,
    limits: Limits,
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run ``command``, feed it ``job``, record everything into ``transcript``.

    Returns what went wrong with the run as a whole, in words ("" if nothing).
    The child's ends of ``pipes`` are closed here once the child has them.
    """
    child_ends = [pipes.channel[1], pipes.ack[0], *(pipes.info[1:] if pipes.info else ())]
    parent_ends = [pipes.channel[0], pipes.ack[1], *(pipes.info[:1] if pipes.info else ())]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=child_ends,
            start_new_session=True,
            cwd=cwd,
            env=env,
        )
    except BaseException:
        for fd in parent_ends:
            os.close(fd)
        raise
    finally:
        for fd in child_ends:
            os.close(fd)
    return ProcessSupervisor(process, job, pipes, transcript, reader, limits).run()
