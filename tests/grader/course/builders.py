"""Submissions for the batch tests: right answers from ``solutions``, then one fault each."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

import solutions
from grader.judgment.rubric import ANSWER_CELLS
from solutions.variant import make_variant

Notebook = dict[str, Any]


def reference_answers(student: str) -> dict[str, Any]:
    """The right answers for ``student``'s numbers, from the reference package."""
    v = make_variant(student)
    plain = solutions.answers(v.theta, v.X, v.y, v.eta)
    return {name: np.asarray(value).tolist() for name, value in plain.items()}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, list):
        return f"np.array({value!r})"
    return repr(value)


def answer_sources(
    answers: Mapping[str, Any], names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Code for each answer cell typing in ``answers`` (``names`` renames variables)."""
    names = names or {}
    return {
        cell: "\n".join(f"{names.get(var, var)} = {_literal(answers[var])}" for var in variables)
        for cell, variables in ANSWER_CELLS.items()
    }


def cell_index(notebook: Notebook, grade_id: str) -> int:
    """Position of the cell with this grade id."""
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    raise KeyError(grade_id)


def code_cell(source: str) -> dict[str, Any]:
    """A cell a student added (no nbgrader metadata)."""
    return {
        "id": "added-" + hashlib.sha256(source.encode()).hexdigest()[:12],
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def filled(
    release: Notebook,
    student: str,
    answers: Mapping[str, Any] | None = None,
    names: Mapping[str, str] | None = None,
    notebook_id: str | None = None,
) -> Notebook:
    """The release with the student's ID and answers typed in."""
    notebook = copy.deepcopy(release)
    sources = answer_sources(answers or reference_answers(student), names)
    shown = student if notebook_id is None else notebook_id
    sources["student_id"] = f"STUDENT_ID = {shown!r}"
    for grade_id, source in sources.items():
        notebook["cells"][cell_index(notebook, grade_id)]["source"] = source
    return notebook


def insert_after(notebook: Notebook, grade_id: str, *sources: str) -> Notebook:
    """Student-added code cells right after the cell ``grade_id``."""
    position = cell_index(notebook, grade_id) + 1
    notebook["cells"][position:position] = [code_cell(s) for s in sources]
    return notebook


def write(course: Path, student: str, content: bytes | Notebook, name: str = "hw4.ipynb") -> Path:
    """Put a submission where nbgrader's ``collect`` would."""
    folder = course / "submitted" / student / "hw4"
    folder.mkdir(parents=True, exist_ok=True)
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    (folder / name).write_bytes(data)
    return folder / name


def garbage(answers: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """``answers`` with the named values replaced by text that can never score."""
    return {key: ("blocked" if key in names else value) for key, value in answers.items()}


def solved_notebook(release: Any, source: Any) -> Notebook:
    """The ``release`` notebook with every answer cell holding the ``source`` notebook's
    solution code (both nbformat notebooks)."""
    solutions_by_id = {
        c.metadata["nbgrader"]["grade_id"]: c for c in source.cells if "nbgrader" in c.metadata
    }
    for cell in release.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions_by_id and cell.metadata["nbgrader"].get("solution"):
            cell.source = solutions_by_id[gid].source
    solved: Notebook = json.loads(nbformat.writes(release))
    return solved
