"""The collusion report after a real ``python -m grader grade``, and rebuilt from the records
by ``python -m grader collusion``: planted pairs flagged, grades and feedback untouched."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

from solutions.variant import make_variant
from tests.conftest import Course
from tests.grader.judgment.planted_class import shared_code
from tests.grader.judgment.students import no_relu

from .builders import answer_sources, cell_index, filled, reference_answers, write
from .exchange import make_students, run_serve
from .run_command import environment, grade_rows, run_grade

pytestmark = pytest.mark.slow

HONEST = ("gus", "hal", "ivy")
ANSWER_CELLS = ("answer_q1", "answer_q2", "answer_q4", "answer_q5", "answer_q6")


def _plain(answers: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, bool) else np.asarray(v, dtype=float).tolist()
        for k, v in answers.items()
    }


def _with_code(release: dict[str, Any], student: str, code: str) -> dict[str, Any]:
    """The student's ID, and the whole homework as code in the first answer cell."""
    notebook = filled(release, student)
    for grade_id in ANSWER_CELLS:
        notebook["cells"][cell_index(notebook, grade_id)]["source"] = "pass"
    notebook["cells"][cell_index(notebook, "answer_q1")]["source"] = code
    return notebook


def _run_collusion(course: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "collusion", "hw4", "--course", str(course)],
        cwd=course.parent,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def graded(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("collusion") / "course"
    shutil.copytree(released_course.root, root)
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    rng = random.Random(5)
    cy_mistake = _plain(no_relu(*make_variant("cy")))
    notebooks = {
        "ada": filled(release, "ada"),
        "bo": filled(release, "bo", answers=reference_answers("ada")),
        "cy": filled(release, "cy", answers=cy_mistake),
        "di": filled(release, "di", answers=cy_mistake),
        "eve": _with_code(release, "eve", shared_code(rng)[-1]),
        "fay": _with_code(release, "fay", shared_code(rng)[-1]),
        **{s: filled(release, s) for s in HONEST},
    }
    for student, notebook in notebooks.items():
        write(root, student, notebook)
    result = run_grade(root, "--jobs", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def test_grading_writes_the_report_with_the_planted_pairs_flagged(graded: Path) -> None:
    folder = graded / "reports" / "hw4" / "class-summary"
    rows = _rows(folder / "collusion.csv")
    flagged = {(r["student_a"], r["student_b"]): r["flagged"] for r in rows if r["flagged"]}
    assert flagged == {("ada", "bo"): "answers", ("cy", "di"): "answers", ("eve", "fay"): "code"}
    assert {(r["student_a"], r["student_b"]) for r in rows[:3]} == set(flagged)
    page = (folder / "collusion.html").read_text(encoding="utf-8")
    assert "ada and bo" in page and "No ReLU in the forward pass" in page
    # eve's and fay's code ran: they are right on their own numbers
    scores = grade_rows(graded)
    assert scores["eve"]["score"] == scores["eve"]["max_score"] == scores["ada"]["score"]
    record = json.loads((graded / "reports/hw4/bo/record.json").read_text(encoding="utf-8"))
    assert np.allclose(record["answers"]["theta_new"], reference_answers("ada")["theta_new"])
    assert any("theta_new" in source for source in record["code"])


def test_students_never_see_it(graded: Path) -> None:
    for student in ("bo", "di", "fay"):
        feedback = (graded / "reports/hw4" / student / "feedback.html").read_text(encoding="utf-8")
        assert "collusion" not in feedback.lower()
        for other in ("ada", "cy", "eve"):
            assert not re.search(rf"\b{other}\b", feedback)
        assert not list((graded / "feedback").glob("**/collusion*"))


def test_the_command_rebuilds_both_files_from_the_records(graded: Path) -> None:
    folder = graded / "reports" / "hw4" / "class-summary"
    table = (folder / "collusion.csv").read_text(encoding="utf-8")
    page = (folder / "collusion.html").read_text(encoding="utf-8")
    grades = (graded / "grades.csv").read_text(encoding="utf-8")
    (folder / "collusion.csv").unlink()
    (folder / "collusion.html").unlink()
    result = _run_collusion(graded)
    assert result.returncode == 0, result.stderr
    assert "3 pair(s) flagged" in result.stderr
    assert (folder / "collusion.csv").read_text(encoding="utf-8") == table
    assert (folder / "collusion.html").read_text(encoding="utf-8") == page
    assert (graded / "grades.csv").read_text(encoding="utf-8") == grades


def test_a_broken_record_is_named_and_left_out(graded: Path) -> None:
    broken = graded / "reports/hw4/zed/record.json"
    broken.parent.mkdir()
    broken.write_text('{"student_id": "zed", "report": ', encoding="utf-8")
    result = _run_collusion(graded)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: {broken}: not a grading record (JSONDecodeError); left out"]
    assert "9 student(s) compared, 3 pair(s) flagged" in result.stderr


def test_the_command_names_what_is_missing(tmp_path: Path, graded: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _run_collusion(empty)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no grading record in ")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.exchange
def test_the_service_writes_the_report_where_it_writes_the_class_summary(
    course: Course, tmp_path: Path
) -> None:
    pia, quinn, rex = make_students(course, tmp_path, ["pia", "quinn", "rex"])
    pia.submit()
    quinn.submit(answer_sources(reference_answers("pia")), solved=False)
    rex.submit()
    served = run_serve(course, "--once", "--jobs", "2")
    assert served.returncode == 0, served.stderr[-3000:]
    rows = _rows(course.root / "reports/hw4/class-summary/collusion.csv")
    by_answers = [(r["student_a"], r["student_b"]) for r in rows if "answers" in r["flagged"]]
    assert by_answers == [("pia", "quinn")]
    assert "pia and quinn" in (course.root / "reports/hw4/class-summary/collusion.html").read_text(
        encoding="utf-8"
    )
