"""Typed access to the few nbformat functions the batch uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import nbformat
from nbformat import NotebookNode

_new_notebook: Callable[[], Any] = nbformat.v4.new_notebook
_new_cell: dict[str, Callable[[str], Any]] = {
    "code": nbformat.v4.new_code_cell,
    "markdown": nbformat.v4.new_markdown_cell,
    "raw": nbformat.v4.new_raw_cell,
}
_from_dict: Callable[[Any], Any] = nbformat.from_dict
_writes: Callable[[Any], Any] = nbformat.writes
_read: Callable[..., Any] = nbformat.read
_convert: Callable[[Any, int], Any] = nbformat.convert


def new_notebook() -> NotebookNode:
    """An empty nbformat-4 notebook."""
    notebook: NotebookNode = _new_notebook()
    return notebook


def new_cell(kind: str, source: str) -> NotebookNode:
    """A new cell of ``kind`` ("code", "markdown" or "raw")."""
    cell: NotebookNode = _new_cell[kind](source)
    return cell


def from_dict(data: Any) -> NotebookNode:
    """Plain data as notebook nodes."""
    node: NotebookNode = _from_dict(data)
    return node


def writes(notebook: NotebookNode) -> str:
    """The notebook as nbformat-4 JSON text."""
    text: str = _writes(notebook)
    return text


def read(path: Any) -> NotebookNode:
    """Read a notebook file (trusted input: the released notebook)."""
    notebook: NotebookNode = _read(path, as_version=4)
    return notebook


def convert_to_v4(notebook: Any) -> NotebookNode:
    """Upgrade an older notebook to nbformat 4."""
    converted: NotebookNode = _convert(_from_dict(notebook), 4)
    return converted
