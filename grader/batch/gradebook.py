"""The nbgrader gradebook: read the instructor's cell sources, record automatic scores."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from grader.batch.course import CourseError
from grader.batch.locked_cells import grade_id, is_answer_cell, is_test_cell, nbgrader_meta


def _url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def instructor_sources(
    path: Path, assignment: str, notebook: str, course_id: str
) -> dict[str, str]:
    """The source of every graded or locked cell as ``generate_assignment`` recorded it."""
    from nbgrader.api import Gradebook, MissingEntry

    if not path.is_file():
        raise CourseError(
            f"no gradebook at {path}: release the assignment first "
            f"(nbgrader generate_assignment {assignment})"
        )
    with Gradebook(_url(path), course_id) as gradebook:
        try:
            found = gradebook.find_notebook(notebook, assignment)
        except MissingEntry as error:
            raise CourseError(
                f"the gradebook does not know {assignment}/{notebook}: "
                f"run nbgrader generate_assignment {assignment}"
            ) from error
        return {cell.name: str(cell.source) for cell in found.source_cells}


class GradebookWriter:
    """One open gradebook for a whole batch; students' scores committed a batch at a time."""

    def __init__(self, path: Path, assignment: str, course_id: str) -> None:
        from nbgrader.api import Gradebook

        self.assignment = assignment
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.gradebook = Gradebook(_url(path), course_id)

    def __enter__(self) -> GradebookWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.gradebook.close()

    def record_batch(self, entries: list[Scores]) -> dict[str, str]:
        """Write several students' scores in one transaction; {student: why} for failures.

        nbgrader's API commits after each call (three commits per student, each a disk
        sync); during a batch those commits only flush, and one real commit ends it.
        If anything fails, the batch is rolled back and written again one student at a
        time, so one bad student never costs the others their scores.
        """
        session = self.gradebook.db
        real_commit = session.commit
        try:
            session.commit = session.flush
            for entry in entries:
                self._write(entry)
            real_commit()
            return {}
        except Exception:
            session.rollback()
        finally:
            del session.commit  # nbgrader's own commit again
        failures: dict[str, str] = {}
        for entry in entries:
            try:
                self._write(entry)
                session.commit()
            except Exception as error:
                session.rollback()
                failures[entry.student] = f"{type(error).__name__}: {error}"
        return failures

    def _write(self, entry: Scores) -> None:
        """A student's automatic scores and comments, as ``nbgrader autograde`` writes them.

        Test cells carry their points as the result of their last output (see
        :mod:`grader.batch.autograded_notebook`); answer cells left as released score 0,
        edited ones await manual grading. Manual scores already given are kept.
        """
        gradebook, assignment, student = self.gradebook, self.assignment, entry.student
        by_id = {gid: cell for cell in entry.cells if (gid := grade_id(cell)) is not None}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
            gradebook.update_or_create_student(student)
            extra: dict[str, Any] = {}
            if entry.timestamp and _readable_time(entry.timestamp):
                extra["timestamp"] = entry.timestamp
            gradebook.update_or_create_submission(assignment, student, **extra)
            notebook = gradebook.find_submission_notebook(entry.notebook_id, assignment, student)
            grades = {grade.name: grade for grade in notebook.grades}
            comments = {comment.name: comment for comment in notebook.comments}
            for name, cell in by_id.items():
                meta = nbgrader_meta(cell)
                if meta.get("grade") and name in grades:
                    grade = grades[name]
                    grade.auto_score = _auto_score(cell)
                    grade.needs_manual_grade = (
                        grade.manual_score is not None or grade.auto_score is None
                    )
                if (is_answer_cell(cell) or meta.get("task")) and name in comments:
                    comment = comments[name]
                    comment.auto_comment = "No response." if _unchanged(cell) else None
            gradebook.db.flush()


@dataclass(frozen=True)
class Scores:
    """What the gradebook needs of one graded student."""

    student: str
    notebook_id: str
    cells: list[NotebookNode]
    timestamp: str | None


def _readable_time(timestamp: str) -> bool:
    """Whether nbgrader can read ``timestamp`` (an unreadable one is left out)."""
    from nbgrader.utils import parse_utc

    try:
        parse_utc(timestamp)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


def _auto_score(cell: NotebookNode) -> float | None:
    """Points of a test cell; 0 for an untouched answer cell; None when a person must grade."""
    if is_test_cell(cell):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "execute_result":
                return float(output["data"]["text/plain"])
        return 0.0
    return 0.0 if _unchanged(cell) else None


def _unchanged(cell: NotebookNode) -> bool:
    """Whether an answer cell is exactly as released (nbgrader's checksum)."""
    from nbgrader.utils import compute_checksum

    checksum = nbgrader_meta(cell).get("checksum")
    return checksum is not None and bool(compute_checksum(cell) == checksum)
