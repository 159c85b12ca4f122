"""A progress bar on stderr: redrawn on a terminal, one plain line per student otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    """Counts finished students and shows how far the batch is."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty()
        self.started = time.monotonic()

    def advance(self, student: str, status: str) -> None:
        """One more student finished with ``status``."""
        self.done += 1
        if self.interactive:
            filled = BAR_WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            line = f"\r[{bar}] {self.done}/{self.total} {rate:.1f}/s {student[:20]:<20}"
            self.stream.write(line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {student}: {status}\n")
        self.stream.flush()
