"""The program that runs inside the sandbox: a student's cells, one after another.

Started as ``python -I -S runner.py`` by :mod:`grader.sandbox.process`, with the
standard library only (numpy and matplotlib are imported when a cell needs them).
It reads one JSON job from stdin, drops to an unprivileged user with resource
limits, runs each cell in one shared namespace like a notebook kernel (a cell
still running at the cell time limit gets a ``CellTimeoutError``, as a kernel
gets an interrupt), and reports on the channel file descriptor, one JSON
object per line:

* ``{"type": "start", "cell": i}`` before cell ``i``;
* ``{"type": "display", "cell": i, "output": {...}}`` for a figure or ``display()``;
* ``{"type": "done", "cell": i, "status": "ok" | "error" | "timeout", "error": ... | null,
  "result": ... | null, "answers": {...}}`` after it, with the requested names;
* ``{"type": "end"}`` after the last cell.

After each ``done`` the runner waits for one byte on the ack file descriptor,
so the parent can read all of a cell's output before the next cell starts.

stdout and stderr are the sandbox's own pipes, read by the parent. Nothing here
is trusted by the parent: student code runs in this very process and may write
anything to the channel; see :mod:`grader.sandbox.channel`.
"""

from __future__ import annotations

import ast
import base64
import builtins
import contextlib
import importlib.abc
import importlib.util
import io
import json
import linecache
import math
import os
import resource
import signal
import sys
import traceback
import types
from typing import Any

BACKEND_MODULE = "sandbox_inline_backend"
MAX_LEAVES = 10_000
MAX_DEPTH = 16
MAX_STRING = 10_000
MAX_INT_BITS = 256
MAX_TEXT = 20_000
MAX_TRACEBACK_FRAMES = 8
MAX_MAGIC_FIXES = 50
RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "address_space": resource.RLIMIT_AS,
    "file_size": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}

_write = os.write
_dumps = json.dumps


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


class UnsupportedValueError(Exception):
    """A value that cannot travel as plain data; the message says why."""


class Channel:
    """Writes one JSON object per line to the result file descriptor."""

    def __init__(self, fd: int, ack_fd: int) -> None:
        self.fd = fd
        self.ack_fd = ack_fd
        self.owner = os.getpid()

    def wait_for_parent(self) -> None:
        """Block until the parent has read this cell's output (one byte on the ack pipe).

        Without this pause, output the next cell writes could be read before the
        message that ends this cell, and be shown under the wrong cell.
        """
        with contextlib.suppress(OSError):
            os.read(self.ack_fd, 1)

    def send(self, message: dict[str, Any]) -> None:
        if os.getpid() != self.owner:
            os._exit(0)  # a process forked by a cell came back here: it has nothing to say
        flush_streams()
        data = (_dumps(message, allow_nan=False, separators=(",", ":")) + "\n").encode()
        view = memoryview(data)
        while view:
            view = view[_write(self.fd, view) :]


def flush_streams() -> None:
    """Push buffered student output into the pipes before a channel message."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()  # type: ignore[union-attr]


# ---------------------------------------------------------------- plain data


def to_plain(value: Any) -> Any:
    """``value`` as JSON-safe data; non-finite floats become ``{"$float": "nan"}`` etc.

    Raises :class:`UnsupportedValueError` for anything that is not a bool, int, float, str,
    None, a numpy scalar or array of those, or a list or tuple of those.
    """
    budget = [MAX_LEAVES]
    return _plain(value, 0, budget)


def _plain(value: Any, depth: int, budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise UnsupportedValueError(f"nested deeper than {MAX_DEPTH} levels")
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray | numpy.generic):
        if value.dtype.kind not in "biuf" and value.dtype.kind != "O":
            raise UnsupportedValueError(
                f"unsupported type {type(value).__name__} of dtype {value.dtype}"
            )
        if value.size > MAX_LEAVES:
            raise UnsupportedValueError(f"too large: {value.size} elements (at most {MAX_LEAVES})")
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1, budget) for item in value]
    budget[0] -= 1
    if budget[0] < 0:
        raise UnsupportedValueError(f"too large: more than {MAX_LEAVES} numbers")
    if value is None or isinstance(value, bool):
        return None if value is None else bool(value)
    if isinstance(value, int):
        integer = int(value)
        if integer.bit_length() > MAX_INT_BITS:
            raise UnsupportedValueError(f"int wider than {MAX_INT_BITS} bits")
        return integer
    if isinstance(value, float):
        number = float(value)
        if math.isnan(number):
            return {"$float": "nan"}
        if math.isinf(number):
            return {"$float": "inf" if number > 0 else "-inf"}
        return number
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise UnsupportedValueError(f"str longer than {MAX_STRING} characters")
        return str(value)
    raise UnsupportedValueError(f"unsupported type {type(value).__name__}")


def snapshot(namespace: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Each name as ``{"value": v}``, ``{"missing": true}`` or ``{"unsupported": why}``."""
    answers: dict[str, Any] = {}
    for name in names:
        if name not in namespace:
            answers[name] = {"missing": True}
            continue
        try:
            answers[name] = {"value": to_plain(namespace[name])}
        except UnsupportedValueError as problem:
            answers[name] = {"unsupported": str(problem)[:200]}
        except Exception as problem:
            answers[name] = {"unsupported": f"cannot be read: {type(problem).__name__}"}
    return answers


# ---------------------------------------------------------------- figures


def figure_output(figure: Any) -> dict[str, Any]:
    """A matplotlib figure as an nbformat ``display_data`` output, like the inline backend."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "text/plain": short_repr(figure),
        },
        "metadata": {},
    }


class Displays:
    """Sends figures and ``display()`` outputs of the running cell, at most ``limit`` each."""

    def __init__(self, channel: Channel, limit: int) -> None:
        self.channel = channel
        self.limit = limit
        self.cell = -1
        self.sent = 0

    def start_cell(self, cell: int) -> None:
        self.cell = cell
        self.sent = 0

    def send(self, output: dict[str, Any]) -> None:
        if self.sent < self.limit:
            self.channel.send({"type": "display", "cell": self.cell, "output": output})
        self.sent += 1

    def flush_figures(self) -> None:
        """Send every open pyplot figure, then close them all (as the inline backend does)."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is None:
            return
        for number in pyplot.get_fignums():
            if self.sent < self.limit:
                self.send(figure_output(pyplot.figure(number)))
            else:
                self.sent += 1
        pyplot.close("all")

    def display(self, *objects: Any, **_options: Any) -> None:
        """IPython's ``display`` for figures and plain text."""
        figure_class = getattr(sys.modules.get("matplotlib.figure"), "Figure", None)
        for obj in objects:
            if figure_class is not None and isinstance(obj, figure_class):
                self.send(figure_output(obj))
            else:
                text = short_repr(obj)
                self.send(
                    {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}
                )


class InlineBackendFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes ``sandbox_inline_backend`` importable: Agg drawing, ``show()`` sends the figures.

    A finder rather than a module in ``sys.modules`` so that matplotlib is only
    imported when a cell imports pyplot.
    """

    def __init__(self, displays: Displays) -> None:
        self.displays = displays

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != BACKEND_MODULE:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        displays = self.displays

        def show(*_args: Any, **_kwargs: Any) -> None:
            displays.flush_figures()

        module.FigureCanvas = FigureCanvasAgg  # type: ignore[attr-defined]
        module.show = show  # type: ignore[attr-defined]


def install_backend(displays: Displays) -> None:
    """Use the sandbox's inline backend, as ``%matplotlib inline`` would."""
    sys.meta_path.append(InlineBackendFinder(displays))
    os.environ["MPLBACKEND"] = f"module://{BACKEND_MODULE}"


# ---------------------------------------------------------------- cells


def short_repr(value: Any) -> str:
    """``repr(value)``, cut to a readable length."""
    try:
        text = repr(value)
    except Exception as problem:
        text = f"<repr failed: {type(problem).__name__}>"
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " ...[cut]"


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
    while trace is not None and trace.tb_frame.f_code.co_filename == __file__:
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


# ---------------------------------------------------------------- process setup


def confine(job: dict[str, Any]) -> None:
    """Set the resource limits, then become the sandbox's own unprivileged user."""
    uid = job.get("uid")
    if uid is not None:
        os.chown(".", uid, uid)
    for name, (soft, hard) in job["rlimits"].items():
        resource.setrlimit(RLIMITS[name], (soft, hard))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)


def prepare_matplotlib(job: dict[str, Any]) -> None:
    """A writable matplotlib config dir in the scratch dir, seeded with the prepared font cache."""
    config = os.path.abspath(".matplotlib")
    os.makedirs(config, exist_ok=True)
    cache = job.get("mpl_cache")
    if cache and os.path.isdir(cache):
        for entry in os.listdir(cache):
            if entry.endswith(".json"):
                with open(os.path.join(cache, entry), "rb") as src:
                    data = src.read()
                with open(os.path.join(config, entry), "wb") as dst:
                    dst.write(data)
    os.environ["MPLCONFIGDIR"] = config


def read_job() -> dict[str, Any]:
    """The job from stdin; stdin then reads as empty, as in a kernel without input."""
    with os.fdopen(os.dup(0), "rb") as stdin:
        job: dict[str, Any] = json.loads(stdin.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return job


def main() -> None:
    job = read_job()
    channel = Channel(job["channel_fd"], job["ack_fd"])
    confine(job)
    sys.path[:0] = ["", *job["paths"]]
    for name, text in job["files"].items():
        with open(name, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)
    prepare_matplotlib(job)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    displays = Displays(channel, job["figures_per_cell"])
    install_backend(displays)
    notebook = types.ModuleType("__main__")  # the cells' module, as in a kernel
    sys.modules["__main__"] = notebook
    namespace: dict[str, Any] = notebook.__dict__
    namespace.update(__builtins__=builtins, display=displays.display)
    names: list[str] = job["names"]
    for index, source in enumerate(job["cells"]):
        channel.send({"type": "start", "cell": index})
        displays.start_cell(index)
        status, error, result = "ok", None, None
        try:
            try:
                start_alarm(job["cell_seconds"])
                value = run_cell(source, f"<cell {index + 1}>", namespace)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if value is not None:
                result = short_repr(value)
            displays.flush_figures()
        except BaseException as problem:
            status = "timeout" if isinstance(problem, CellTimeoutError) else "error"
            error = error_output(problem)
            with contextlib.suppress(BaseException):
                displays.flush_figures()
        answers = snapshot(namespace, names)
        channel.send(
            {
                "type": "done",
                "cell": index,
                "status": status,
                "error": error,
                "result": result,
                "answers": answers,
            }
        )
        channel.wait_for_parent()
    channel.send({"type": "end"})
    os._exit(0)


if __name__ == "__main__":
    main()
