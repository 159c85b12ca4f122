"""Writing the runner's messages to the parent: one JSON object per line."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import Any

MAX_TEXT = 20_000

_write = os.write  # bound now: a cell may replace os.write or json.dumps
_dumps = json.dumps
_getpid = os.getpid


class Channel:
    """Writes one JSON object per line to the result file descriptor."""

    def __init__(self, fd: int, ack_fd: int) -> None:
        self.fd = fd
        self.ack_fd = ack_fd
        self.owner = _getpid()

    def wait_for_parent(self) -> None:
        """Block until the parent has read this cell's output (one byte on the ack pipe).

        Without this pause, output the next cell writes could be read before the
        message that ends this cell, and be shown under the wrong cell.
        """
        with contextlib.suppress(OSError):
            os.read(self.ack_fd, 1)

    def send(self, message: dict[str, Any]) -> None:
        if _getpid() != self.owner:
            os._exit(0)  # a process forked by a cell came back here: it has nothing to say
        flush_streams()
        data = (_dumps(message, allow_nan=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[_write(self.fd, view) :]


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
