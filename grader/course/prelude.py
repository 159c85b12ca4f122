"""The release's prelude: the instructor's code cells every submission starts with.

The locked code cells before a release's first cell a student may edit are the same in
every submission (:func:`grader.course.grade_one.align` restores them), so a warm worker
runs them once and replays them (:meth:`grader.sandbox.SandboxPool.set_prelude`). For
hw4 this is the cell that draws the network: about 0.1 s of drawing per submission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nbformat import NotebookNode
from nbgrader.utils import is_grade, is_locked, is_solution

from grader.course import Course


def prelude_of(cells: Iterable[NotebookNode]) -> list[str]:
    """The sources of the leading locked code cells (neither graded nor a solution)."""
    prelude: list[str] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        if not is_locked(cell) or is_grade(cell) or is_solution(cell):
            break
        prelude.append(str(cell.source))
    return prelude


def release_prelude(course: Course) -> list[str]:
    """The prelude of ``release/<assignment>/``'s one notebook ([] if it has none, or is
    not there yet: grading says why)."""
    import nbformat

    notebooks = sorted(course.release.glob("*.ipynb"))
    if len(notebooks) != 1:
        return []
    read: Callable[..., NotebookNode] = nbformat.read  # a typed name for mypy --strict
    try:
        return prelude_of(read(notebooks[0], as_version=4).cells)
    except (OSError, ValueError):
        return []
