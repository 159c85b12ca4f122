"""Grading a class with a stand-in sandbox: resume, retries after a failure, --force, the lock,
refused folders, and the progress display."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from grader import RUBRIC
from grader.course import Course, CourseError, exclusive_run
from grader.course.batch import ClassResult, Progress, grade_class
from grader.course.writer import Writer
from grader.sandbox import Answer, CellResult, SandboxResult
from tests.conftest import Course as CourseCopy

from .builders import filled, reference_answers, write

STUDENT_LINE = re.compile(r"STUDENT_ID = '([^']*)'")


def ran(cells: int, values: Mapping[str, object], *statuses: str) -> SandboxResult:
    """A run of ``cells`` cells (all ``ok`` but the first ones' ``statuses``) giving ``values``."""
    kinds = [*statuses, *["ok"] * (cells - len(statuses))]
    outcomes = tuple(CellResult(i, kind, detail=f"cell {kind}") for i, kind in enumerate(kinds))
    answers = {name: Answer(name, "ok", value) for name, value in values.items()}
    return SandboxResult(outcomes, answers, sandboxed=False, seconds=0.0, problem="")


class StandIn:
    """Answers a student's right values without running anything; fails for chosen students."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.runs: list[str] = []

    def __call__(
        self, cells: Sequence[str], *, names: Sequence[str], files: Mapping[str, str]
    ) -> SandboxResult:
        if list(names) == ["sandbox_check"]:
            return ran(1, {"sandbox_check": 42})
        student = next(m.group(1) for s in cells if (m := STUDENT_LINE.search(s)))
        self.runs.append(student)
        if student in self.failing:
            raise RuntimeError("the sandbox broke")
        values = {**reference_answers(student), "STUDENT_ID": student}
        return ran(len(cells), {n: values[n] for n in names})


@pytest.fixture
def course(released_course: CourseCopy, tmp_path: Path) -> Course:
    root = tmp_path / "course"
    shutil.copytree(released_course.root, root)
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    for student in ("amy", "ben", "cas"):
        write(root, student, filled(release, student))
    return Course.open(root, "hw4")


def batch(course: Course, run: StandIn, force: bool = False) -> ClassResult:
    return grade_class(course, run, jobs=2, force=force, stream=io.StringIO())


def test_a_failure_is_written_but_retried_by_the_next_run(course: Course) -> None:
    first = batch(course, StandIn(failing={"ben"}))
    assert first.results["ben"].status == "grader-error"
    assert first.results["ben"].report.score == 0
    lines = course.grades_csv.read_text().splitlines()
    assert lines[0] == "student_id,score,max_score,q1,q2,q4,q5,q6,status"
    assert [line.split(",")[0] for line in lines[1:]] == ["amy", "ben", "cas"]
    points = [f"{RUBRIC.max_points(q):g}" for q in ("q1", "q2", "q4", "q5", "q6")]
    full = f"{RUBRIC.max_score:g}"
    assert lines[1] == ",".join(["amy", full, full, *points, "ok"])
    assert lines[2] == ",".join(["ben", "0", full, "0", "0", "0", "0", "0", "grader-error"])
    assert not (course.student_reports("ben") / ".complete").exists()

    again = StandIn(failing=set())
    second = batch(course, again)
    assert again.runs == ["ben"]
    assert sorted(second.resumed) == ["amy", "cas"]
    assert second.results["ben"].report.score == RUBRIC.max_score


def test_a_changed_submission_is_regraded_and_force_regrades_all(course: Course) -> None:
    batch(course, StandIn(failing=set()))
    notebook = course.root / "submitted" / "cas" / "hw4" / "hw4.ipynb"
    notebook.write_text(notebook.read_text().replace('"cells"', '"metadata": {}, "cells"', 1))
    rerun = StandIn(failing=set())
    batch(course, rerun)
    assert rerun.runs == ["cas"]
    forced = StandIn(failing=set())
    batch(course, forced, force=True)
    assert sorted(forced.runs) == ["amy", "ben", "cas"]


class FlakyFirstCell(StandIn):
    """The first run times out in the instructor's first cell (a busy machine), then all is
    well. The batch grades in several threads: which run is first is decided under a lock."""

    def __init__(self, failing: set[str]) -> None:
        super().__init__(failing)
        self.lock = threading.Lock()
        self.timed_out: str | None = None

    def __call__(
        self, cells: Sequence[str], *, names: Sequence[str], files: Mapping[str, str]
    ) -> SandboxResult:
        result = super().__call__(cells, names=names, files=files)
        with self.lock:
            first = self.timed_out is None and list(names) != ["sandbox_check"]
            if first:
                self.timed_out = next(m.group(1) for s in cells if (m := STUDENT_LINE.search(s)))
        if first:
            return ran(len(cells), {}, "timeout", *["skipped"] * (len(cells) - 1))
        return result


def test_a_timeout_in_a_locked_cell_is_retried_before_anything_is_skipped(
    course: Course,
) -> None:
    run = FlakyFirstCell(failing=set())
    grade_class(course, run, jobs=1, stream=io.StringIO())
    student = run.timed_out
    assert student is not None
    record = json.loads((course.student_reports(student) / "record.json").read_text())
    assert record["status"] == "ok"
    assert record["report"]["questions"]["q1"]["points"] == RUBRIC.max_points("q1")
    assert run.runs.count(student) == 2


def test_a_second_run_at_the_same_time_is_refused(course: Course) -> None:
    holder = r"python -m grader grade \(process \d+\) is working in .*: wait for it to finish"
    with exclusive_run(course.reports), pytest.raises(CourseError, match=holder):
        batch(course, StandIn(failing=set()))
    assert not course.grades_csv.exists()


def test_a_forced_regrade_that_fails_keeps_the_finished_results(course: Course) -> None:
    batch(course, StandIn(failing=set()))
    before = (course.student_reports("amy") / "record.json").read_bytes()
    result = batch(course, StandIn(failing={"amy"}), force=True)
    assert "amy" in result.kept
    assert result.results["amy"].report.score == RUBRIC.max_score
    assert (course.student_reports("amy") / "record.json").read_bytes() == before
    assert (course.student_reports("amy") / ".complete").is_file()


def test_a_sandbox_that_cannot_run_code_grades_nobody(course: Course) -> None:
    def broken(
        cells: Sequence[str], *, names: Sequence[str], files: Mapping[str, str]
    ) -> SandboxResult:
        return replace(ran(1, {}, "killed"), problem="no start")

    with pytest.raises(CourseError, match="cannot run code here: no start"):
        grade_class(course, broken, jobs=1, stream=io.StringIO())
    assert not course.grades_csv.exists()
    assert list(course.reports.glob("*/record.json")) == []


def test_a_folder_that_is_no_student_id_is_refused(course: Course) -> None:
    release = json.loads(nbformat.writes(nbformat.read(course.release / "hw4.ipynb", 4)))
    write(course.root, "not an id", filled(release, "not an id"))
    result = batch(course, StandIn(failing=set()))
    assert result.refused == ["not an id"]
    assert sorted(result.results) == ["amy", "ben", "cas"]
    assert not course.student_reports("not an id").exists()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_plain_stream_is_one_line_per_student() -> None:
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.advance("amy", "ok")
    progress.advance("ben", "notebook-empty")
    assert stream.getvalue() == "[1/2] amy: ok\n[2/2] ben: notebook-empty\n"


def test_progress_on_a_terminal_is_a_bar_redrawn_in_place() -> None:
    stream = Terminal()
    progress = Progress(4, stream)
    for student in ("a", "b", "c", "d"):
        progress.advance(student, "ok")
    text = stream.getvalue()
    assert text.count("\r") == 4
    assert text.endswith("\n")
    assert "\n" not in text[:-1]
    last = text.rsplit("\r", 1)[1]
    assert last.startswith("[" + "#" * 30 + "] 4/4")


def test_the_tables_are_written_from_the_records_on_disk(course: Course) -> None:
    result = batch(course, StandIn(failing=set()))
    record_path = course.student_reports("ben") / "record.json"
    record = json.loads(record_path.read_text())
    record["report"]["questions"]["q1"]["points"] = 0.25  # the record, not a copy in memory
    record_path.write_text(json.dumps(record))
    assert result.results["ben"].report.questions["q1"].points == 0.25
    Writer(course, "hw4.ipynb").write_tables(result.results)
    rows = {row["student_id"]: row for row in csv.DictReader(course.grades_csv.open())}
    assert rows["ben"]["q1"] == "0.25" and rows["amy"]["q1"] == f"{RUBRIC.max_points('q1'):g}"
    assert sorted(rows) == ["amy", "ben", "cas"]
    assert "ben" in (course.summary / "summary.html").read_text()


def test_a_record_that_cannot_be_read_is_left_out_of_the_tables(course: Course) -> None:
    result = batch(course, StandIn(failing=set()))
    (course.student_reports("cas") / "record.json").write_text("{torn")
    with pytest.raises(KeyError, match="cas"):
        result.results["cas"]
    Writer(course, "hw4.ipynb").write_tables(result.results)
    rows = list(csv.DictReader(course.grades_csv.open()))
    assert [row["student_id"] for row in rows] == ["amy", "ben"]
