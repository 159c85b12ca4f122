"""One grading run per assignment at a time (the lock dies with the process that holds it)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from grader.batch.course import CourseError


@contextmanager
def exclusive_run(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` for the run; refuse if another run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise CourseError(
                f"another grading run is working in {folder}; wait for it to finish"
            ) from error
        yield
    finally:
        os.close(descriptor)
