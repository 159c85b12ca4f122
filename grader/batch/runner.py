"""Grade a whole class: resume what is done, grade the rest in parallel, write the tables."""

from __future__ import annotations

import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TextIO

from grader import RUBRIC, Report, grade, write_class_summary
from grader.batch.atomic import write_text_atomic
from grader.batch.course import CourseError, CoursePaths
from grader.batch.course_config import gradebook_course_id
from grader.batch.execution import Executor
from grader.batch.grade_one import Outcome, grade_submission
from grader.batch.gradebook import GradebookWriter, instructor_sources
from grader.batch.grades_table import grades_csv
from grader.batch.lock import exclusive_run
from grader.batch.problems import Problem
from grader.batch.progress import Progress
from grader.batch.record import Record, completed_record
from grader.batch.reference import load_reference
from grader.batch.store import Written, mark_done, scores, write_files
from grader.batch.submission import Submission, find_submissions
from solutions.variant import make_variant

QUESTIONS = tuple(question.key for question in RUBRIC.questions)
BATCH = 32
"""Most students whose scores one gradebook commit saves."""
SAVE_SECONDS = 0.5
"""Longest a graded student waits to be saved while others are still being graded."""


@dataclass(frozen=True)
class Settled:
    """A graded outcome with its files written, or why they were not."""

    outcome: Outcome
    written: Written | None = None
    previous: Record | None = None
    """A finished grading that a failed regrading must not replace."""
    error: str | None = None
    """Why the student's files could not be written."""


def settle(paths: CoursePaths, outcome: Outcome, digest: str, notebook_name: str) -> Settled:
    """Write a student's own files, unless a crash would replace a finished grading."""
    folder = paths.student_reports(outcome.student)
    previous = None if outcome.final else completed_record(folder, digest)
    if previous is not None:
        return Settled(outcome, previous=previous)
    try:
        return Settled(outcome, written=write_files(paths, outcome, digest, notebook_name))
    except Exception as error:  # one student's write never stops the batch
        return Settled(outcome, error=_describe(error))


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


class _Saver:
    """Saves graded students a batch at a time: one gradebook commit, then their markers."""

    def __init__(
        self,
        paths: CoursePaths,
        notebook_name: str,
        gradebook: GradebookWriter,
        result: BatchResult,
        progress: Progress,
    ) -> None:
        self.paths = paths
        self.notebook_name = notebook_name
        self.gradebook = gradebook
        self.result = result
        self.progress = progress
        self.pending: list[tuple[Submission, Written]] = []
        self.since = 0.0

    def due(self) -> bool:
        """Whether the pending students should be saved now (enough of them, or long enough)."""
        waited = time.monotonic() - self.since
        return bool(self.pending) and (len(self.pending) >= BATCH or waited >= SAVE_SECONDS)

    def add(self, submission: Submission, settled: Settled) -> None:
        """A graded student: kept, failed, or waiting for the next save."""
        student = submission.student
        if settled.previous is not None:  # a crash never replaces a finished grading
            self.result.records[student] = settled.previous
            self.result.kept[student] = settled.outcome.problems[0].message
            self.progress.advance(student, "grading failed; previous results kept")
        elif settled.written is None:
            self.fail(student, settled.error or "the files were not written")
        else:
            if not self.pending:
                self.since = time.monotonic()
            self.pending.append((submission, settled.written))

    def fail(self, student: str, why: str) -> None:
        self.result.store_errors[student] = why
        self.progress.advance(student, f"NOT SAVED: {why}")

    def save(self) -> None:
        """Commit the pending students' scores, then write each one's record and marker."""
        batch, self.pending = self.pending, []
        entries = [scores(s, written, self.notebook_name) for s, written in batch]
        failures = self.gradebook.record_batch(entries)
        for submission, written in batch:
            student = submission.student
            if student in failures:
                self.fail(student, failures[student])
                continue
            try:
                record = mark_done(self.paths, written)
            except Exception as error:  # one student's write never stops the batch
                self.fail(student, _describe(error))
                continue
            self.result.records[student] = record
            self.result.graded.append(student)
            self.progress.advance(student, record.status)


@dataclass
class BatchResult:
    """What the batch did: records of every student, who was graded now, who was resumed."""

    records: dict[str, Record] = field(default_factory=dict)
    graded: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    store_errors: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    """Students whose regrading failed, whose earlier results were kept, and why."""


def run_batch(
    paths: CoursePaths,
    execute: Executor,
    jobs: int,
    force: bool = False,
    stream: TextIO | None = None,
) -> BatchResult:
    """Grade every submission of ``paths.assignment`` not already graded (all with ``force``)."""
    with exclusive_run(paths.reports):
        return _run_batch(paths, execute, jobs, force, stream)


def _run_batch(
    paths: CoursePaths,
    execute: Executor,
    jobs: int,
    force: bool,
    stream: TextIO | None,
) -> BatchResult:
    notebook_name = _release_notebook_name(paths)
    course_id = gradebook_course_id(paths.gradebook, paths.assignment)
    sources = instructor_sources(
        paths.gradebook, paths.assignment, notebook_name.removesuffix(".ipynb"), course_id
    )
    reference = load_reference(paths, sources)
    submissions, refused = find_submissions(paths.submitted, paths.assignment)
    result = BatchResult(refused=refused)
    progress = Progress(len(submissions), stream)
    todo: list[tuple[Submission, str]] = []
    for submission in submissions:
        digest = submission.digest(reference.notebook_name)
        done = (
            None if force else completed_record(paths.student_reports(submission.student), digest)
        )
        if done is None:
            todo.append((submission, digest))
        else:
            result.records[submission.student] = done
            result.resumed.append(submission.student)
            progress.advance(submission.student, "already graded")
    if todo:
        _check_executor(execute)
    with (
        GradebookWriter(paths.gradebook, paths.assignment, course_id) as gradebook,
        ThreadPoolExecutor(max_workers=max(1, jobs)) as pool,
    ):
        name = reference.notebook_name

        def grade_and_write(submission: Submission, digest: str) -> Settled:
            outcome = grade_submission(submission, reference, execute)
            return settle(paths, outcome, digest, name)

        futures: dict[Future[Settled], Submission] = {
            pool.submit(grade_and_write, submission, digest): submission
            for submission, digest in todo
        }
        saver = _Saver(paths, name, gradebook, result, progress)
        remaining = set(futures)
        try:
            while remaining:
                finished, remaining = wait(remaining, SAVE_SECONDS, FIRST_COMPLETED)
                for future in finished:
                    submission = futures[future]
                    saver.add(submission, _settled_or_crash(future, submission, paths, name))
                if saver.due() or (saver.pending and not remaining):
                    saver.save()
        except BaseException:  # interrupted: start nothing new, keep what is saved
            for future in futures:
                future.cancel()
            raise
    write_text_atomic(paths.grades_csv, grades_csv(list(result.records.values()), QUESTIONS))
    reports = {student: result.records[student].report for student in sorted(result.records)}
    if reports:
        write_class_summary(reports, paths.summary)
    return result


def _check_executor(execute: Executor) -> None:
    """Run one trivial cell first: a sandbox that cannot run code must not grade anyone."""
    try:
        execution = execute(["sandbox_check = 6 * 7"], ["sandbox_check"], {})
    except Exception as error:
        raise CourseError(f"the sandbox cannot run code here: {error}") from error
    if execution.values.get("sandbox_check") != 42:
        cell = execution.cells[0] if execution.cells else None
        detail = execution.fault or (cell.error if cell else None) or "no value came back"
        raise CourseError(f"the sandbox cannot run code here: {detail}")


def _release_notebook_name(paths: CoursePaths) -> str:
    """The released notebook's file name (``hw4.ipynb``)."""
    found = sorted(paths.release.glob("*.ipynb")) if paths.release.is_dir() else []
    return found[0].name if len(found) == 1 else f"{paths.assignment}.ipynb"


def _settled_or_crash(
    future: Future[Settled], submission: Submission, paths: CoursePaths, name: str
) -> Settled:
    """The settled outcome, or, if grading itself failed, a zero score that says why."""
    try:
        return future.result()
    except Exception as error:
        last = traceback.format_exception_only(type(error), error)[-1].strip()
        variant = make_variant(submission.student)
        report: Report = grade({}, variant.X, variant.y, variant.theta, variant.eta)
        message = f"grading this submission failed ({last}); scored 0 until a rerun succeeds"
        crash = Outcome(
            submission.student, report, [Problem("grader-error", message)], [], final=False
        )
        return settle(paths, crash, submission.digest(name), name)
