"""Write one student's results atomically; the completion marker goes last.

Writing happens in two steps so that a batch can save students in parallel: the
student's own files (any thread), then, once the gradebook has committed the
scores of a batch of students (the one thread that holds the gradebook), each
one's record and marker.
"""

from __future__ import annotations

from dataclasses import dataclass

from nbformat import NotebookNode

from grader.batch import nb
from grader.batch.atomic import write_text_atomic
from grader.batch.autograded_notebook import build_notebook
from grader.batch.course import CoursePaths
from grader.batch.feedback_page import feedback_page
from grader.batch.grade_one import Outcome
from grader.batch.gradebook import Scores
from grader.batch.gradescope import results_json
from grader.batch.record import MARKER_NAME, RECORD_NAME, Record
from grader.batch.submission import Submission


@dataclass(frozen=True)
class Written:
    """A student's files are on disk; the gradebook scores and the marker are still to come."""

    record: Record
    final: bool
    cells: list[NotebookNode]


def write_files(paths: CoursePaths, outcome: Outcome, digest: str, notebook_name: str) -> Written:
    """Withdraw the marker, then write the autograded notebook, feedback page and results.json.

    Touches only this student's own files, so it is safe in any thread.
    """
    record = Record(outcome.student, outcome.report, tuple(outcome.problems), digest)
    folder = paths.student_reports(outcome.student)
    (folder / MARKER_NAME).unlink(missing_ok=True)
    notebook = build_notebook(outcome)
    write_text_atomic(paths.autograded(outcome.student) / notebook_name, nb.writes(notebook))
    page = feedback_page(outcome.report, outcome.student, outcome.problems)
    write_text_atomic(folder / "feedback.html", page)
    write_text_atomic(folder / "results.json", results_json(record))
    return Written(record, outcome.final, list(notebook.cells))


def scores(submission: Submission, written: Written, notebook_name: str) -> Scores:
    """What the gradebook records of this student."""
    return Scores(
        written.record.student,
        notebook_name.removesuffix(".ipynb"),
        written.cells,
        submission.timestamp(),
    )


def mark_done(paths: CoursePaths, written: Written) -> Record:
    """After the gradebook has the scores: the record, then the completion marker."""
    record = written.record
    folder = paths.student_reports(record.student)
    write_text_atomic(folder / RECORD_NAME, record.to_json())
    if written.final:
        write_text_atomic(folder / MARKER_NAME, record.digest + "\n")
    return record
