"""Grade one submission: read, align, run in the sandbox, judge outside it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nbformat import NotebookNode

from grader import Report, grade
from grader.batch.execution import CellRun, Execution, Executor
from grader.batch.locked_cells import Aligned, align, is_locked_cell
from grader.batch.notebook_read import read_submission
from grader.batch.problems import Problem
from grader.batch.reference import Reference
from grader.batch.submission import Submission
from grader.judgment.rubric import ANSWER_NAMES, STUDENT_ID_NAME
from solutions.variant import make_variant

MAX_RETRIES = 2


@dataclass
class Outcome:
    """Everything graded for one student, before anything is written."""

    student: str
    report: Report
    problems: list[Problem]
    cells: list[NotebookNode]
    runs: dict[int, CellRun] = field(default_factory=dict)
    notebook_student_id: str | None = None
    final: bool = True
    """False when grading itself failed: the results are written, but a rerun retries."""


def grade_submission(submission: Submission, reference: Reference, execute: Executor) -> Outcome:
    """Grade ``submission``; faults become problems in the outcome, never exceptions."""
    path, problems = submission.notebook(reference.notebook_name)
    notebook = None
    if path is not None:
        read = read_submission(path)
        problems += read.problems
        notebook = read.notebook
    if notebook is None:
        problems.append(Problem("not-run", "nothing could be run: every answer scores 0"))
        aligned = align([], reference.release_cells, reference.sources)
        aligned.problems = []
        return _judge(submission.student, {}, aligned, None, problems, None)
    aligned = align(list(notebook.cells), reference.release_cells, reference.sources)
    problems += aligned.problems
    execution, _ = _run_salvaging(aligned, reference, execute, problems)
    values = {k: v for k, v in execution.values.items() if k in ANSWER_NAMES}
    missing = [name for name in ANSWER_NAMES if name not in values]
    if missing:
        reasons = [
            f"{n} ({execution.value_errors[n]})" if n in execution.value_errors else n
            for n in missing
        ]
        problems.append(Problem("answers-missing", "no value for " + ", ".join(reasons)))
    notebook_id = execution.values.get(STUDENT_ID_NAME)
    _check_student_id(submission.student, notebook_id, problems)
    return _judge(submission.student, values, aligned, execution, problems, notebook_id)


def _run_salvaging(
    aligned: Aligned, reference: Reference, execute: Executor, problems: list[Problem]
) -> tuple[Execution, set[int]]:
    """Run the code cells; if one kills the run, run again without it to score the rest."""
    code = aligned.code_to_run()
    where = {id(cell): position + 1 for position, cell in enumerate(aligned.cells)}
    number = [where[id(cell)] for cell in code]
    skipped: set[int] = set()
    execution = execute([c.source for c in code], _names(), reference.support_files)
    if any(is_locked_cell(code[i]) for i in execution.failed_cells()):
        # The instructor's own cell timed out or died: most likely a busy machine, so
        # run once more before blaming (and skipping) anything.
        execution = execute([c.source for c in code], _names(), reference.support_files)
    for _ in range(MAX_RETRIES):
        failed = [i for i in execution.failed_cells() if i not in skipped]
        if not failed or all(name in execution.values for name in ANSWER_NAMES):
            break
        for index in failed:
            run = execution.cells[index]
            problems.append(
                Problem(
                    f"cell-{run.status}",
                    f"cell {number[index]} ({run.error or run.status}) was skipped "
                    "to grade the other answers",
                )
            )
        skipped.update(failed)
        first_run = execution
        sources = ["" if i in skipped else c.source for i, c in enumerate(code)]
        execution = execute(sources, _names(), reference.support_files)
        for index in skipped:
            execution.cells[index] = first_run.cells[index]
    remaining = [i for i in execution.failed_cells() if i not in skipped]
    for index in remaining:
        run = execution.cells[index]
        problems.append(
            Problem(f"cell-{run.status}", f"cell {number[index]}: {run.error or run.status}")
        )
    if execution.fault and not remaining:
        problems.append(Problem("sandbox-fault", execution.fault))
    return execution, skipped


def _names() -> list[str]:
    return [*ANSWER_NAMES, STUDENT_ID_NAME]


def _check_student_id(student: str, notebook_id: Any, problems: list[Problem]) -> None:
    """The folder name is the ID that counts; say so when the notebook disagrees."""
    if notebook_id is None:
        return
    if not isinstance(notebook_id, str) or notebook_id.strip() != student:
        problems.append(
            Problem(
                "student-id-mismatch",
                f"the notebook sets STUDENT_ID = {notebook_id!r} but the submission is "
                f"{student!r}'s: graded with {student!r}'s numbers",
            )
        )


def _judge(
    student: str,
    values: dict[str, Any],
    aligned: Aligned,
    execution: Execution | None,
    problems: list[Problem],
    notebook_id: Any,
) -> Outcome:
    """The verdict, computed here against the student's own variant, never in the sandbox."""
    variant = make_variant(student)
    report = grade(values, variant.X, variant.y, variant.theta, variant.eta)
    runs: dict[int, CellRun] = {}
    if execution is not None:
        to_run = {id(c) for c in aligned.code_to_run()}
        code_positions = [i for i, c in enumerate(aligned.cells) if id(c) in to_run]
        runs = dict(zip(code_positions, execution.cells, strict=False))
    shown_id = notebook_id if isinstance(notebook_id, str) else None
    return Outcome(student, report, problems, aligned.cells, runs, shown_id)


def question_of(test_grade_id: str) -> str:
    """``test_q4`` → ``q4``."""
    return test_grade_id.removeprefix("test_")
