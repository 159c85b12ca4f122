"""The collusion report of a course's assignment: the grading records in, two files out.

:func:`write_collusion_report` builds it (with :func:`grader.judgment.collusion.find_collusion`)
from the students' results, graded now or read back from their records, and writes
``collusion.html`` and ``collusion.csv`` into the class summary's folder. The batch and the
service call :func:`write_collusion_safely` where they rewrite the class summary;
``python -m grader collusion`` calls :func:`rebuild`. Students never see these files, and
they change no grade.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from nbformat import NotebookNode

from grader.course import Course, CourseError
from grader.course.grade_one import Graded
from grader.course.variants import student_variant
from grader.course.writer import RECORD_NAME, write_atomic
from grader.judgment.collusion import CollusionReport, Submission, find_collusion
from grader.judgment.collusion_page import PAGE, TABLE, collusion_csv, render_collusion_html

log = logging.getLogger(__name__)


def template_of(cells: Iterable[NotebookNode]) -> list[str]:
    """The release's own code: the sources of its code cells, as students receive them."""
    return [str(cell.source) for cell in cells if cell.get("cell_type") == "code"]


def released_template(course: Course) -> list[str]:
    """The code cells of the released notebook (``release/<assignment>/*.ipynb``)."""
    import nbformat

    read: Callable[..., NotebookNode] = nbformat.read  # a typed name for mypy --strict
    notebooks = sorted(course.release.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise CourseError(
            f"{course.release} must hold exactly one notebook, not {len(notebooks)}: "
            f"release the assignment first (nbgrader generate_assignment {course.assignment})"
        )
    try:
        notebook = read(notebooks[0], as_version=4)
    except Exception as error:  # nbformat raises many kinds on a broken file
        raise CourseError(f"cannot read {notebooks[0]}: {error}") from error
    return template_of(notebook.cells)


def read_records(course: Course) -> tuple[dict[str, Graded], list[str]]:
    """Every student's grading record in ``reports/<assignment>/``, and one line per
    record that could not be read."""
    results: dict[str, Graded] = {}
    problems: list[str] = []
    folders = sorted(course.reports.iterdir()) if course.reports.is_dir() else []
    for folder in folders:
        path = folder / RECORD_NAME
        if not path.is_file():
            continue
        try:
            graded = Graded.from_record(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{path}: not a grading record ({type(error).__name__}); left out")
            continue
        results[graded.student] = graded
    return results, problems


def write_collusion_report(
    course: Course, results: Mapping[str, Graded], template: Sequence[str]
) -> tuple[CollusionReport, Path]:
    """Compare the students of ``results`` and write the page and the table; the report
    and the page's path."""
    submissions = []
    for student in sorted(results):
        try:
            graded = results[student]
        except KeyError as error:  # a record that cannot be read (the tables leave it out too)
            log.warning("collusion report: %s left out: %s", student, error)
            continue
        variant = student_variant(student)
        submissions.append(Submission(student, graded.answers, variant, graded.code))
    report = find_collusion(submissions, template)
    codes = {s.student: list(s.code) for s in submissions}
    folder = course.summary
    write_atomic(folder / TABLE, collusion_csv(report))
    write_atomic(folder / PAGE, render_collusion_html(report, codes))
    return report, folder / PAGE


def write_collusion_safely(
    course: Course, results: Mapping[str, Graded], cells: Iterable[NotebookNode]
) -> None:
    """:func:`write_collusion_report` for the batch and the service: a failure is logged in
    one line, never raised (grading goes on without the report)."""
    if not results:
        return
    try:
        write_collusion_report(course, results, template_of(cells))
    except Exception as error:
        log.error("could not write the collusion report: %s: %s", type(error).__name__, error)


def rebuild(course: Course) -> tuple[CollusionReport, Path, list[str]]:
    """The report rebuilt from the records on disk; also the records left out, and why."""
    results, problems = read_records(course)
    if not results:
        raise CourseError(f"no grading record in {course.reports}: grade the assignment first")
    report, page = write_collusion_report(course, results, released_template(course))
    return report, page, problems
