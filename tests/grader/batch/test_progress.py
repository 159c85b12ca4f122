"""The progress display: redrawn in place on a terminal, one line per student otherwise."""

from __future__ import annotations

import io

from grader.batch.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_plain_stream_gets_one_line_per_student() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.advance("amy", "ok")
    progress.advance("ben", "notebook-empty")
    assert stream.getvalue() == "[1/2] amy: ok\n[2/2] ben: notebook-empty\n"


def test_terminal_gets_a_bar_redrawn_in_place() -> None:
    stream = Terminal()
    progress = Progress(4, stream)
    for student in ("a", "b", "c", "d"):
        progress.advance(student, "ok")
    text = stream.getvalue()
    assert text.count("\r") == 4
    assert text.endswith("\n")
    assert "\n" not in text[:-1]
    last = text.rsplit("\r", 1)[1]
    assert last.startswith("[" + "#" * 30 + "] 4/4")
