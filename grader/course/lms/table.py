"""An LMS's CSV file read as Canvas reads one: a BOM or none, commas or semicolons."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from grader.course import CourseError

MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Table:
    """A CSV file's header (cells stripped) and rows (as written), and its separator."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    delimiter: str

    def column(self, *names: str) -> int | None:
        """The index of the first of ``names`` in the header (case and spaces ignored)."""
        wanted = [_key(name) for name in names]
        keys = [_key(cell) for cell in self.header]
        for name in wanted:
            if name in keys:
                return keys.index(name)
        return None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def read_table(path: Path) -> Table:
    """The table in ``path``; :class:`CourseError` (one line) if it cannot be read as one."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CourseError(f"cannot read {path}: {error.strerror or error}") from error
    if len(data) > MAX_BYTES:
        raise CourseError(f"{path} is larger than {MAX_BYTES} bytes: not an LMS export")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's own save on Windows
    first = next((line for line in text.splitlines() if line.strip(" ,;\t")), None)
    if first is None:
        raise CourseError(f"{path} is empty")
    delimiter = _delimiter(first)
    rows = [
        tuple(row)
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        if any(cell.strip() for cell in row)
    ]
    header = tuple(cell.strip() for cell in rows[0])
    return Table(header, tuple(rows[1:]), delimiter)


def _delimiter(first_line: str) -> str:
    """The separator of the header line: the one that splits it into more cells."""
    counts = {
        separator: len(next(csv.reader([first_line], delimiter=separator)))
        for separator in (",", ";", "\t")
    }
    return max(counts, key=lambda separator: counts[separator])
