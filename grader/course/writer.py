"""The one writer of graded submissions: nbgrader's files, the student's reports, the tables.

A student's results are written in two steps, so that no crash or kill ever leaves a
student marked finished whose scores are not in the gradebook:

1. :meth:`Writer.write`, in any thread: the completion marker withdrawn, then the executed
   notebook in ``autograded/`` (with the submission's other files, as ``nbgrader
   autograde`` copies them), the feedback page and Gradescope's ``results.json``;
2. :meth:`Writer.save`, in one thread: several students' scores in one gradebook
   transaction, then each one's grading record and, last, the completion marker.

:meth:`Writer.stored` reads a finished student back; :meth:`Writer.write_tables` writes
``grades.csv`` and the class summary, one student at a time (from :class:`StoredResults`,
the records on disk, for a batch: its memory does not grow with the class). Every file
is written atomically, and a batch's files are synced to the disk together, once, before
any of its markers is written.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4.rwbase import split_lines, strip_transient

from grader import RUBRIC, render_feedback_html
from grader.course import Course
from grader.course.grade_one import Graded, grade_id
from grader.judgment.summary import ClassTally

RECORD_NAME = "record.json"
MARKER_NAME = ".complete"
MAX_COPIED_BYTES = 10 * 1024 * 1024
"""Largest submitted file copied into ``autograded/`` besides the notebook."""
QUESTIONS = tuple(question.key for question in RUBRIC.questions)
_from_dict: Callable[[Any], Any] = nbformat.from_dict  # typed names for mypy --strict
_split_lines: Callable[[Any], Any] = split_lines
_strip_transient: Callable[[Any], Any] = strip_transient


class Writer:
    """Writes one assignment's results; open (``with``) it to save scores in the gradebook."""

    def __init__(self, course: Course, notebook_name: str) -> None:
        self.course = course
        self.notebook_name = notebook_name
        self.gradebook: Any = None

    def __enter__(self) -> Writer:
        from nbgrader.api import Gradebook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
            self.gradebook = Gradebook(self.course.gradebook_url, self.course.course_id)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.gradebook.close()

    def stored(self, student: str, digest: str) -> Graded | None:
        """The stored result if grading this exact submission (``digest``) finished."""
        folder = self.course.student_reports(student)
        try:
            if (folder / MARKER_NAME).read_text(encoding="utf-8").strip() != digest:
                return None
            return Graded.from_record((folder / RECORD_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def previous(self, student: str) -> Graded | None:
        """The student's stored result, whatever it graded (None if there is none)."""
        try:
            path = self.course.student_reports(student) / RECORD_NAME
            return Graded.from_record(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, graded: Graded) -> None:
        """Withdraw the marker, then write the student's own files (safe in any thread)."""
        student, course = graded.student, self.course
        folder = course.student_reports(student)
        (folder / MARKER_NAME).unlink(missing_ok=True)
        autograded = course.autograded(student)
        _copy_submission_files(course.submitted(student), autograded)
        if graded.notebook is not None:
            write_atomic(
                autograded / self.notebook_name, notebook_json(graded.notebook), durable=False
            )
        problems = [problem.message for problem in graded.problems]
        write_atomic(
            folder / "feedback.html",
            render_feedback_html(graded.report, student, problems),
            durable=False,
        )
        write_atomic(folder / "results.json", results_json(graded), durable=False)

    def save(self, batch: Sequence[tuple[Graded, str]]) -> dict[str, str]:
        """Commit the scores of written students (with their digests) in one transaction,
        then write each one's record and, if final, marker; ``{student: why}`` for failures.

        nbgrader's API commits after each call (several commits per student, each a disk
        sync); here they only flush, and one real commit ends the batch. If anything fails,
        the batch is rolled back and written again one student at a time, so that one bad
        student never costs the others their scores.
        """
        session = self.gradebook.db
        real_commit = session.commit
        failures: dict[str, str] = {}
        try:
            session.commit = session.flush
            for graded, _ in batch:
                self._record_scores(graded)
            real_commit()
        except Exception:
            session.rollback()
            for graded, _ in batch:
                try:
                    self._record_scores(graded)
                    real_commit()
                except Exception as error:
                    session.rollback()
                    failures[graded.student] = _describe(error)
        finally:
            del session.commit  # nbgrader's own commit again
        make_durable()  # the files of write() on disk before any marker vouches for them
        for graded, digest in batch:
            if graded.student in failures:
                continue
            folder = self.course.student_reports(graded.student)
            try:
                write_atomic(folder / RECORD_NAME, graded.record(digest), durable=False)
                if graded.final:  # a marker lost with the power costs a regrading, no more
                    write_atomic(folder / MARKER_NAME, digest + "\n", durable=False)
            except Exception as error:  # one student's write never stops the batch
                failures[graded.student] = _describe(error)
        return failures

    def _record_scores(self, graded: Graded) -> None:
        """A student's automatic scores and comments, as ``nbgrader autograde`` records them
        (its ``SaveAutoGrades``): a test cell's points are its result, an answer cell left as
        released scores 0, an edited one awaits a person. Manual scores given are kept."""
        from nbgrader.utils import compute_checksum, determine_grade, is_grade, is_solution

        gradebook, assignment, student = self.gradebook, self.course.assignment, graded.student
        cells = graded.notebook.cells if graded.notebook is not None else []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy warnings
            gradebook.update_or_create_student(student)
            timestamp = _timestamp(self.course.submitted(student))
            extra = {"timestamp": timestamp} if timestamp else {}
            submission = gradebook.update_or_create_submission(assignment, student, **extra)
            notebook_id = self.notebook_name.removesuffix(".ipynb")
            notebook = gradebook.find_submission_notebook(notebook_id, assignment, student)
            grades, comments = _grades_and_comments(gradebook.db, notebook.id)
            for cell in cells:
                name = grade_id(cell)
                if is_grade(cell) and name in grades:
                    grade = grades[name]
                    grade.auto_score = determine_grade(cell)[0]
                    grade.needs_manual_grade = (
                        grade.manual_score is not None or grade.auto_score is None
                    )
                if is_solution(cell) and name in comments:
                    unchanged = cell.metadata.nbgrader.get("checksum") == compute_checksum(cell)
                    comments[name].auto_comment = "No response." if unchanged else None
            gradebook.db.flush()
            self._late_penalty(student, submission, notebook)

    def _late_penalty(self, student: str, submission: Any, notebook: Any) -> None:
        """The late penalty of the course's late-submission plugin (nbgrader's
        ``AssignLatePenalties.plugin_class``; its default gives none), set as autograde sets it."""
        from nbgrader.preprocessors import AssignLatePenalties

        session = self.gradebook.db
        # the lateness as the database has it (only the columns it needs: a whole refresh
        # computes every score of the submission)
        session.refresh(submission, attribute_names=["timestamp", "extension"])
        notebook.late_submission_penalty = None
        late = float(submission.total_seconds_late or 0)
        if late > 0:
            session.refresh(notebook)  # the score is computed by the database
            assigner = AssignLatePenalties(config=self.course.directories.config)
            assigner.init_plugin()
            penalty = assigner.plugin_inst.late_submission_penalty(student, notebook.score, late)
            if penalty is not None:
                notebook.late_submission_penalty = min(max(float(penalty), 0.0), notebook.score)
        session.flush()

    def write_tables(self, results: Mapping[str, Graded]) -> None:
        """``grades.csv`` and, if anyone was graded, the class summary, from one student
        at a time (with :class:`StoredResults`, read from their records on disk)."""
        buffer, tally = io.StringIO(), ClassTally()
        table = _table(buffer)
        for student in sorted(results):
            try:
                graded = results[student]
            except KeyError:
                continue  # a record that cannot be read: the student is graded again next run
            table.writerow(_row(graded))
            tally.add(student, graded.report)
        write_atomic(self.course.grades_csv, buffer.getvalue())
        if tally.scores:
            tally.write(self.course.summary)


class StoredResults(Mapping[str, Graded]):
    """Finished students' results, each read from its grading record on disk when asked
    for: a class costs memory for its students' names only."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.students: set[str] = set()

    def add(self, student: str) -> None:
        """``student``'s record (just written, or found finished) is now one of the results."""
        self.students.add(student)

    def __getitem__(self, student: str) -> Graded:
        if student not in self.students:
            raise KeyError(student)
        path = self.course.student_reports(student) / RECORD_NAME
        try:
            return Graded.from_record(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise KeyError(f"{student}: cannot read {path}: {error}") from error

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.students))

    def __len__(self) -> int:
        return len(self.students)


def grades_csv(results: Iterable[Graded]) -> str:
    """One row per student (sorted by ID), one column per question, and the status."""
    buffer = io.StringIO()
    table = _table(buffer)
    for graded in sorted(results, key=lambda g: g.student):
        table.writerow(_row(graded))
    return buffer.getvalue()


def _table(buffer: io.StringIO) -> Any:
    """A CSV writer into ``buffer``, its header written."""
    table = csv.writer(buffer, lineterminator="\n")
    table.writerow(["student_id", "score", "max_score", *QUESTIONS, "status"])
    return table


def _row(graded: Graded) -> list[str]:
    """A student's row of ``grades.csv``."""
    report = graded.report
    points = [
        _number(report.questions[q].points) if q in report.questions else "" for q in QUESTIONS
    ]
    return [
        graded.student,
        _number(report.score),
        _number(report.max_score),
        *points,
        graded.status,
    ]


def notebook_json(notebook: Any) -> str:
    """The notebook file's text, exactly as ``nbformat.writes`` makes it, without its
    ``copy.deepcopy`` and its schema validation (the notebook is built valid by
    :func:`grade_one.executed_notebook`); ``notebook`` is left as it was."""
    data = _strip_transient(_split_lines(_from_dict(notebook)))
    return json.dumps(data, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)


def results_json(graded: Graded) -> str:
    """Gradescope's autograder ``results.json``: a score, a test per question, the problems."""
    tests: list[dict[str, Any]] = []
    for key in sorted(graded.report.questions):
        result = graded.report.questions[key]
        tests.append(
            {
                "name": key.upper(),
                "score": float(result.points),
                "max_score": float(result.max_points),
                "status": "passed" if result.points >= result.max_points else "failed",
                "output": str(result.feedback),
                "tags": list(result.tags),
            }
        )
    notes = "\n".join(problem.message for problem in graded.problems)
    data = {
        "score": float(graded.report.score),
        "max_score": float(graded.report.max_score),
        "output": notes or "Submission read and run without problems.",
        "tests": tests,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "status": graded.status,
            "problems": [p.to_dict() for p in graded.problems],
        },
    }
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomic(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Write ``data`` (text as UTF-8) through a temporary file and a rename: a reader sees
    the old file or the new one, never a torn one. ``durable``: synced to the disk before
    it returns (else :func:`make_durable` later syncs a whole batch of files at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    if durable:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself made durable
        finally:
            os.close(directory)


def make_durable() -> None:
    """Everything written so far on disk: one sync for a batch instead of two per file."""
    os.sync()


def _copy_submission_files(submitted: Path, autograded: Path) -> None:
    """The submission's other files beside the autograded notebook, as ``nbgrader autograde``
    copies them: ``timestamp.txt`` and ``submission_secret.txt`` (by which
    ``release_feedback`` and the student's ``fetch_feedback`` find the feedback) and any
    support file. Notebooks, links, folders and files over ``MAX_COPIED_BYTES`` are not copied.
    """
    autograded.mkdir(parents=True, exist_ok=True)
    for entry in sorted(submitted.iterdir()) if submitted.is_dir() else []:
        if entry.suffix == ".ipynb" or not entry.is_file() or entry.is_symlink():
            continue
        if entry.stat().st_size > MAX_COPIED_BYTES:
            continue
        write_atomic(autograded / entry.name, entry.read_bytes(), durable=False)


def _grades_and_comments(session: Any, notebook_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A submitted notebook's grades and comments by cell name, in two queries (the ORM's
    ``notebook.grades`` and each one's ``name`` would load every row and cell one by one)."""
    from nbgrader.api import BaseCell, Comment, Grade

    found = []
    for kind in (Grade, Comment):
        rows = (
            session.query(BaseCell.name, kind)
            .join(kind, kind.cell_id == BaseCell.id)
            .filter(kind.notebook_id == notebook_id)
        )
        found.append({str(name): row for name, row in rows})
    return found[0], found[1]


def _timestamp(submitted: Path) -> str | None:
    """nbgrader's ``timestamp.txt`` of a submission, if it has one nbgrader can read."""
    from nbgrader.utils import parse_utc

    try:
        text = (submitted / "timestamp.txt").read_text(encoding="utf-8", errors="replace").strip()
        parse_utc(text)
    except (OSError, ValueError, TypeError, OverflowError):
        return None
    return text or None


def _number(value: float) -> str:
    """Scores as short, stable text: 2 → '2', 1.5 → '1.5'."""
    return f"{round(float(value), 6):g}"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"
