"""Grade a class: every submission of an assignment, in parallel, saved a batch at a time.

:func:`grade_class` finds the submissions (nbgrader's ``submitted/<student>/<assignment>/``),
leaves out the students whose exact submission is already graded (unless ``force``),
hands each other notebook to :func:`grade_one.grade_notebook` on a pool of threads (two
per sandbox: one writes while the other's notebook runs) and each result to the
:class:`writer.Writer`. Finished
students are saved a batch at a time, one gradebook commit and then their completion
markers: a run that is interrupted loses nothing it saved, and a rerun resumes. At the end
it writes ``grades.csv`` and the class summary.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from nbformat import NotebookNode

from grader.course import Course, CourseError, exclusive_run
from grader.course.collusion import write_collusion_safely
from grader.course.grade_one import (
    MAX_NOTEBOOK_BYTES,
    Graded,
    Problem,
    Release,
    RunCells,
    grade_notebook,
    grading_failed,
)
from grader.course.lms.record import lms_flags
from grader.course.origin import Origin, check_submitted, inbound_names
from grader.course.trust import Trust
from grader.course.writer import StoredResults, Writer

BATCH = 32
"""Most students whose scores one gradebook commit saves."""
SAVE_SECONDS = 0.5
"""Longest a graded student waits to be saved while others are still being graded."""
THREADS_PER_JOB = 2
"""Grading threads per sandbox: while one thread reads, judges and writes its student,
another's notebook runs, so that no sandbox waits for the parent's work or the disk
(a thread blocks in ``run`` until a sandbox is free)."""
MAX_SUPPORT_FILE_BYTES = 1024 * 1024
PROGRESS_WIDTH = 30


@dataclass
class ClassResult:
    """Every student's result, and who was graded now, resumed, refused, kept or not saved."""

    results: StoredResults
    """Every student's result, read from the grading record on disk when looked up."""
    graded: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Submission folders whose name is not a valid student ID."""
    unsaved: dict[str, str] = field(default_factory=dict)
    """Students whose results could not be saved, and why."""
    kept: dict[str, str] = field(default_factory=dict)
    """Students whose regrading failed, whose earlier results were kept, and why."""
    untrusted: dict[str, str] = field(default_factory=dict)
    """Students whose ``submitted/`` folder was written by another account, and the line
    saying so (nothing was graded or written for them)."""


def grade_class(
    course: Course, run: RunCells, jobs: int, force: bool = False, stream: TextIO | None = None
) -> ClassResult:
    """Grade every submission of ``course.assignment`` not already graded (all with ``force``)."""
    with exclusive_run(course.reports):
        release = load_release(course)
        writer = Writer(course, release.notebook_name)
        students, refused = course.submitters()
        result = ClassResult(StoredResults(course), refused=refused)
        origins = check_origins(course, students, release.notebook_name, writer, result, stream)
        students = [student for student in students if student in origins]
        progress = Progress(len(students), stream)
        todo: list[tuple[str, str]] = []
        for student in students:
            digest = submission_digest(course.submitted(student), release.notebook_name)
            done = None if force else writer.stored(student, digest)
            if done is None:
                todo.append((student, digest))
            else:
                result.results.add(student)
                result.resumed.append(student)
                progress.advance(student, "already graded")
        if todo:
            check_runs_code(run)
        with writer, ThreadPoolExecutor(max_workers=THREADS_PER_JOB * max(1, jobs)) as threads:
            _grade_all(course, release, run, writer, threads, todo, result, progress, origins)
        writer.write_tables(result.results)
        write_collusion_safely(course, result.results, release.cells)
        return result


def _grade_all(
    course: Course,
    release: Release,
    run: RunCells,
    writer: Writer,
    threads: ThreadPoolExecutor,
    todo: list[tuple[str, str]],
    result: ClassResult,
    progress: Progress,
    origins: dict[str, Origin],
) -> None:
    """Grade and write each student in ``threads``; save them a batch at a time."""

    def grade_and_write(student: str, digest: str) -> tuple[Graded, str | None]:
        """The student's result, written; or, when grading failed, the finished grading
        of the same submission with why it was kept (a crash never replaces it)."""
        graded = grade_submission(course, student, release, run, origins.get(student))
        if not graded.final and (previous := writer.stored(student, digest)) is not None:
            return previous, graded.problems[0].message
        writer.write(graded)
        return graded, None

    futures = {threads.submit(grade_and_write, s, digest): (s, digest) for s, digest in todo}
    pending: list[tuple[Graded, str]] = []
    since = 0.0
    remaining = set(futures)
    try:
        while remaining:
            finished, remaining = wait(remaining, SAVE_SECONDS, FIRST_COMPLETED)
            for future in finished:
                student, digest = futures.pop(future)  # its result is freed once saved
                try:
                    graded, kept = future.result()
                except Exception as error:  # one student's write never stops the batch
                    result.unsaved[student] = f"{type(error).__name__}: {error}"
                    progress.advance(student, f"NOT SAVED: {result.unsaved[student]}")
                    continue
                if kept is not None:
                    result.results.add(student)
                    result.kept[student] = kept
                    progress.advance(student, "grading failed; previous results kept")
                    continue
                since = since if pending else time.monotonic()
                pending.append((graded, digest))
            waited = time.monotonic() - since
            if pending and (len(pending) >= BATCH or waited >= SAVE_SECONDS or not remaining):
                _save(writer, pending, result, progress)
                pending = []
    except BaseException:  # interrupted: start nothing new, keep what is saved
        for future in futures:
            future.cancel()
        raise


def _save(
    writer: Writer, batch: list[tuple[Graded, str]], result: ClassResult, progress: Progress
) -> None:
    """One gradebook commit for the batch, then each student's record and marker."""
    failures = writer.save(batch)
    for graded, _ in batch:
        student = graded.student
        if student in failures:
            result.unsaved[student] = failures[student]
            progress.advance(student, f"NOT SAVED: {failures[student]}")
        else:
            result.results.add(student)
            result.graded.append(student)
            progress.advance(student, graded.status)


def grade_submission(
    course: Course, student: str, release: Release, run: RunCells, origin: Origin | None = None
) -> Graded:
    """Grade a student's submission folder (or the one its ``origin`` names, with the
    problems it found); if grading itself fails, a zero that says why (not final: a rerun
    grades again)."""
    folder = origin.folder if origin is not None and origin.folder else course.submitted(student)
    try:
        notebook, name, problems = _submitted_notebook(folder, release.notebook_name)
        problems = [*(origin.problems if origin is not None else ()), *problems]
        graded = grade_notebook(notebook, student, release, run, name=name)
        flagged = (*problems, *graded.problems, *lms_flags(course, student))
        return replace(graded, problems=flagged)
    except Exception as error:
        return grading_failed(student, error, "scored 0 until a rerun succeeds")


def _submitted_notebook(folder: Path, expected: str) -> tuple[bytes | None, str, list[Problem]]:
    """The submitted notebook's bytes (``expected``, else the only notebook there is), its
    name, and what was wrong in finding or reading it."""
    path = folder / expected
    problems: list[Problem] = []
    if not path.is_file():
        found = sorted(p for p in folder.glob("*.ipynb") if p.is_file())
        if not found:
            return None, expected, [Problem("notebook-missing", f"no {expected} in the submission")]
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            message = f"no {expected} but several notebooks ({names}); none graded"
            return None, expected, [Problem("notebook-missing", message)]
        path = found[0]
        message = f"notebook found as {path.name}, not {expected}; graded anyway"
        problems.append(Problem("notebook-renamed", message))
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_NOTEBOOK_BYTES + 1), path.name, problems
    except OSError as error:
        problems.append(Problem("notebook-unreadable", f"cannot read {path.name}: {error}"))
        return None, path.name, problems


def check_origins(
    course: Course,
    students: list[str],
    notebook_name: str,
    writer: Writer,
    result: ClassResult,
    stream: TextIO | None,
) -> dict[str, Origin]:
    """Each student's :class:`origin.Origin`; a refused one is left out, with one line on
    ``stream`` and its earlier results (if any) kept as they are."""
    trust = Trust(course.directories.config)
    inbound = inbound_names(course)
    origins = {}
    for student in students:
        origin = check_submitted(course, student, notebook_name, trust, inbound)
        if origin.refusal is None:
            origins[student] = origin
            continue
        result.untrusted[student] = origin.refusal
        (stream or sys.stderr).write(origin.refusal + "\n")
        if writer.previous(student) is not None:
            result.results.add(student)
    return origins


def submission_digest(folder: Path, expected: str) -> str:
    """A fingerprint of the submitted notebook(s): a rerun regrades only what changed."""
    sha = hashlib.sha256()
    for path in sorted(folder.glob("*.ipynb")):
        if path.is_file():
            sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    sha.update(expected.encode())
    return sha.hexdigest()


def load_release(course: Course) -> Release:
    """``release/<assignment>/`` (one notebook and the small text files beside it) and the
    instructor's sources of its graded cells, as ``generate_assignment`` recorded them."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    folder, assignment = course.release, course.assignment
    if not folder.is_dir():
        raise CourseError(
            f"{folder} does not exist: release the assignment first "
            f"(nbgrader generate_assignment {assignment})"
        )
    notebooks = sorted(folder.glob("*.ipynb"))
    if len(notebooks) != 1:
        raise CourseError(f"{folder} must hold exactly one notebook, not {len(notebooks)}")
    name = notebooks[0].name
    read: Callable[..., NotebookNode] = nbformat.read  # a typed name for mypy --strict
    released = read(notebooks[0], as_version=4)
    files = {}
    for path in sorted(folder.iterdir()):
        small = path.is_file() and path.stat().st_size <= MAX_SUPPORT_FILE_BYTES
        if small and path.suffix != ".ipynb":
            try:
                files[path.name] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # binary files are not passed to the sandbox
    with Gradebook(course.gradebook_url, course.course_id) as gradebook:
        try:
            found = gradebook.find_notebook(name.removesuffix(".ipynb"), assignment)
        except MissingEntry as error:
            raise CourseError(
                f"the gradebook does not know {assignment}/{name}: "
                f"run nbgrader generate_assignment {assignment}"
            ) from error
        sources = {cell.name: str(cell.source) for cell in found.source_cells}
    return Release(name, tuple(released.cells), sources, files)


def check_runs_code(run: RunCells) -> None:
    """Run one trivial cell first: a sandbox that cannot run code must not grade anyone."""
    try:
        result = run(["sandbox_check = 6 * 7"], names=["sandbox_check"], files={})
    except Exception as error:
        raise CourseError(f"the sandbox cannot run code here: {error}") from error
    if result.values().get("sandbox_check") != 42:
        errors = [
            cell.detail or (cell.error_name and f"{cell.error_name}: {cell.error_message}")
            for cell in result.cells[:1]
        ]
        detail = result.problem or "".join(errors) or "no value came back"
        raise CourseError(f"the sandbox cannot run code here: {detail}")


class Progress:
    """A progress bar on stderr: redrawn on a terminal, one plain line per student otherwise."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = self.stream.isatty()
        self.started = time.monotonic()

    def advance(self, student: str, status: str) -> None:
        """One more student finished with ``status``."""
        self.done += 1
        if self.interactive:
            filled = PROGRESS_WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "-" * (PROGRESS_WIDTH - filled)
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            line = f"\r[{bar}] {self.done}/{self.total} {rate:.1f}/s {student[:20]:<20}"
            self.stream.write(line)
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"[{self.done}/{self.total}] {student}: {status}\n")
        self.stream.flush()
