"""Running one cell like a notebook kernel: magics skipped, last expression shown."""

from __future__ import annotations

import ast
import linecache
import os
import signal
import traceback
from typing import Any

from .messages import MAX_TEXT

MAX_TRACEBACK_FRAMES = 8
MAX_MAGIC_FIXES = 50


class CellTimeoutError(BaseException):
    """Raised in a cell that runs past the cell time limit (not caught by ``except Exception``)."""


def start_alarm(seconds: float) -> None:
    """Interrupt the cell after ``seconds``, as a kernel interrupt would.

    Only a courtesy: a cell that ignores SIGALRM, or is stuck in C code, is
    killed from outside a grace period later, with the whole run.
    """

    def interrupt(_signum: int, _frame: Any) -> None:
        raise CellTimeoutError(f"cell time limit ({seconds:g} s) exceeded")

    signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)


def parse_cell(source: str, filename: str) -> ast.Module:
    """Parse a cell; IPython magics and shell escapes (``%...``, ``!...``) become ``pass``.

    A line is rewritten only where it makes the cell a syntax error, so valid
    Python is never changed.
    """
    lines = source.splitlines()
    for _ in range(MAX_MAGIC_FIXES):
        try:
            return ast.parse("\n".join(lines), filename, "exec")
        except SyntaxError as error:
            number = (error.lineno or 0) - 1
            if not 0 <= number < len(lines):
                raise
            stripped = lines[number].lstrip()
            if not stripped.startswith(("%", "!")):
                raise
            indent = lines[number][: len(lines[number]) - len(stripped)]
            lines[number] = indent + "pass  # " + stripped
    return ast.parse("\n".join(lines), filename, "exec")


def run_cell(source: str, filename: str, namespace: dict[str, Any]) -> Any:
    """Run one cell; return the value of a final bare expression (``None`` if there is none)."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    tree = parse_cell(source, filename)
    last: ast.expr | None = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1].value
        del tree.body[-1]
    exec(compile(tree, filename, "exec"), namespace)
    if last is None:
        return None
    expression = ast.Expression(last)
    return eval(compile(expression, filename, "eval"), namespace)


def error_output(error: BaseException) -> dict[str, Any]:
    """An nbformat ``error`` output: type, message and the student's frames of the traceback."""
    trace = error.__traceback__
    here = os.path.dirname(__file__)
    while trace is not None and os.path.dirname(trace.tb_frame.f_code.co_filename) == here:
        trace = trace.tb_next
    try:
        lines = traceback.format_exception(type(error), error, trace, limit=-MAX_TRACEBACK_FRAMES)
    except Exception:
        lines = [f"{type(error).__name__}\n"]
    try:
        message = str(error)
    except Exception:
        message = "<message could not be read>"
    return {
        "output_type": "error",
        "ename": type(error).__name__[:200],
        "evalue": message[:MAX_TEXT],
        "traceback": [line[:MAX_TEXT] for line in lines[-40:]],
    }
