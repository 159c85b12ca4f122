"""Line a submission up with the released notebook: locked cells restored, tampering reported."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nbformat import NotebookNode

from grader.batch.problems import Problem


def nbgrader_meta(cell: NotebookNode) -> dict[str, Any]:
    """The cell's nbgrader metadata, or an empty dict."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, if it has one."""
    value = nbgrader_meta(cell).get("grade_id")
    return value if isinstance(value, str) else None


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, not a solution."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def is_answer_cell(cell: NotebookNode) -> bool:
    """A cell the student writes in."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_locked_cell(cell: NotebookNode) -> bool:
    """A cell the student may not change (test cells included)."""
    meta = nbgrader_meta(cell)
    return not meta.get("solution") and (bool(meta.get("locked")) or bool(meta.get("grade")))


@dataclass
class Aligned:
    """The submission as it will be run and graded, and what was found on the way."""

    cells: list[NotebookNode]
    problems: list[Problem] = field(default_factory=list)

    def code_to_run(self) -> list[NotebookNode]:
        """The code cells that run in the sandbox: everything but the test cells."""
        return [c for c in self.cells if c.cell_type == "code" and not is_test_cell(c)]


def align(
    submission: list[NotebookNode],
    release: list[NotebookNode],
    authoritative_sources: Mapping[str, str],
) -> Aligned:
    """Restore locked cells from ``release``, drop duplicates, re-insert deleted cells.

    ``authoritative_sources`` maps grade ids to the instructor's source (hidden tests
    included); it replaces the released source of those cells in the result.
    """
    reference = {gid: cell for cell in release if (gid := grade_id(cell)) is not None}
    problems: list[Problem] = []
    cells: list[NotebookNode] = []
    seen: set[str] = set()
    for cell in submission:
        gid = grade_id(cell)
        if gid is None:
            cells.append(cell)
        elif gid not in reference:
            problems.append(Problem("cell-unknown", f"cell '{gid}' is not in the assignment"))
            cells.append(_plain(cell))
        elif gid in seen:
            problems.append(
                Problem("cell-duplicated", f"cell '{gid}' appears more than once; first one used")
            )
            if not is_locked_cell(reference[gid]):
                cells.append(_plain(cell))
        else:
            seen.add(gid)
            cells.append(_merge(cell, reference[gid], authoritative_sources, problems))
    _restore_missing(cells, release, seen, authoritative_sources, problems)
    return Aligned(cells, problems)


def _merge(
    cell: NotebookNode,
    ref: NotebookNode,
    sources: Mapping[str, str],
    problems: list[Problem],
) -> NotebookNode:
    """The cell to keep for one grade id present in the submission."""
    gid = grade_id(ref) or ""
    if is_locked_cell(ref):
        if _tampered(cell, ref):
            what = "test" if is_test_cell(ref) else "locked"
            problems.append(
                Problem(
                    f"{what}-cell-edited", f"{what} cell '{gid}' was edited; the original is used"
                )
            )
        return _reference_copy(ref, sources)
    kept = copy.deepcopy(ref)
    kept.source = cell.source
    if cell.cell_type != ref.cell_type:
        problems.append(
            Problem(
                "answer-cell-type-changed",
                f"answer cell '{gid}' was turned into a {cell.cell_type} cell; "
                f"read as {ref.cell_type}",
            )
        )
    return kept


def _tampered(cell: NotebookNode, ref: NotebookNode) -> bool:
    """Whether a locked cell differs from the release (source, type or nbgrader checksum)."""
    if cell.cell_type != ref.cell_type or cell.source != ref.source:
        return True
    checksum = nbgrader_meta(ref).get("checksum")
    if checksum is None:
        return False
    try:
        from nbgrader.utils import compute_checksum

        return bool(compute_checksum(cell) != checksum)
    except (KeyError, TypeError, ValueError, AttributeError):
        return True


def _restore_missing(
    cells: list[NotebookNode],
    release: list[NotebookNode],
    seen: set[str],
    sources: Mapping[str, str],
    problems: list[Problem],
) -> None:
    """Put back, where the release has them, the graded cells the student deleted."""
    position = 0
    for ref in release:
        gid = grade_id(ref)
        if gid is None:
            continue
        if gid in seen:
            position = 1 + next(
                (i for i, c in enumerate(cells) if grade_id(c) == gid), position - 1
            )
            continue
        editable = is_answer_cell(ref) or not is_locked_cell(ref)
        kind = "answer" if editable else ("test" if is_test_cell(ref) else "locked")
        action = "put back as released, unanswered" if kind == "answer" else "restored"
        problems.append(
            Problem(f"{kind}-cell-deleted", f"{kind} cell '{gid}' was deleted; {action}")
        )
        cells.insert(position, _reference_copy(ref, sources))
        seen.add(gid)
        position += 1


def _reference_copy(ref: NotebookNode, sources: Mapping[str, str]) -> NotebookNode:
    """A copy of a released cell, with the instructor's source if there is one."""
    kept = copy.deepcopy(ref)
    gid = grade_id(ref)
    if gid is not None and gid in sources:
        kept.source = sources[gid]
    if kept.cell_type == "code":
        kept.outputs = []
        kept.execution_count = None
    return kept


def _plain(cell: NotebookNode) -> NotebookNode:
    """A copy without nbgrader metadata: run as the student's own code, never graded."""
    kept = copy.deepcopy(cell)
    kept.metadata.pop("nbgrader", None)
    return kept
