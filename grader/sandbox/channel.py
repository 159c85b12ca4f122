"""Reading the sandbox's result channel without trusting it.

The channel is a pipe on which a job's driver writes one JSON object per line
(see :mod:`grader.sandbox.inside.driver`): ``start``, ``display``, ``done`` and
``end``, or ``fault`` when the kernel forged a message. Student code never holds
this pipe: it runs in the kernel, whose messages the driver checks against a
per-cell nonce before forwarding them. Even so the grader believes nothing it
has not checked, since verdicts are computed here, from the answer values, and
the grader itself must not be reachable. Every byte is checked:
a size cap per run and per line, strict UTF-8, strict JSON (no NaN or
Infinity literals, no duplicate keys), an exact schema per message type, and the
expected order of messages. The first violation ends the run (the sandbox is
killed) and is reported; nothing before it is lost.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from grader.sandbox.results import PlainValue

MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 20
MAX_TEXT = 1024 * 1024
SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
DISPLAY_MIME_TYPES = ("image/png", "text/plain")


class ChannelError(Exception):
    """The channel carried something that is not a well-formed runner message."""


def _reject_constant(name: str) -> Any:
    raise ChannelError(f"non-standard JSON constant {name}")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ChannelError(f"duplicate key {key!r}")
        result[key] = value
    return result


def strict_json(text: str, what: str) -> Any:
    """``text`` parsed as strict JSON: no NaN or Infinity literals, no duplicate keys."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise ChannelError(f"{what} is not JSON ({error.msg})") from error
    except RecursionError as error:
        raise ChannelError("JSON nested too deeply") from error
    except ValueError as error:  # e.g. an integer longer than Python converts
        raise ChannelError(f"{what} is not readable JSON ({str(error)[:200]})") from error


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ChannelError(what)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any, what: str) -> str:
    _require(isinstance(value, str) and len(value) <= MAX_TEXT, f"{what} must be a short string")
    text: str = value
    return text


def decode_plain(value: Any, depth: int = 0) -> PlainValue:
    """A plain value from the wire: ``{"$float": "nan" | "inf" | "-inf"}`` becomes a float."""
    _require(depth <= MAX_DEPTH, "value nested too deeply")
    if value is None or isinstance(value, bool | int | str):
        plain: PlainValue = value
        return plain
    if isinstance(value, float):
        _require(math.isfinite(value), "non-finite float literal")
        return value
    if isinstance(value, list):
        return [decode_plain(item, depth + 1) for item in value]
    if isinstance(value, dict):
        _require(list(value) == ["$float"], "object that is not an encoded float")
        special = value["$float"]
        _require(isinstance(special, str) and special in SPECIAL_FLOATS, "unknown encoded float")
        return SPECIAL_FLOATS[special]
    raise ChannelError(f"unexpected JSON value of type {type(value).__name__}")


def _answer(entry: Any) -> tuple[str, PlainValue, str]:
    """(status, value, detail) of one answer entry of a ``done`` message."""
    _require(isinstance(entry, dict) and len(entry) == 1, "answer entry must have one key")
    ((key, content),) = entry.items()
    if key == "value":
        return "ok", decode_plain(content), ""
    if key == "missing":
        _require(content is True, "missing must be true")
        return "missing", None, "not defined"
    if key == "unsupported":
        return "unsupported", None, _text(content, "unsupported detail")[:500]
    raise ChannelError(f"unknown answer entry {key!r}")


def error_output(error: Any) -> dict[str, Any]:
    """A checked ``error`` output (raises :class:`ChannelError`)."""
    _require(isinstance(error, dict), "error must be an object")
    _require(
        set(error) == {"output_type", "ename", "evalue", "traceback"}, "error has unexpected keys"
    )
    _require(error["output_type"] == "error", "error output_type must be 'error'")
    traceback = error["traceback"]
    _require(isinstance(traceback, list) and len(traceback) <= 100, "traceback must be a list")
    return {
        "output_type": "error",
        "ename": _text(error["ename"], "ename"),
        "evalue": _text(error["evalue"], "evalue"),
        "traceback": [_text(line, "traceback line") for line in traceback],
    }


def display_output(output: Any) -> dict[str, Any]:
    """A checked ``display_data`` output: a PNG and/or plain text (raises :class:`ChannelError`)."""
    _require(isinstance(output, dict), "display output must be an object")
    _require(set(output) == {"output_type", "data", "metadata"}, "display has unexpected keys")
    _require(output["output_type"] == "display_data", "output_type must be 'display_data'")
    _require(output["metadata"] == {}, "display metadata must be empty")
    data = output["data"]
    _require(isinstance(data, dict) and bool(data), "display data must be a non-empty object")
    _require(set(data) <= set(DISPLAY_MIME_TYPES), "display data has unexpected MIME types")
    for mime, content in data.items():
        _require(isinstance(content, str), f"{mime} must be a string")
    if "image/png" in data:
        try:
            png = base64.b64decode(data["image/png"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise ChannelError("image/png is not base64") from error
        _require(png.startswith(b"\x89PNG\r\n\x1a\n"), "image/png is not a PNG")
    if "text/plain" in data:
        _text(data["text/plain"], "text/plain")
    return {"output_type": "display_data", "data": dict(data), "metadata": {}}


def _check_keys(message: Mapping[str, Any], keys: set[str]) -> None:
    _require(set(message) == keys, f"{message.get('type')} message has unexpected keys")


def parse_message(line: bytes, names: Sequence[str], cells: int) -> dict[str, Any]:
    """One checked message; answers decoded to ``{name: (status, value, detail)}``."""
    try:
        text = line.decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise ChannelError("line is not UTF-8") from error
    message = strict_json(text, "line")
    _require(isinstance(message, dict), "message must be a JSON object")
    kind = message.get("type")
    if kind == "end":
        _check_keys(message, {"type"})
        return {"type": "end"}
    if kind == "fault":
        _check_keys(message, {"type", "detail"})
        return {"type": "fault", "detail": _text(message["detail"], "fault detail")[:500]}
    cell = message.get("cell")
    _require(_is_int(cell) and 0 <= cell < cells, "cell must be the index of a cell")
    if kind == "start":
        _check_keys(message, {"type", "cell"})
        return {"type": "start", "cell": cell}
    if kind == "display":
        _check_keys(message, {"type", "cell", "output"})
        return {"type": "display", "cell": cell, "output": display_output(message["output"])}
    if kind == "done":
        _check_keys(message, {"type", "cell", "status", "error", "result", "answers"})
        status = message["status"]
        _require(status in ("ok", "error", "timeout"), "status must be ok, error or timeout")
        failure = None if message["error"] is None else error_output(message["error"])
        _require((status == "ok") == (failure is None), "an error output goes with a failed cell")
        result = message["result"]
        _require(result is None or isinstance(result, str), "result must be a string or null")
        if result is not None:
            _text(result, "result")
        answers = message["answers"]
        _require(isinstance(answers, dict), "answers must be an object")
        _require(set(answers) == set(names), "answers must cover exactly the requested names")
        return {
            "type": "done",
            "cell": cell,
            "status": status,
            "error": failure,
            "result": result,
            "answers": {name: _answer(answers[name]) for name in names},
        }
    raise ChannelError(f"unknown message type {kind!r}")


class ChannelReader:
    """Splits the channel's bytes into checked messages, within a byte budget."""

    def __init__(self, names: Sequence[str], cells: int, max_bytes: int) -> None:
        self.names = list(names)
        self.cells = cells
        self.budget = max_bytes
        self.pending: list[bytes] = []
        self.pending_bytes = 0

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        """Messages completed by ``data``; raises :class:`ChannelError` on the first bad one."""
        self.budget -= len(data)
        _require(self.budget >= 0, "more data than the channel's size limit")
        if b"\n" not in data:
            self.pending.append(data)
            self.pending_bytes += len(data)
            _require(self.pending_bytes <= MAX_LINE_BYTES, "a line longer than the limit")
            return []
        head, *middle, tail = data.split(b"\n")
        lines = [b"".join([*self.pending, head]), *middle]
        self.pending, self.pending_bytes = [tail], len(tail)
        return [parse_message(line, self.names, self.cells) for line in lines]

    def close(self) -> None:
        """At end of stream: a partial last line is a violation."""
        _require(self.pending_bytes == 0, "the channel ended in the middle of a message")
