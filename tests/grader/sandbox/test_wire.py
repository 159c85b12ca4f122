"""A sandbox result sent as JSON text (from a Dask worker) comes back as it was, and
anything else is refused naming what is wrong."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from grader.sandbox import Limits, SandboxPool, SandboxResult
from grader.sandbox.wire import (
    WireError,
    decode_result,
    encode_result,
    fault_result,
    max_wire_bytes,
    read_json,
)

CELLS = [
    "import sys\nprint('out')\nprint('err', file=sys.stderr)\nvalues = [1, 2.5, float('nan')]",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\nbig = float('-inf')",
    "1 / 0",
    "'last expression'",
    "class Thing: pass\nthing = Thing()",
]
NAMES = ["values", "big", "thing", "absent"]


@pytest.fixture(scope="module")
def result(pool: SandboxPool) -> SandboxResult:
    """A real run with every kind of output and answer."""
    return pool.run_cells(CELLS, names=NAMES)


def sent(result: SandboxResult) -> str:
    """The result as a worker sends it."""
    return json.dumps(encode_result(result), allow_nan=False)


def received(text: str, limits: Limits | None = None) -> SandboxResult:
    data = read_json(text, max_wire_bytes(limits or Limits()))
    return decode_result(data, cells=len(CELLS), names=NAMES)


def test_a_result_comes_back_as_it_was(result: SandboxResult) -> None:
    assert [cell.status for cell in result.cells] == ["ok", "ok", "error", "ok", "ok"]
    back = received(sent(result))
    assert back.cells == result.cells
    assert (back.sandboxed, back.seconds, back.problem) == (True, result.seconds, "")
    assert list(back.answers) == NAMES
    values = back.answers["values"].value
    assert isinstance(values, list) and values[:2] == [1, 2.5] and math.isnan(values[2])
    assert back.answers["big"].value == -math.inf
    assert back.answers["thing"] == result.answers["thing"]
    assert back.answers["thing"].status == "unsupported"
    assert back.answers["absent"] == result.answers["absent"]


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop_cell(data: dict[str, Any]) -> None:
    data["cells"].pop()


def _swap_answers(data: dict[str, Any]) -> None:
    data["answers"].reverse()


CHANGES = {
    "an extra key": (_set(("extra",), 1), "unexpected keys"),
    "a cell missing": (_drop_cell, "wrong cell count"),
    "cells out of order": (_set(("cells", 1, "index"), 0), "out of order"),
    "an unknown status": (_set(("cells", 0, "status"), "passed"), "unknown status"),
    "a stream from stdin": (_set(("cells", 0, "outputs", 0, "name"), "stdin"), "stdout"),
    "HTML output": (
        _set(("cells", 1, "outputs", 0, "data"), {"text/html": "<script>"}),
        "MIME types",
    ),
    "a fake PNG": (
        _set(("cells", 1, "outputs", 0, "data"), {"image/png": "aGVsbG8="}),
        "not a PNG",
    ),
    "answers out of order": (_swap_answers, "out of order"),
    "a value for a missing answer": (_set(("answers", 3, 2), 42), "without status ok"),
    "an object as a value": (_set(("answers", 0, 2), {"__class__": "os"}), "encoded float"),
    "a negative duration": (_set(("seconds",), -1), "duration"),
    "sandboxed as a string": (_set(("sandboxed",), "yes"), "true or false"),
}


@pytest.mark.parametrize("what", CHANGES)
def test_a_malformed_result_is_refused(result: SandboxResult, what: str) -> None:
    change, message = CHANGES[what]
    data = encode_result(result)
    change(data)
    with pytest.raises(WireError, match=message):
        received(json.dumps(data))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"cells": [], "cells": []}', "duplicate key"),
        ('{"seconds": NaN}', "non-standard JSON constant"),
        ("not json", "not JSON"),
        (b"{}", "must be text"),
    ],
)
def test_text_that_is_not_strict_json_is_refused(text: Any, message: str) -> None:
    with pytest.raises(WireError, match=message):
        received(text)


def test_a_result_larger_than_its_limits_allow_is_refused(result: SandboxResult) -> None:
    small = Limits(channel_bytes=1000, total_output_bytes=1000)
    text = sent(result)
    padding = " " * (max_wire_bytes(small) - len(text) + 1)
    with pytest.raises(WireError, match="more than"):
        received(text + padding, small)
    assert received(text + padding[1:], small).cells == result.cells


def test_a_fault_result_scores_nothing_and_says_why() -> None:
    fault = fault_result(3, ["a", "b"], "the worker sent garbage")
    assert [cell.status for cell in fault.cells] == ["skipped"] * 3
    assert fault.values() == {}
    assert fault.problem == "the worker sent garbage"
    assert not fault.completed
