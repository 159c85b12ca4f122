"""What a submission is compared with: the released notebook and the instructor's cell sources."""

from __future__ import annotations

from dataclasses import dataclass

from nbformat import NotebookNode

from grader.batch import nb
from grader.batch.course import CourseError, CoursePaths

MAX_SUPPORT_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Reference:
    """The released notebook, the instructor's sources by grade id, the files beside it."""

    notebook_name: str
    release_cells: list[NotebookNode]
    sources: dict[str, str]
    support_files: dict[str, bytes]


def load_reference(paths: CoursePaths, sources: dict[str, str]) -> Reference:
    """Read ``release/<assignment>/``: one notebook and the small files beside it."""
    if not paths.release.is_dir():
        raise CourseError(
            f"{paths.release} does not exist: release the assignment first "
            f"(nbgrader generate_assignment {paths.assignment})"
        )
    notebooks = sorted(paths.release.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise CourseError(f"{paths.release} must hold exactly one notebook, not {len(notebooks)}")
    release = nb.read(notebooks[0])
    support = {
        path.name: path.read_bytes()
        for path in sorted(paths.release.iterdir())
        if path.is_file()
        and path.suffix != ".ipynb"
        and path.stat().st_size <= MAX_SUPPORT_FILE_BYTES
    }
    return Reference(notebooks[0].name, list(release.cells), sources, support)
