"""The batch's orchestration with a stand-in executor: resume, retries after a failure, --force."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import nbformat
import pytest

from grader import RUBRIC
from grader.batch.course import CourseError, CoursePaths
from grader.batch.execution import CellRun, Execution
from grader.batch.lock import exclusive_run
from grader.batch.runner import BatchResult, run_batch
from tests.conftest import Course

from .builders import filled, reference_answers, write

STUDENT_LINE = re.compile(r"STUDENT_ID = '([^']*)'")


class StandIn:
    """Answers a student's right values without running anything; fails for chosen students."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.runs: list[str] = []

    def __call__(
        self, sources: Sequence[str], names: Sequence[str], files: Mapping[str, bytes]
    ) -> Execution:
        if list(names) == ["sandbox_check"]:
            return Execution([CellRun()], {"sandbox_check": 42})
        student = next(m.group(1) for s in sources if (m := STUDENT_LINE.search(s)))
        self.runs.append(student)
        if student in self.failing:
            raise RuntimeError("the sandbox broke")
        values = {**reference_answers(student), "STUDENT_ID": student}
        return Execution([CellRun() for _ in sources], {n: values[n] for n in names})


@pytest.fixture
def paths(released_course: Course, tmp_path: Path) -> CoursePaths:
    root = tmp_path / "course"
    shutil.copytree(released_course.root, root)
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    for student in ("amy", "ben", "cas"):
        write(root, student, filled(release, student))
    return CoursePaths(root, "hw4")


def batch(paths: CoursePaths, executor: StandIn, force: bool = False) -> BatchResult:
    return run_batch(paths, executor, jobs=2, force=force, stream=io.StringIO())


def test_a_failure_is_written_but_retried_by_the_next_run(paths: CoursePaths) -> None:
    first = batch(paths, StandIn(failing={"ben"}))
    assert first.records["ben"].status == "grader-error"
    assert first.records["ben"].report.score == 0
    lines = paths.grades_csv.read_text().splitlines()
    assert lines[0] == "student_id,score,max_score,q1,q2,q4,q5,q6,status"
    assert [line.split(",")[0] for line in lines[1:]] == ["amy", "ben", "cas"]
    points = [f"{RUBRIC.max_points(q):g}" for q in ("q1", "q2", "q4", "q5", "q6")]
    full = f"{RUBRIC.max_score:g}"
    assert lines[1] == ",".join(["amy", full, full, *points, "ok"])
    assert lines[2] == ",".join(["ben", "0", full, "0", "0", "0", "0", "0", "grader-error"])
    assert not (paths.student_reports("ben") / ".complete").exists()

    again = StandIn(failing=set())
    second = batch(paths, again)
    assert again.runs == ["ben"]
    assert sorted(second.resumed) == ["amy", "cas"]
    assert second.records["ben"].report.score == RUBRIC.max_score


def test_a_changed_submission_is_regraded_and_force_regrades_all(paths: CoursePaths) -> None:
    batch(paths, StandIn(failing=set()))
    notebook = paths.submitted / "cas" / "hw4" / "hw4.ipynb"
    notebook.write_text(notebook.read_text().replace('"cells"', '"metadata": {}, "cells"', 1))
    rerun = StandIn(failing=set())
    batch(paths, rerun)
    assert rerun.runs == ["cas"]
    forced = StandIn(failing=set())
    batch(paths, forced, force=True)
    assert sorted(forced.runs) == ["amy", "ben", "cas"]


class FlakyFirstCell(StandIn):
    """The first run times out in the instructor's first cell (a busy machine), then all is well."""

    def __call__(
        self, sources: Sequence[str], names: Sequence[str], files: Mapping[str, bytes]
    ) -> Execution:
        result = super().__call__(sources, names, files)
        if len(self.runs) == 1:
            cells = [CellRun(status="timeout", error="cell time limit")]
            cells += [CellRun(status="skipped") for _ in sources[1:]]
            return Execution(cells, {})
        return result


def test_a_timeout_in_a_locked_cell_is_retried_before_anything_is_skipped(
    paths: CoursePaths,
) -> None:
    executor = FlakyFirstCell(failing=set())
    run_batch(CoursePaths(paths.root, "hw4"), lambda *a: executor(*a), jobs=1, stream=io.StringIO())
    record = json.loads((paths.student_reports("amy") / "record.json").read_text())
    assert record["status"] == "ok"
    assert record["report"]["questions"]["q1"]["points"] == RUBRIC.max_points("q1")
    assert executor.runs[:2] == ["amy", "amy"]


def test_a_second_run_at_the_same_time_is_refused(paths: CoursePaths) -> None:
    with exclusive_run(paths.reports), pytest.raises(CourseError, match="another grading run"):
        batch(paths, StandIn(failing=set()))
    assert not paths.grades_csv.exists()


def test_a_forced_regrade_that_fails_keeps_the_finished_results(paths: CoursePaths) -> None:
    batch(paths, StandIn(failing=set()))
    before = (paths.student_reports("amy") / "record.json").read_bytes()
    result = batch(paths, StandIn(failing={"amy"}), force=True)
    assert "amy" in result.kept
    assert result.records["amy"].report.score == RUBRIC.max_score
    assert (paths.student_reports("amy") / "record.json").read_bytes() == before
    assert (paths.student_reports("amy") / ".complete").is_file()


def test_a_sandbox_that_cannot_run_code_grades_nobody(paths: CoursePaths) -> None:
    def broken(
        sources: Sequence[str], names: Sequence[str], files: Mapping[str, bytes]
    ) -> Execution:
        return Execution([CellRun(status="killed", error="could not start")], {}, {}, "no start")

    with pytest.raises(CourseError, match="cannot run code here: no start"):
        run_batch(paths, broken, jobs=1, stream=io.StringIO())
    assert not paths.grades_csv.exists()
    assert list(paths.reports.glob("*/record.json")) == []
