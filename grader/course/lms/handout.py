"""What to hand out through an LMS: the notebook alone, and the folder as a zip.

``hw4.ipynb`` alone works without the files released beside it: a read-only cell before
the student's ID holds ``hw4_variant.py`` and ``hw4_selfcheck.py`` and makes them
importable (where the files do sit beside the notebook, as in nbgrader's folder or the
grader's sandbox, those are used instead). Its other cells are the release's own, so that
the grader aligns it with the release as it does any submission. ``hw4.zip`` is the
release folder as it is, in a folder ``hw4/``.

Usage: ``python -m grader.course.lms.handout RELEASE_FOLDER OUT_FOLDER``.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

EMBEDDED_TAG = "course-files"
FIRST_GRADED_CELL = "student_id"
"""The embedded files go right before this cell (the student's ID)."""
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
"""Every member's time in the zip: the same release gives the same bytes."""
_read: Callable[..., NotebookNode] = nbformat.read
_write: Callable[..., None] = nbformat.write
_code_cell: Callable[..., NotebookNode] = nbformat.v4.new_code_cell


def _literal(source: str) -> str:
    """A Python expression for ``source``: one string literal per line, joined."""
    lines = source.splitlines(keepends=True) or [""]
    return "(\n" + "".join(f"        {line!r}\n" for line in lines) + "    )"


def embedded_cell(modules: dict[str, str]) -> NotebookNode:
    """The read-only cell that makes ``modules`` (name → source) importable."""
    names = " and ".join(f"{name}.py" for name in modules)
    entries = "".join(f"    {name!r}: {_literal(text)},\n" for name, text in modules.items())
    source = (
        f"# {names}: the course's files, built in so that this notebook works alone.\n"
        "# Run this cell and leave it as it is (files of these names beside the notebook\n"
        "# are used instead).\n"
        "import importlib.util as _importlib_util\n"
        "import sys as _sys\n"
        "import types as _types\n\n"
        f"_COURSE_FILES = {{\n{entries}}}\n"
        "for _name, _text in _COURSE_FILES.items():\n"
        "    if _name not in _sys.modules and _importlib_util.find_spec(_name) is None:\n"
        "        _module = _sys.modules[_name] = _types.ModuleType(_name)\n"
        '        exec(compile(_text, _name + ".py", "exec"), _module.__dict__)\n'
    )
    cell = _code_cell(source)
    cell.metadata = {
        "editable": False,
        "deletable": False,
        "tags": [EMBEDDED_TAG],
        "jupyter": {"source_hidden": True},
    }
    return cell


def standalone(notebook: NotebookNode, modules: dict[str, str]) -> NotebookNode:
    """``notebook`` with ``modules`` embedded before its student-ID cell."""
    ids = [cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in notebook.cells]
    if FIRST_GRADED_CELL not in ids:
        raise ValueError(f"the release has no cell '{FIRST_GRADED_CELL}'")
    cell = embedded_cell(modules)
    cell["id"] = EMBEDDED_TAG
    notebook.cells.insert(ids.index(FIRST_GRADED_CELL), cell)
    return notebook


def make_handout(release: Path, out: Path) -> tuple[Path, Path]:
    """Write ``out/<name>.ipynb`` (alone) and ``out/<name>.zip`` (the folder) from the
    release folder; return both paths."""
    notebooks = sorted(release.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise ValueError(f"{release} must hold one notebook, not {len(notebooks)}")
    modules = {path.stem: path.read_text(encoding="utf-8") for path in sorted(release.glob("*.py"))}
    notebook: Any = _read(notebooks[0], as_version=4)
    out.mkdir(parents=True, exist_ok=True)
    alone = out / notebooks[0].name
    _write(standalone(notebook, modules), alone)
    folder = out / f"{release.name}.zip"
    with zipfile.ZipFile(folder, "w", zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(p for p in release.rglob("*") if p.is_file()):
            member = zipfile.ZipInfo(f"{release.name}/{path.relative_to(release).as_posix()}")
            member.date_time = ZIP_TIME
            member.external_attr = 0o644 << 16
            member.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(member, path.read_bytes())
    return alone, folder


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m grader.course.lms.handout RELEASE_FOLDER OUT_FOLDER")
    for written in make_handout(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"wrote {written}")
