"""Forging the result channel: at most the student's own numbers, never harm to the parent."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from grader.sandbox import Limits, SandboxResult
from grader.sandbox.channel import ChannelError, ChannelReader, parse_message
from tests.grader.sandbox.conftest import Runner

FIND_CHANNEL = """
import fcntl, os, stat
def channel_fd():
    for fd in range(3, 256):
        try:
            pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
            if pipe and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                return fd
        except OSError:
            pass
"""
EARLIER = "loss = 0.5\n"


def write_done(answers: dict[str, object]) -> str:
    """A cell that writes a well-formed ``done`` message for itself (cell 1) on the channel."""
    message = {"type": "done", "cell": 1, "status": "ok", "error": None, "result": None}
    line = json.dumps({**message, "answers": answers}) + "\n"
    return f"os.write(channel_fd(), {line.encode()!r})\n"


def forge(
    sandbox: Runner, payload: str, limits: Limits, names: list[str] | None = None
) -> SandboxResult:
    cells = [EARLIER, FIND_CHANNEL + payload, "after = 1\n"]
    return sandbox(cells, names=names or ["loss"], limits=limits)


def test_garbage_on_the_channel_ends_the_run_and_keeps_earlier_values(
    limits: Limits, sandbox: Runner
) -> None:
    result = forge(sandbox, "os.write(channel_fd(), b'not json at all\\n')\n", limits)
    assert [cell.status for cell in result.cells] == ["ok", "killed", "skipped"]
    assert "result channel was corrupted" in result.cells[1].detail
    assert result.values() == {"loss": 0.5}


def test_a_forged_message_can_only_claim_the_students_own_numbers(
    limits: Limits, sandbox: Runner
) -> None:
    result = forge(sandbox, write_done({"loss": {"value": 0.0}}), limits)
    # The forged 'done' is believed: a value the cell could have set with `loss = 0.0`.
    assert result.answers["loss"].value == 0.0
    # The runner's own 'done' for the same cell then comes out of order: the run ends.
    assert result.cells[2].status in ("killed", "skipped")
    assert "out of order" in result.problem


def test_forged_names_that_were_not_requested_are_rejected(limits: Limits, sandbox: Runner) -> None:
    result = forge(sandbox, write_done({"loss": {"value": 1}, "score": {"value": 100}}), limits)
    assert "exactly the requested names" in result.problem
    assert result.values() == {"loss": 0.5}


def test_a_channel_flood_is_cut_at_the_size_limit(limits: Limits, sandbox: Runner) -> None:
    payload = "fd = channel_fd()\nwhile True:\n    os.write(fd, b'[' * 65536)\n"
    result = forge(sandbox, payload, replace(limits, channel_bytes=1024 * 1024))
    assert result.cells[1].status == "killed"
    assert "size limit" in result.problem or "longer than the limit" in result.problem
    assert result.values() == {"loss": 0.5}


def test_closing_the_channel_ends_the_run_cleanly(limits: Limits, sandbox: Runner) -> None:
    result = forge(sandbox, "os.close(channel_fd())\n", limits)
    assert result.cells[0].status == "ok" and result.cells[1].status == "killed"
    assert result.values() == {"loss": 0.5}


NAMES = ["loss"]


def done(answers: str, extra: str = "") -> bytes:
    return (
        '{"type":"done","cell":0,"status":"ok","error":null,"result":null,"answers":'
        + answers
        + extra
        + "}"
    ).encode()


@pytest.mark.parametrize(
    "line",
    [
        b"\xff\xfe",
        b"[1, 2]",
        b'{"type": "start", "cell": 0, "cell": 0}',
        b'{"type": "start", "cell": 5}',
        b'{"type": "start", "cell": true}',
        b'{"type": "start", "cell": 0, "extra": 1}',
        b'{"type": "launch", "cell": 0}',
        done('{"loss": {"value": NaN}}'),
        done('{"loss": {"value": Infinity}}'),
        done('{"loss": {"value": {"$float": "huge"}}}'),
        done('{"loss": {"value": {"x": 1}}}'),
        done('{"loss": {"missing": false}}'),
        done('{"loss": {"value": 1, "missing": true}}'),
        done("{}"),
        done('{"loss": {"value": ' + "[" * 100 + "]" * 100 + "}}"),
        b'{"type":"done","cell":0,"status":"passed","error":null,"result":null,"answers":{}}',
        b'{"type":"display","cell":0,"output":{"output_type":"display_data","data":{"image/png":"aGVsbG8="},"metadata":{}}}',
        b'{"type":"display","cell":0,"output":{"output_type":"display_data","data":{"text/html":"<b>"},"metadata":{}}}',
    ],
)
def test_malformed_messages_are_rejected(line: bytes) -> None:
    with pytest.raises(ChannelError):
        parse_message(line, NAMES, cells=1)


def test_well_formed_messages_are_decoded() -> None:
    message = parse_message(
        done(
            '{"loss": {"value": [1, 2.5, {"$float": "nan"}, {"$float": "-inf"}, true, null, "s"]}}'
        ),
        NAMES,
        cells=1,
    )
    status, value, detail = message["answers"]["loss"]
    assert status == "ok" and detail == ""
    one, two, nan, minus_inf, flag, none, text = value
    assert (one, two, flag, none, text) == (1, 2.5, True, None, "s")
    assert math.isnan(nan) and minus_inf == -math.inf


def test_the_reader_splits_lines_and_enforces_its_budget() -> None:
    reader = ChannelReader(NAMES, cells=1, max_bytes=100)
    assert reader.feed(b'{"type": "sta') == []
    assert reader.feed(b'rt", "cell": 0}\n{"type"') == [{"type": "start", "cell": 0}]
    with pytest.raises(ChannelError):
        reader.feed(b"x" * 100)
    unfinished = ChannelReader(NAMES, cells=1, max_bytes=100)
    unfinished.feed(b'{"type": "end"')
    with pytest.raises(ChannelError):
        unfinished.close()
