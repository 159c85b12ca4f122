"""The lines that pass between the job's processes: one JSON object per line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

MAX_TEXT = 20_000

_write = os.write  # bound now: a cell may replace os.write or json.dumps
_read = os.read
_dumps = json.dumps
_loads = json.loads
_getpid = os.getpid
_exit = os._exit


def write_line(fd: int, message: dict[str, Any]) -> None:
    """Write ``message`` as one JSON line, all of it."""
    data = (_dumps(message, allow_nan=False, separators=(",", ":")) + "\n").encode()
    view = memoryview(data)
    while view:
        view = view[_write(fd, view) :]


class Channel:
    """The kernel's side: cell requests in from the driver, its messages out to it.

    Every message carries the nonce of the cell it belongs to; the driver makes a
    fresh one for each cell and forwards only messages that carry it.
    """

    def __init__(self, fd: int, requests_fd: int) -> None:
        self.fd = fd
        self.requests_fd = requests_fd
        self.owner = _getpid()
        self.nonce = ""
        self.pending = b""

    def next_request(self) -> dict[str, Any] | None:
        """The driver's next ``{"cell": i, "nonce": ...}``; None once it has no more."""
        while b"\n" not in self.pending:
            data = _read(self.requests_fd, 4096)
            if not data:
                return None
            self.pending += data
        line, self.pending = self.pending.split(b"\n", 1)
        request: dict[str, Any] = _loads(line)
        self.nonce = request["nonce"]
        return request

    def send(self, message: dict[str, Any]) -> None:
        if _getpid() != self.owner:
            _exit(0)  # a process forked by a cell came back here: it has nothing to say
        flush_streams()
        write_line(self.fd, {**message, "nonce": self.nonce})


def flush_streams() -> None:
    """Push buffered student output into the pipes before a channel message."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()  # type: ignore[union-attr]


def short_repr(value: Any) -> str:
    """``repr(value)``, cut to a readable length."""
    try:
        text = repr(value)
    except Exception as problem:
        text = f"<repr failed: {type(problem).__name__}>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " ...[cut]"
