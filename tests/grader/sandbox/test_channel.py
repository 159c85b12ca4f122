"""Forging the result channel: at most the student's own numbers, never harm to the parent."""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def write_done(answers: dict[str, object], cell: int = 1, nonce: str = "") -> str:
    """A cell that writes a well-formed ``done`` message on the kernel's message pipe.

    ``nonce`` is Python source for the nonce to put in it (none if empty).
    """
    message = {"type": "done", "cell": cell, "status": "ok", "error": None, "result": None}
    line = json.dumps({**message, "answers": answers})
    if not nonce:
        return f"os.write(channel_fd(), {(line + chr(10)).encode()!r})\n"
    return (
        f"message = json.loads({line!r})\nmessage['nonce'] = {nonce}\n"
        "os.write(channel_fd(), (json.dumps(message) + '\\n').encode())\n"
    )


STEAL_NONCE = """
import gc, json
channel = next(o for o in gc.get_objects() if type(o).__name__ == "Channel")
"""


def forge(
    sandbox: Runner, payload: str, limits: Limits, names: list[str] | None = None
) -> SandboxResult:
    cells = [EARLIER, FIND_CHANNEL + STEAL_NONCE + payload, "after = 1\n"]
    return sandbox(cells, names=names or ["loss"], limits=limits)


def test_garbage_on_the_channel_ends_the_run_and_keeps_earlier_values(
    limits: Limits, sandbox: Runner
) -> None:
    result = forge(sandbox, "os.write(channel_fd(), b'not json at all\\n')\n", limits)
    assert [cell.status for cell in result.cells] == ["ok", "killed", "skipped"]
    assert "result channel was corrupted" in result.cells[1].detail
    assert result.values() == {"loss": 0.5}


def test_a_message_without_the_cells_nonce_is_refused(limits: Limits, sandbox: Runner) -> None:
    result = forge(sandbox, write_done({"loss": {"value": 0.0}}), limits)
    assert [cell.status for cell in result.cells] == ["ok", "killed", "skipped"]
    assert "did not write" in result.problem
    assert result.values() == {"loss": 0.5}  # the forged value was never believed


def test_a_result_for_a_later_cell_cannot_be_forged(limits: Limits, sandbox: Runner) -> None:
    # The nonce of the running cell is in the kernel's memory; the next cell's does not exist yet.
    payload = write_done({"loss": {"value": 0.0}}, cell=2, nonce="channel.nonce")
    cells = [EARLIER, FIND_CHANNEL + STEAL_NONCE + payload, "1 / 0\n"]
    result = sandbox(cells, names=["loss"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "killed", "skipped"]
    assert "did not write" in result.problem
    assert result.values() == {"loss": 0.5}


def test_a_second_result_for_a_cell_is_caught(limits: Limits, sandbox: Runner) -> None:
    # With the stolen nonce a cell can claim its own result once; the runner's own result
    # for the same cell then arrives too, and the run is reported as corrupted.
    payload = write_done({"loss": {"value": 0.0}}, cell=1, nonce="channel.nonce")
    for cells in (
        [EARLIER, FIND_CHANNEL + STEAL_NONCE + payload, "after = 1\n"],
        [EARLIER, FIND_CHANNEL + STEAL_NONCE + payload],
    ):
        result = sandbox(cells, names=["loss"], limits=limits)
        assert "result channel was corrupted" in result.problem
        assert not result.completed


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


@given(st.binary(max_size=2000))
@settings(max_examples=300, deadline=None)
def test_random_bytes_raise_only_the_channels_own_error(data: bytes) -> None:
    reader = ChannelReader(NAMES, cells=2, max_bytes=1 << 20)
    with contextlib.suppress(ChannelError):
        reader.feed(data + b"\n")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


@given(JSON_VALUES, st.sampled_from(["start", "display", "done", "end", "fault", "other"]))
@settings(max_examples=300, deadline=None)
def test_random_messages_raise_only_the_channels_own_error(value: object, kind: str) -> None:
    message = {"type": kind, "cell": 0, "output": value, "answers": value, "detail": value}
    line = json.dumps(message).encode()
    with contextlib.suppress(ChannelError):
        parse_message(line, NAMES, cells=1)


@pytest.mark.parametrize(
    "line",
    [
        done('{"loss": {"value": ' + "9" * 5000 + "}}"),
        b'{"type": "start", "cell": ' + b"1" * 100_000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"type": "fault", "detail": 5}',
    ],
)
def test_huge_and_deep_messages_are_the_channels_own_error(line: bytes) -> None:
    with pytest.raises(ChannelError):
        parse_message(line, NAMES, cells=1)
