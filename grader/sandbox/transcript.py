"""Builds per-cell results from what the sandbox sends, in arrival order."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

from grader.sandbox.results import Answer, CellResult, CellStatus

STREAMS = ("stdout", "stderr")


@dataclass
class _Stream:
    """One stream of one cell, kept up to a byte cap; the rest is only counted."""

    cap: int
    kept: int = 0
    dropped: int = 0
    decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")(errors="replace")
    )

    def take(self, data: bytes, budget: int) -> str:
        """The part of ``data`` kept, at most ``budget`` bytes of it."""
        room = max(0, min(self.cap - self.kept, budget))
        self.kept += min(room, len(data))
        self.dropped += max(0, len(data) - room)
        return self.decoder.decode(data[:room])

    def finish(self) -> str:
        tail = self.decoder.decode(b"", final=True)
        if self.dropped:
            tail += f"\n[output truncated: {self.dropped} more bytes not shown]\n"
        return tail


@dataclass
class _Cell:
    index: int
    streams: dict[str, _Stream]
    outputs: list[dict[str, Any]] = field(default_factory=list)
    status: CellStatus = "skipped"
    detail: str = "not run: an earlier cell stopped the notebook"
    error: dict[str, Any] | None = None
    started: float | None = None
    seconds: float = 0.0

    def append_text(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})


class Transcript:
    """Collects streams and checked channel messages into :class:`CellResult` objects."""

    def __init__(
        self, cells: int, names: list[str], output_bytes: int, total_output_bytes: int
    ) -> None:
        self.cells = [
            _Cell(index, {name: _Stream(output_bytes) for name in STREAMS})
            for index in range(cells)
        ]
        self.names = names
        self.output_budget = total_output_bytes
        self.answers: dict[str, Answer] = {
            name: Answer(name, "unavailable", None, "no cell finished") for name in names
        }
        self.current = 0
        self.ended = False
        self.started = False
        """Whether the runner got as far as the first cell."""

    # -- events ---------------------------------------------------------------

    def stream(self, name: str, data: bytes) -> None:
        """Bytes read from the sandbox's stdout or stderr, given to the running cell."""
        cell = self.cells[min(self.current, len(self.cells) - 1)] if self.cells else None
        if cell is not None:
            stream = cell.streams[name]
            kept = stream.kept
            cell.append_text(name, stream.take(data, self.output_budget))
            self.output_budget -= stream.kept - kept

    def message(self, message: dict[str, Any], now: float) -> None:
        """A checked channel message (see :mod:`grader.sandbox.channel`)."""
        kind = message["type"]
        if kind == "end":
            self.ended = True
            return
        cell = self.cells[message["cell"]]
        if kind == "start":
            self.current = cell.index
            cell.status, cell.detail, cell.started = "killed", "did not finish", now
            self.started = True
        elif kind == "display":
            cell.outputs.append(message["output"])
        elif kind == "done":
            self._finish_streams(cell)
            if message["result"] is not None:
                cell.outputs.append(
                    {
                        "output_type": "execute_result",
                        "data": {"text/plain": message["result"]},
                        "metadata": {},
                        "execution_count": None,
                    }
                )
            if message["error"] is not None:
                cell.outputs.append(message["error"])
            cell.status, cell.error = message["status"], message["error"]
            cell.detail = message["error"]["evalue"] if cell.status == "timeout" else ""
            cell.seconds = now - (cell.started if cell.started is not None else now)
            self.current = cell.index + 1
            for name, (status, value, detail) in message["answers"].items():
                self.answers[name] = Answer(name, status, value, detail)

    def expects(self, message: dict[str, Any]) -> bool:
        """Whether ``message`` comes in the runner's order (start i, displays, done i, ...)."""
        kind = message["type"]
        if kind == "end":
            return self.current == len(self.cells) and not self.ended
        cell = self.cells[message["cell"]]
        if kind == "start":
            return cell.index == self.current and cell.started is None
        return cell.index == self.current and cell.started is not None

    def stop(self, status: CellStatus, detail: str, now: float) -> None:
        """The run ended early: the running cell gets ``status``; later cells stay skipped."""
        if self.current < len(self.cells):
            cell = self.cells[self.current]
            self._finish_streams(cell)
            cell.status, cell.detail = status, detail
            cell.seconds = now - (cell.started if cell.started is not None else now)

    def last_error_line(self) -> str:
        """The last line written to stderr so far (why bubblewrap or Python failed to start)."""
        for cell in reversed(self.cells):
            for output in reversed(cell.outputs):
                if output["output_type"] == "stream" and output["name"] == "stderr":
                    lines = output["text"].strip().splitlines()
                    if lines:
                        return str(lines[-1])[:500]
        return "nothing on stderr"

    # -- results --------------------------------------------------------------

    def _finish_streams(self, cell: _Cell) -> None:
        for name in STREAMS:
            cell.append_text(name, cell.streams[name].finish())

    def results(self) -> tuple[CellResult, ...]:
        return tuple(self._result(cell) for cell in self.cells)

    @staticmethod
    def _result(cell: _Cell) -> CellResult:
        def text(name: str) -> str:
            return "".join(
                o["text"]
                for o in cell.outputs
                if o["output_type"] == "stream" and o["name"] == name
            )

        error = cell.error or {}
        return CellResult(
            index=cell.index,
            status=cell.status,
            stdout=text("stdout"),
            stderr=text("stderr"),
            outputs=tuple(cell.outputs),
            error_name=error.get("ename", ""),
            error_message=error.get("evalue", ""),
            traceback="".join(error.get("traceback", [])),
            detail=cell.detail,
            seconds=round(cell.seconds, 4),
        )
