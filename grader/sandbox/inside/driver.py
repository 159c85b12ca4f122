"""The driver: the one process that writes a job's result channel.

It runs no student code. For each cell it tells the grader ``{"type": "start",
"cell": i}``, sends the kernel a request with a fresh random nonce, and forwards
the kernel's ``display`` and ``done`` messages for that cell, without the nonce,
once it has checked them. After each ``done`` it waits for the grader's ack byte,
so that the grader reads all of a cell's output before the next cell starts; after
the last cell it sends ``{"type": "end"}``.

The kernel runs student code, so its messages may be forged. A line that is not
well-formed JSON, that names another cell, that arrives before its cell was
asked for, or that lacks the current nonce (which exists only once the cell has
started) is forged: the driver sends ``{"type": "fault", "detail": ...}`` and
ends the job. A cell's code can therefore shape the status of no cell but itself.
When the kernel dies (or closes its pipe), the driver exits with the kernel's
exit status.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import time
from typing import Any

from .messages import write_line

MAX_LINE_BYTES = 8 * 1024 * 1024
READ_BYTES = 64 * 1024
FORWARDED = ("display", "done")
EXIT_SECONDS = 2.0


class ForgedError(Exception):
    """The kernel wrote a line the driver did not ask for."""


def _exit_code(status: int) -> int:
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else min(code, 255)


class Driver:
    """One job's driver; ``channel_fd`` and ``ack_fd`` are the grader's pipes."""

    def __init__(self, channel_fd: int, ack_fd: int, requests_fd: int, replies_fd: int) -> None:
        self.channel_fd = channel_fd
        self.ack_fd = ack_fd
        self.requests_fd = requests_fd
        self.replies_fd = replies_fd
        self.pending = b""

    def read_line(self) -> bytes | None:
        """The kernel's next line, or None when it has closed its pipe (it died)."""
        while b"\n" not in self.pending:
            data = os.read(self.replies_fd, READ_BYTES)
            if not data:
                return None  # the kernel is gone (a line it was writing when killed is dropped)
            self.pending += data
            if len(self.pending) > MAX_LINE_BYTES and b"\n" not in self.pending:
                raise ForgedError("a message longer than the limit")
        line, self.pending = self.pending.split(b"\n", 1)
        return line

    def checked(self, line: bytes, cell: int, nonce: str) -> dict[str, Any]:
        try:
            message = json.loads(line)
        except (ValueError, RecursionError) as error:
            raise ForgedError(f"a line that is not JSON ({type(error).__name__})") from error
        if not isinstance(message, dict) or message.get("type") not in FORWARDED:
            raise ForgedError("a message of an unknown type")
        if message.get("nonce") != nonce or message.get("cell") != cell:
            raise ForgedError(f"a message that the runner of cell {cell + 1} did not write")
        del message["nonce"]
        return message

    def run_cell(self, cell: int) -> bool:
        """Ask for ``cell`` and forward its messages; False if the kernel died."""
        if self.pending:
            raise ForgedError("a message written before its cell started")
        write_line(self.channel_fd, {"type": "start", "cell": cell})
        nonce = secrets.token_hex(16)
        write_line(self.requests_fd, {"cell": cell, "nonce": nonce})
        while (line := self.read_line()) is not None:
            message = self.checked(line, cell, nonce)
            write_line(self.channel_fd, message)
            if message["type"] == "done":
                return os.read(self.ack_fd, 1) == b"k"
        return False

    def run(self, cells: int, kernel: int) -> int:
        """Drive ``cells`` cells through the kernel with pid ``kernel``; the exit code.

        After the last cell the kernel is told there is no more (it exits); a line it
        sent after its last ``done`` is forged too.
        """
        try:
            for cell in range(cells):
                if not self.run_cell(cell):
                    os.kill(kernel, signal.SIGKILL)  # a dead kernel keeps its own exit status
                    return _exit_code(os.waitpid(kernel, 0)[1])
            os.close(self.requests_fd)  # the kernel reads the end of its requests and exits
            _wait_briefly(kernel)
            if self.pending or _unread(self.replies_fd):
                raise ForgedError("a message written after the last cell")
        except ForgedError as forged:
            write_line(self.channel_fd, {"type": "fault", "detail": str(forged)})
            return 0
        write_line(self.channel_fd, {"type": "end"})
        return 0


def _wait_briefly(pid: int) -> None:
    """Wait up to ``EXIT_SECONDS`` for ``pid`` to exit; a process still running then (one
    that ignores the end of its requests) dies with the pid namespace when the driver exits."""
    deadline = time.monotonic() + EXIT_SECONDS
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
        time.sleep(0.001)


def _unread(fd: int) -> bool:
    """Whether anything is waiting to be read on ``fd`` (without waiting for more)."""
    os.set_blocking(fd, False)
    try:
        return bool(os.read(fd, 1))
    except BlockingIOError:
        return False


def ignore_signals() -> None:
    """Signals a kernel could send its driver (it is the pid namespace's init)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(number, signal.SIG_IGN)
