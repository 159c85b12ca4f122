"""Read a submitted notebook whatever state it is in, saying what is wrong with it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from grader.batch import nb
from grader.batch.problems import Problem

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
CELL_TYPES = ("code", "markdown", "raw")


@dataclass
class ReadResult:
    """A clean nbformat-4 notebook (outputs dropped), or None, and the problems found."""

    notebook: NotebookNode | None
    problems: list[Problem] = field(default_factory=list)


def read_submission(path: Path) -> ReadResult:
    """Read ``path`` defensively: bad bytes, bad JSON, old formats and odd cells never raise."""
    problems: list[Problem] = []
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            message = f"{path.name} is {size} bytes, more than the {MAX_NOTEBOOK_BYTES} allowed"
            return ReadResult(None, [Problem("notebook-too-large", message)])
        data = path.read_bytes()
    except OSError as error:
        return ReadResult(
            None, [Problem("notebook-unreadable", f"cannot read {path.name}: {error}")]
        )
    text = _decode(data, path.name, problems)
    if not text.strip():
        problems.append(Problem("notebook-empty", f"{path.name} is empty ({size} bytes)"))
        return ReadResult(None, problems)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        message = (
            f"{path.name} is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); was it edited outside Jupyter?"
        )
        problems.append(Problem("notebook-malformed", message))
        return ReadResult(None, problems)
    notebook = _to_v4(raw, path.name, problems)
    return ReadResult(notebook, problems)


def _decode(data: bytes, name: str, problems: list[Problem]) -> str:
    """UTF-8 text; undecodable bytes become U+FFFD and are reported."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = (
            f"{name} is not UTF-8 (bad byte at offset {error.start}); "
            "the undecodable bytes were replaced"
        )
        problems.append(Problem("notebook-not-utf8", message))
        return data.decode("utf-8-sig", errors="replace")


def _to_v4(raw: Any, name: str, problems: list[Problem]) -> NotebookNode | None:
    """Convert any notebook-like JSON to a clean nbformat-4 notebook."""
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        kind = type(raw).__name__
        problems.append(
            Problem("notebook-malformed", f"{name} holds JSON ({kind}), not a notebook")
        )
        return None
    version = raw.get("nbformat")
    if isinstance(version, int) and version < 4:
        problems.append(
            Problem("notebook-old-format", f"{name} uses nbformat {version}; converted to 4")
        )
        try:
            raw = nb.convert_to_v4(raw)
        except Exception as error:  # nbformat raises many kinds on bad old notebooks
            problems.append(Problem("notebook-malformed", f"cannot convert {name}: {error}"))
            return None
    cells_in = raw.get("cells")
    if not isinstance(cells_in, list):
        problems.append(Problem("notebook-malformed", f"{name} has no list of cells"))
        return None
    notebook = nb.new_notebook()
    metadata = raw.get("metadata")
    if isinstance(metadata, dict):
        notebook.metadata = nb.from_dict(_json_safe_dict(metadata))
    skipped = 0
    for cell in cells_in:
        clean = _clean_cell(cell)
        if clean is None:
            skipped += 1
        else:
            notebook.cells.append(clean)
    if skipped:
        problems.append(
            Problem("notebook-bad-cells", f"{skipped} cell(s) of {name} were not cells; skipped")
        )
    if not notebook.cells:
        problems.append(Problem("notebook-empty", f"{name} has no cells"))
    return notebook


def _clean_cell(cell: Any) -> NotebookNode | None:
    """One cell as nbformat 4 (source as a string, no outputs), or None if it is not a cell."""
    if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
        return None
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    if not isinstance(source, str):
        return None
    kind = cell["cell_type"]
    if kind == "code":
        new = nb.new_cell("code", source)
    elif kind == "markdown":
        new = nb.new_cell("markdown", source)
    else:
        new = nb.new_cell("raw", source)
    new.pop("id", None)
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        new.metadata = nb.from_dict(_json_safe_dict(metadata))
        nbgrader = new.metadata.get("nbgrader")
        if nbgrader is not None and not _valid_nbgrader(nbgrader):
            del new.metadata["nbgrader"]
    return new


def _valid_nbgrader(meta: Any) -> bool:
    """Only nbgrader metadata with a string ``grade_id`` can be matched to the release."""
    return isinstance(meta, dict) and isinstance(meta.get("grade_id"), str)


def _json_safe_dict(data: dict[str, Any]) -> dict[str, Any]:
    """A copy that survives ``nbformat.from_dict`` (string keys only)."""
    safe: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return safe
