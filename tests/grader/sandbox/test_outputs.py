"""Per-cell outputs as a notebook would show them: streams, figures, results, errors."""

from __future__ import annotations

import base64
import struct
from dataclasses import replace

import nbformat

from grader.sandbox import Limits, fontcache, run_cells
from grader.sandbox.runtime import sandbox_layout
from tests.grader.sandbox.conftest import Runner

PLOT = """
import matplotlib.pyplot as plt
fig, axes = plt.subplots(figsize=(4, 3))
axes.plot([0, 1, 2], [3, 1, 2])
plt.show()
plt.figure(figsize=(2, 2))
plt.plot([1, 2])
"""


def png_size(encoded: str) -> tuple[int, int]:
    data = base64.b64decode(encoded)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_stdout_and_stderr_are_captured_per_cell(limits: Limits, sandbox: Runner) -> None:
    cells = ["print('one')", "import sys\nprint('warned', file=sys.stderr)\nprint('two')"]
    result = sandbox(cells, names=[], limits=limits)
    first, second = result.cells
    assert (first.status, first.stdout, first.stderr) == ("ok", "one\n", "")
    assert (second.status, second.stdout, second.stderr) == ("ok", "two\n", "warned\n")
    assert {"output_type": "stream", "name": "stderr", "text": "warned\n"} in second.outputs


def test_figures_are_captured_as_png_like_the_inline_backend(
    limits: Limits, sandbox: Runner
) -> None:
    cells = [PLOT, "import matplotlib.pyplot as plt\nopen_figures = len(plt.get_fignums())"]
    result = sandbox(cells, names=["open_figures"], limits=limits)
    assert result.cells[0].status == "ok", result.cells[0].traceback
    images = [o for o in result.cells[0].outputs if o["output_type"] == "display_data"]
    assert len(images) == 2  # one per figure: show() sent the first, the cell's end the second
    (wide, high), (small_w, small_h) = (png_size(i["data"]["image/png"]) for i in images)
    assert wide > high and abs(small_w - small_h) < 0.3 * small_w
    assert images[0]["data"]["text/plain"].startswith("<Figure size 400x300")
    assert result.values() == {"open_figures": 0}  # closed after the cell, as inline does
    assert result.cells[0].stderr == ""  # no "non-interactive backend" warning


def test_a_final_expression_is_an_execute_result(limits: Limits, sandbox: Runner) -> None:
    result = sandbox(["x = 6\nx * 7", "x = 1\nNone", "y = 2"], names=[], limits=limits)
    outputs = [
        cell.notebook_outputs(execution_count=index + 1) for index, cell in enumerate(result.cells)
    ]
    assert outputs[0] == [
        {
            "output_type": "execute_result",
            "data": {"text/plain": "42"},
            "metadata": {},
            "execution_count": 1,
        }
    ]
    assert outputs[1] == [] and outputs[2] == []


def test_a_syntax_error_is_an_error_and_later_cells_still_run(
    limits: Limits, sandbox: Runner
) -> None:
    cells = ["a = 1", "b = (2 +\n", "c = a + 2"]
    result = sandbox(cells, names=["a", "b", "c"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "error", "ok"]
    assert result.cells[1].error_name == "SyntaxError"
    assert result.values() == {"a": 1, "c": 3}
    assert result.answers["b"].status == "missing"


def test_a_traceback_shows_the_students_code_only(limits: Limits, sandbox: Runner) -> None:
    cells = ["def divide(n):\n    return n / 0\n", "x = 1\ndivide(x)\n"]
    result = sandbox(cells, names=[], limits=limits)
    cell = result.cells[1]
    assert (cell.status, cell.error_name, cell.error_message) == (
        "error",
        "ZeroDivisionError",
        "division by zero",
    )
    assert "<cell 2>" in cell.traceback and "<cell 1>" in cell.traceback
    assert "return n / 0" in cell.traceback and "runner" not in cell.traceback
    (error,) = [o for o in cell.outputs if o["output_type"] == "error"]
    assert error["ename"] == "ZeroDivisionError"


def test_ipython_magics_are_not_run_but_valid_python_is_untouched(
    limits: Limits, sandbox: Runner
) -> None:
    cells = ["%matplotlib inline\n!pip install something\nremainder = 7 % 3\n"]
    result = sandbox(cells, names=["remainder"], limits=limits)
    assert result.cells[0].status == "ok" and result.values() == {"remainder": 1}


def test_display_and_input_behave_as_in_a_kernel_without_stdin(
    limits: Limits, sandbox: Runner
) -> None:
    cells = ["display([1, 2])", "answer = input('number? ')"]
    result = sandbox(cells, names=[], limits=limits)
    assert result.cells[0].outputs == (
        {"output_type": "display_data", "data": {"text/plain": "[1, 2]"}, "metadata": {}},
    )
    assert result.cells[1].error_name == "EOFError"


def test_outputs_make_a_valid_executed_notebook(limits: Limits, sandbox: Runner) -> None:
    deaf = "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"
    cells = [PLOT, "print('x')\n1 / 0", "while True:\n    pass", deaf, "never = 1"]
    plotted = sandbox(cells[:2], names=[], limits=limits)
    short = replace(limits, cell_seconds=1.0, grace_seconds=0.5)
    stopped = sandbox(cells[2:], names=[], limits=short)
    results = plotted.cells + stopped.cells
    assert [cell.status for cell in results] == ["ok", "error", "timeout", "timeout", "skipped"]
    notebook = nbformat.v4.new_notebook()
    for index, cell in enumerate(results):
        code = nbformat.v4.new_code_cell(cells[index], execution_count=index + 1)
        code.outputs = [nbformat.from_dict(o) for o in cell.notebook_outputs(index + 1)]
        notebook.cells.append(code)
    nbformat.validate(notebook)
    enames = [
        [o["ename"] for o in c.outputs if o["output_type"] == "error"] for c in notebook.cells
    ]
    assert enames == [[], ["ZeroDivisionError"], ["CellTimeoutError"], ["Timeout"], ["Skipped"]]


def test_pyplot_starts_from_the_prepared_font_cache(limits: Limits) -> None:
    cell = (
        "import os, matplotlib.pyplot as plt\n"
        "from matplotlib import font_manager\n"
        "cached = sorted(os.listdir(os.environ['MPLCONFIGDIR']))\n"
        "fonts = len(font_manager.fontManager.ttflist)\n"
    )
    result = run_cells([cell], names=["cached", "fonts"], limits=limits)
    values = result.values()
    assert result.cells[0].status == "ok" and result.cells[0].stderr == ""
    assert [name for name in values["cached"] if name.startswith("fontlist-")]  # type: ignore[union-attr]
    assert values["fonts"] > 0  # type: ignore[operator]
    assert fontcache.cache_dir(sandbox_layout(), sandboxed=True).is_relative_to(
        fontcache.cache_root()
    )
    assert list(fontcache.cache_dir(sandbox_layout(), sandboxed=True).glob("fontlist-*.json"))
