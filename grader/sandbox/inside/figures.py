"""Matplotlib figures and ``display()`` outputs, sent as the inline backend shows them."""

from __future__ import annotations

import base64
import importlib.abc
import importlib.util
import io
import os
import sys
import types
from typing import Any, Protocol

from .messages import short_repr

BACKEND_MODULE = "sandbox_inline_backend"


class Sink(Protocol):
    """Where displays go: a job's :class:`~.messages.Channel`, or a recorder."""

    def send(self, message: dict[str, Any]) -> None: ...


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

    def __init__(self, channel: Sink | None = None, limit: int = 0) -> None:
        self.channel = channel
        self.limit = limit
        self.cell = -1
        self.sent = 0

    def attach(self, channel: Sink | None, limit: int) -> None:
        """Send to ``channel`` from now on (a forked job's own channel; None: nowhere)."""
        self.channel = channel
        self.limit = limit

    def start_cell(self, cell: int) -> None:
        self.cell = cell
        self.sent = 0

    def send(self, output: dict[str, Any]) -> None:
        if self.sent < self.limit and self.channel is not None:
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


DISPLAYS = Displays()
"""The process's one display sink; a job attaches its channel to it."""


def install_backend() -> None:
    """Use the sandbox's inline backend, as ``%matplotlib inline`` would (once per process)."""
    if not any(isinstance(finder, InlineBackendFinder) for finder in sys.meta_path):
        sys.meta_path.append(InlineBackendFinder(DISPLAYS))
    os.environ["MPLBACKEND"] = f"module://{BACKEND_MODULE}"
