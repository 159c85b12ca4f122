"""Write one student's results atomically; the completion marker goes last."""

from __future__ import annotations

from grader.batch import nb
from grader.batch.atomic import write_text_atomic
from grader.batch.autograded_notebook import build_notebook
from grader.batch.course import CoursePaths
from grader.batch.feedback_page import feedback_page
from grader.batch.grade_one import Outcome
from grader.batch.gradebook import GradebookWriter
from grader.batch.gradescope import results_json
from grader.batch.record import MARKER_NAME, RECORD_NAME, Record
from grader.batch.submission import Submission


def store(
    paths: CoursePaths,
    submission: Submission,
    outcome: Outcome,
    digest: str,
    notebook_name: str,
    gradebook: GradebookWriter,
) -> Record:
    """Write notebook, feedback page, results.json, gradebook scores, record, then the marker."""
    record = Record(outcome.student, outcome.report, tuple(outcome.problems), digest)
    folder = paths.student_reports(outcome.student)
    marker = folder / MARKER_NAME
    marker.unlink(missing_ok=True)
    notebook = build_notebook(outcome)
    write_text_atomic(paths.autograded(outcome.student) / notebook_name, nb.writes(notebook))
    page = feedback_page(outcome.report, outcome.student, outcome.problems)
    write_text_atomic(folder / "feedback.html", page)
    write_text_atomic(folder / "results.json", results_json(record))
    gradebook.record(
        outcome.student,
        notebook_name.removesuffix(".ipynb"),
        list(notebook.cells),
        submission.timestamp(),
    )
    write_text_atomic(folder / RECORD_NAME, record.to_json())
    if outcome.final:
        write_text_atomic(marker, digest + "\n")
    return record
