"""Starting the sandboxed runner and watching it from outside.

The parent enforces the time limits itself: it waits on the runner's pipes with
deadlines and, when one passes, kills the whole process group of bubblewrap with
SIGKILL. bubblewrap's ``--die-with-parent`` then kills the sandbox's init, and
with it the kernel kills every process of the sandbox's pid namespace, so no
signal handler, ``setsid`` or forked child survives a timeout. All reads are
non-blocking and bounded (see :mod:`grader.sandbox.transcript` and
:mod:`grader.sandbox.channel`), so no output can fill the parent's memory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

from grader.sandbox.channel import ChannelError, ChannelReader
from grader.sandbox.limits import Limits
from grader.sandbox.transcript import Transcript

READ_BYTES = 64 * 1024
REAP_SECONDS = 5.0


@dataclass
class Outcome:
    """How the run ended, in words ("" if it ended normally)."""

    problem: str = ""


def _describe_exit(code: int | None) -> str:
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


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL bubblewrap's process group; the pid namespace goes down with it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def supervise(
    command: Sequence[str],
    job: bytes,
    channel_fds: tuple[int, int],
    transcript: Transcript,
    reader: ChannelReader,
    limits: Limits,
    *,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """Run ``command``, feed it ``job``, and record everything into ``transcript``."""
    channel_read, channel_write = channel_fds
    start = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(channel_write,),
            start_new_session=True,
            cwd=cwd,
            env=env,
        )
    finally:
        os.close(channel_write)
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    outcome = Outcome()
    selector = selectors.DefaultSelector()
    stdin_fd = process.stdin.fileno()
    fds = {process.stdout.fileno(): "stdout", process.stderr.fileno(): "stderr"}
    for fd in (stdin_fd, channel_read, *fds):
        os.set_blocking(fd, False)
    selector.register(stdin_fd, selectors.EVENT_WRITE)
    for fd in (channel_read, *fds):
        selector.register(fd, selectors.EVENT_READ)
    pending = memoryview(job)
    notebook_deadline = start + limits.notebook_seconds
    cell_deadline = notebook_deadline

    def drain_streams() -> None:
        for fd, name in fds.items():
            with contextlib.suppress(BlockingIOError, OSError):
                while data := os.read(fd, READ_BYTES):
                    transcript.stream(name, data)

    def stop(status: str, detail: str) -> None:
        _kill(process)
        drain_streams()
        transcript.stop(status, detail, time.monotonic())  # type: ignore[arg-type]
        outcome.problem = outcome.problem or detail

    try:
        while selector.get_map():
            now = time.monotonic()
            if now >= min(cell_deadline, notebook_deadline):
                if notebook_deadline <= cell_deadline:
                    stop("timeout", f"notebook time limit ({limits.notebook_seconds:g} s) exceeded")
                else:
                    stop("timeout", f"cell time limit ({limits.cell_seconds:g} s) exceeded")
                break
            events = selector.select(min(cell_deadline, notebook_deadline) - now)
            for key, _ in events:
                fd = key.fd
                if fd == stdin_fd:
                    try:
                        pending = pending[os.write(fd, pending[:READ_BYTES]) :]
                    except OSError as error:
                        if error.errno == errno.EAGAIN:
                            continue
                        pending = pending[:0]
                    if not pending:
                        selector.unregister(fd)
                        process.stdin.close()
                    continue
                try:
                    data = os.read(fd, READ_BYTES)
                except BlockingIOError:
                    continue
                if not data:
                    selector.unregister(fd)
                    if fd == channel_read:
                        reader.close()
                    continue
                if fd in fds:
                    transcript.stream(fds[fd], data)
                    continue
                for message in reader.feed(data):
                    drain_streams()
                    if not transcript.expects(message):
                        raise ChannelError(f"{message['type']} message out of order")
                    transcript.message(message, time.monotonic())
                    if message["type"] == "start":
                        cell_deadline = time.monotonic() + limits.cell_seconds
                if transcript.ended:
                    break
            if transcript.ended:
                drain_streams()
                _kill(process)
                break
    except ChannelError as violation:
        stop("killed", f"the result channel was corrupted: {violation}")
    finally:
        selector.close()
    if not transcript.ended and not outcome.problem:
        try:
            code = process.wait(timeout=REAP_SECONDS)
        except subprocess.TimeoutExpired:
            code = None
        stop("killed", _describe_exit(code))
    _kill(process)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=REAP_SECONDS)
    for stream in (process.stdout, process.stderr, process.stdin):
        with contextlib.suppress(OSError):
            stream.close()
    os.close(channel_read)
    return outcome
