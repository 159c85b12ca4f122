"""A :class:`SandboxResult` as JSON text and back, for a result that crosses a network.

A run on another machine (a Dask worker, :mod:`grader.course.dask_runner`) sends its result
back as text; :func:`decode_result` believes none of it until checked, as
:mod:`grader.sandbox.channel` does for the sandbox's own channel: a size cap, strict UTF-8
JSON (no NaN or Infinity literals, no duplicate keys), the exact keys and types of every
field, a cell for each cell sent and an answer for each name asked, each in order. Values
are plain data; non-finite floats travel as ``{"$float": "nan" | "inf" | "-inf"}``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, cast

from grader.sandbox.channel import (
    MAX_TEXT,
    ChannelError,
    decode_plain,
    display_output,
    error_output,
    strict_json,
)
from grader.sandbox.limits import MIB, Limits
from grader.sandbox.results import (
    Answer,
    AnswerStatus,
    CellResult,
    CellStatus,
    PlainValue,
    SandboxResult,
)

CELL_STATUSES: tuple[CellStatus, ...] = ("ok", "error", "timeout", "killed", "skipped")
ANSWER_STATUSES: tuple[AnswerStatus, ...] = ("ok", "missing", "unsupported", "unavailable")
CELL_KEYS = {field.name for field in dataclasses.fields(CellResult)}
RESULT_KEYS = {"cells", "answers", "sandboxed", "seconds", "problem"}
CELL_TEXTS = ("stdout", "stderr", "error_name", "error_message", "traceback", "detail")


class WireError(ValueError):
    """The text is not a well-formed result for the run that was asked for."""


def max_wire_bytes(limits: Limits) -> int:
    """The most characters a result of a run under ``limits`` may take as JSON text (every
    output byte escaped six times over, at worst, plus room for the answers)."""
    return 6 * (limits.channel_bytes + 2 * limits.total_output_bytes) + MIB


def _encode_plain(value: PlainValue) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"}
    if isinstance(value, list):
        return [_encode_plain(item) for item in value]
    return value


def _encode_cell(cell: CellResult) -> dict[str, Any]:
    data = dataclasses.asdict(cell)  # outputs copied, a tuple
    data["outputs"] = list(data["outputs"])
    return data


def encode_result(result: SandboxResult) -> dict[str, Any]:
    """``result`` as JSON-ready plain data (see :func:`decode_result`)."""
    return {
        "cells": [_encode_cell(cell) for cell in result.cells],
        "answers": [
            [answer.name, answer.status, _encode_plain(answer.value), answer.detail]
            for answer in result.answers.values()
        ],
        "sandboxed": result.sandboxed,
        "seconds": result.seconds,
        "problem": result.problem,
    }


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise WireError(what)


def _text(value: Any, what: str) -> str:
    _require(isinstance(value, str) and len(value) <= MAX_TEXT, f"{what} must be a short string")
    return cast(str, value)


def _seconds(value: Any, what: str) -> float:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    _require(number and math.isfinite(value) and value >= 0, f"{what} must be a duration")
    return float(value)


def _output(output: Any) -> dict[str, Any]:
    _require(isinstance(output, dict), "an output must be an object")
    kind = output.get("output_type")
    if kind == "stream":
        _require(set(output) == {"output_type", "name", "text"}, "stream has unexpected keys")
        _require(output["name"] in ("stdout", "stderr"), "stream name must be stdout or stderr")
        return {
            "output_type": "stream",
            "name": output["name"],
            "text": _text(output["text"], "text"),
        }
    if kind == "execute_result":
        keys = {"output_type", "data", "metadata", "execution_count"}
        _require(set(output) == keys, "execute_result has unexpected keys")
        data = output["data"]
        _require(isinstance(data, dict) and set(data) == {"text/plain"}, "result must be text")
        _require(output["metadata"] == {} and output["execution_count"] is None, "bad result")
        text = _text(data["text/plain"], "text/plain")
        return {**output, "data": {"text/plain": text}, "metadata": {}}
    try:
        return display_output(output) if kind == "display_data" else error_output(output)
    except ChannelError as error:
        raise WireError(str(error)) from error


def _cell(data: Any, index: int) -> CellResult:
    _require(isinstance(data, dict) and set(data) == CELL_KEYS, "a cell has unexpected keys")
    _require(data["index"] == index and type(data["index"]) is int, "cells out of order")
    _require(data["status"] in CELL_STATUSES, f"cell {index} has an unknown status")
    outputs = data["outputs"]
    _require(isinstance(outputs, list) and len(outputs) <= 10_000, "outputs must be a list")
    texts = {name: _text(data[name], name) for name in CELL_TEXTS}
    return CellResult(
        index=index,
        status=data["status"],
        outputs=tuple(_output(output) for output in outputs),
        seconds=_seconds(data["seconds"], "a cell's seconds"),
        **texts,
    )


def _answer(data: Any, name: str) -> Answer:
    _require(isinstance(data, list) and len(data) == 4, "an answer must be a list of four")
    found, status, value, detail = data
    _require(found == name, "answers out of order")
    _require(status in ANSWER_STATUSES, f"answer {name} has an unknown status")
    try:
        plain = decode_plain(value)
    except ChannelError as error:
        raise WireError(f"answer {name}: {error}") from error
    _require(status == "ok" or plain is None, f"answer {name} has a value without status ok")
    return Answer(name, status, plain, _text(detail, "an answer's detail"))


def read_json(text: Any, max_bytes: int) -> Any:
    """``text`` parsed as strict JSON, if it is text of at most ``max_bytes`` characters."""
    _require(isinstance(text, str), "a result must be text")
    _require(len(text) <= max_bytes, f"a result of more than {max_bytes} characters")
    try:
        return strict_json(text, "the result")
    except ChannelError as error:
        raise WireError(str(error)) from error


def decode_result(data: Any, *, cells: int, names: Sequence[str]) -> SandboxResult:
    """The result in ``data`` (from :func:`read_json`) of a run of ``cells`` cells asked for
    ``names`` (distinct, in order); raises :class:`WireError` naming the first thing wrong."""
    _require(isinstance(data, dict) and set(data) == RESULT_KEYS, "a result has unexpected keys")
    _require(isinstance(data["cells"], list) and len(data["cells"]) == cells, "wrong cell count")
    _require(isinstance(data["answers"], list), "answers must be a list")
    _require(len(data["answers"]) == len(names), "an answer for each name asked")
    _require(isinstance(data["sandboxed"], bool), "sandboxed must be true or false")
    return SandboxResult(
        cells=tuple(_cell(cell, index) for index, cell in enumerate(data["cells"])),
        answers={
            name: _answer(entry, name) for entry, name in zip(data["answers"], names, strict=True)
        },
        sandboxed=data["sandboxed"],
        seconds=_seconds(data["seconds"], "seconds"),
        problem=_text(data["problem"], "problem"),
    )


def fault_result(cells: int, names: Sequence[str], problem: str) -> SandboxResult:
    """The result of a run whose result could not be used: no cell counts, no answer."""
    detail = f"not run: {problem}"
    return SandboxResult(
        cells=tuple(CellResult(index, "skipped", detail=detail) for index in range(cells)),
        answers={name: Answer(name, "unavailable", None, problem) for name in names},
        sandboxed=True,
        seconds=0.0,
        problem=problem,
    )
