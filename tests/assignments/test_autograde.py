"""The nbgrader round trip on submissions built here: validate, autograde, feedback, export.

Expected points come from the rubric (``grader.RUBRIC``: points per answer variable,
split evenly over its components, tolerances, the error-carried-forward penalty)
and from the mistakes each submission was built with, compared against the
reference package ``solutions``.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from nbgrader.api import Gradebook

import solutions
from grader import RUBRIC
from solutions.variant import make_variant
from tests.course import Course

pytestmark = pytest.mark.slow

QUESTIONS = ("q1", "q2", "q4", "q5", "q6")
MANUAL = {"answer_q3": 5.0, "answer_q7": 3.0}
CORRECT = ("alice", "bob", "s123456")
BLANK = "blank"
WRONG = "erin"
COPYCAT = "dave"  # submits the seed's numbers (notebook STUDENT_ID = "")

ALL_STUDENTS = (*CORRECT, BLANK, WRONG, COPYCAT)


def reference(student_id: str) -> dict[str, Any]:
    """The expected answers of a variant, from the reference package."""
    v = make_variant(student_id)
    return solutions.answers(v.theta, v.X, v.y, v.eta)


def wrong_answers(course: Course) -> dict[str, str]:
    """Erin's cells: ŷ of sample 2 off by 0.5, 𝓛 summed, θ′ with the wrong sign.

    Her submission also ships a ``grader`` package that would give 1 point per cell.
    """
    source = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in course.notebook("source").cells
        if "grade_id" in cell.metadata.get("nbgrader", {})
    }
    return {
        "answer_q1": source["answer_q1"] + "\ny_hat = y_hat + np.array([0.0, 0.5])",
        "answer_q2": source["answer_q2"] + "\nloss = float(np.sum((predict(theta, X) - y) ** 2))",
        "answer_q5": "theta_new = theta + eta * grad",
        "answer_q6": "loss_new = mean_squared_error(theta - eta * grad, X, y)\n"
        "loss_decreased = True",
    }


@pytest.fixture(scope="module")
def round_trip(
    released_course: Course, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Course, dict[str, str]]:
    """One autograde run over every kind of submission, then feedback and export.

    ``nbgrader validate`` of the source and ``validate --invert`` of the release run
    beside the autograde (they share no files); their outputs come back by name.
    nbgrader's exchange (release, fetch, submit, collect) is tested in
    tests/grader/course/test_feedback_chain.py, on the way to the student's feedback.
    """
    root = tmp_path_factory.mktemp("graded") / "course"
    shutil.copytree(released_course.root, root)
    course = Course(root)
    for student in CORRECT:
        course.submit(student)
    course.submit(BLANK, solved=False)
    shadow = course.submit(WRONG, answers=wrong_answers(course)) / "grader"
    (shadow / "course").mkdir(parents=True)  # a grader of Erin's own, which must not grade her
    (shadow / "__init__.py").write_text("")
    (shadow / "course" / "__init__.py").write_text("")
    fake = "def grade_question(question, namespace):\n    return 1.0\n"
    (shadow / "course" / "nbgrader_tests.py").write_text(fake)
    course.submit(COPYCAT, notebook_student_id="")
    _, source, release = course.run_concurrently(
        ["autograde", "hw4"],
        ["validate", str(Path("source", "hw4", "hw4.ipynb"))],
        ["validate", "--invert", str(Path("release", "hw4", "hw4.ipynb"))],
    )
    course.run_concurrently(["generate_feedback", "hw4"], ["export"])
    return course, {"source": source.stdout, "release": release.stdout}


@pytest.fixture(scope="module")
def graded(round_trip: tuple[Course, dict[str, str]]) -> Course:
    return round_trip[0]


def test_source_notebook_passes_validation(round_trip: tuple[Course, dict[str, str]]) -> None:
    assert "Success! Your notebook passes all the tests." in round_trip[1]["source"]


def test_release_notebook_fails_every_test(round_trip: tuple[Course, dict[str, str]]) -> None:
    assert "Success! The notebook does not pass any tests." in round_trip[1]["release"]


def cell_points(course: Course, student: str) -> dict[str, tuple[float, float, bool]]:
    """(score, max score, needs manual grade) of a student's graded cells, from the gradebook."""
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course.course_id) as gradebook:
        submission = gradebook.find_submission_notebook("hw4", "hw4", student)
        return {
            grade.name: (float(grade.score), float(grade.max_score), grade.needs_manual_grade)
            for grade in submission.grades
        }


def test_notebook_points_are_the_rubric(graded: Course) -> None:
    points = cell_points(graded, CORRECT[0])
    for question in QUESTIONS:
        assert points[f"test_{question}"][1] == RUBRIC.max_points(question)
    for cell, max_points in MANUAL.items():
        assert points[cell][1] == max_points


@pytest.mark.parametrize("student", CORRECT)
def test_correct_answers_get_every_point(graded: Course, student: str) -> None:
    points = cell_points(graded, student)
    for question in QUESTIONS:
        full = RUBRIC.max_points(question)
        assert points[f"test_{question}"] == (full, full, False), question
    for cell in MANUAL:
        assert points[cell][2]  # waits for a human grader


def test_blank_release_gets_nothing(graded: Course) -> None:
    points = cell_points(graded, BLANK)
    for question in QUESTIONS:
        assert points[f"test_{question}"] == (0, RUBRIC.max_points(question), False), question
    for cell, max_points in MANUAL.items():
        assert points[cell] == (0, max_points, False)  # unchanged answer: zero, nothing to grade


def components_within(student: Any, expected: Any, name: str) -> int:
    """How many components of an answer are right within the rubric's tolerance."""
    quantity = RUBRIC.quantity(name)
    student, expected = np.atleast_1d(student), np.atleast_1d(expected)
    return int(
        np.sum(np.abs(student - expected) <= quantity.atol + quantity.rtol * np.abs(expected))
    )


def share(name: str, expected: Any) -> float:
    """Points of one component of an answer variable."""
    return RUBRIC.quantity(name).points / np.size(expected)


def test_wrong_answers_lose_their_points(graded: Course) -> None:
    ref = reference(WRONG)
    wrong_theta_new = make_variant(WRONG).theta + make_variant(WRONG).eta * ref["grad"]
    unchanged = components_within(wrong_theta_new, ref["theta_new"], "theta_new")
    v = make_variant(WRONG)
    first_is_active = solutions.forward(v.theta, v.X).z[0] > 0
    expected = {
        # sample 1's prediction is right; if the hidden unit is off there, it is w4, a number
        # anyone can write without working, which earns nothing beside the wrong one
        "q1": share("y_hat", ref["y_hat"]) if first_is_active else 0.0,
        "q2": 0.0,  # the sum is not the mean
        "q4": RUBRIC.max_points("q4"),
        "q5": unchanged * share("theta_new", ref["theta_new"]),  # only where ∂𝓛/∂wᵢ ≈ 0
        "q6": RUBRIC.max_points("q6"),
    }
    assert unchanged < 5
    assert not (graded.path("autograded", WRONG) / "grader").exists()
    points = cell_points(graded, WRONG)
    for question, value in expected.items():
        assert points[f"test_{question}"][0] == pytest.approx(value), question


def test_copied_seed_numbers_score_nothing(graded: Course) -> None:
    """The original numbers' answers under another ID: no part is right for that ID as a whole,
    so none earns a point, nor does the "the loss decreased" that is true of every variant."""
    copied, ref = reference(""), reference(COPYCAT)
    for name in ("y_hat", "loss", "grad_per_sample", "grad", "theta_new", "loss_new"):
        assert components_within(copied[name], ref[name], name) < np.size(ref[name]), name
    assert copied["loss_decreased"] and ref["loss_decreased"]
    points = cell_points(graded, COPYCAT)
    for question in QUESTIONS:
        assert points[f"test_{question}"][0] == 0, question


def test_copied_numbers_report_the_student_id_mismatch(graded: Course) -> None:
    outputs = [
        output.get("text", "")
        for cell in graded.autograded_notebook(COPYCAT).cells
        if cell.cell_type == "code"
        for output in cell.outputs
    ]
    notes = [text for text in outputs if "graded for student ID 'dave'" in text]
    assert len(notes) == len(QUESTIONS)
    assert "STUDENT_ID is ''" in notes[0]
    for student in CORRECT:
        text = str(graded.autograded_notebook(student))
        assert "graded for student ID" not in text


@pytest.mark.parametrize("student", ALL_STUDENTS)
def test_no_test_cell_writes_to_stderr(graded: Course, student: str) -> None:
    for cell in graded.autograded_notebook(student).cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            streams = {o.get("name") for o in cell.outputs if o.output_type == "stream"}
            assert "stderr" not in streams, cell.metadata["nbgrader"]["grade_id"]


def feedback_html(course: Course, student: str) -> str:
    return (course.path("feedback", student) / "hw4.html").read_text()


@pytest.mark.parametrize("student", ALL_STUDENTS)
def test_feedback_shows_no_hidden_test(graded: Course, student: str) -> None:
    html = feedback_html(graded, student)
    for marker in ("HIDDEN TESTS", "grade_question", "nbgrader_tests", "import grader"):
        assert marker not in html
    assert "Checks the form of y_hat" in html  # the visible tests are there


def test_feedback_shows_the_graders_messages(graded: Course) -> None:
    assert "Correct." in feedback_html(graded, CORRECT[0])
    assert "graded for student ID &#39;dave&#39;" in feedback_html(graded, COPYCAT) or (
        "graded for student ID 'dave'" in feedback_html(graded, COPYCAT)
    )


def test_export_writes_every_students_score(graded: Course) -> None:
    with Path(graded.root / "grades.csv").open(newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(ALL_STUDENTS)
    manual = sum(MANUAL.values())
    for student in ALL_STUDENTS:
        assert float(rows[student]["max_score"]) == RUBRIC.max_score + manual
    for student in CORRECT:
        assert float(rows[student]["score"]) == RUBRIC.max_score
    assert float(rows[BLANK]["score"]) == 0
