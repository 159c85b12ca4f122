"""The hidden tests' entry point: the right student, the grader's points, nothing on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import grader
import solutions
from grader import RUBRIC
from grader.course.nbgrader_tests import folder_student_id, grade_question, student_id_that_counts
from solutions.variant import make_variant

QUESTIONS = ("q1", "q2", "q4", "q5", "q6")


def correct_answers(student_id: str) -> dict[str, Any]:
    """A notebook namespace with the reference answers of a student's variant."""
    v = make_variant(student_id)
    return {"STUDENT_ID": student_id, **solutions.answers(v.theta, v.X, v.y, v.eta)}


@pytest.fixture
def autograded_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in autograded/alice/hw4, as nbgrader autograde does."""
    folder = tmp_path / "autograded" / "alice" / "hw4"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.delenv("HW4_STUDENT_ID", raising=False)
    return folder


@pytest.fixture
def plain_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HW4_STUDENT_ID", raising=False)
    return tmp_path


def test_folder_student_id() -> None:
    assert folder_student_id(Path("/c/autograded/alice/hw4")) == "alice"
    assert folder_student_id(Path("/c/submitted/alice/hw4")) is None
    assert folder_student_id(Path("/c/source/hw4")) is None
    assert folder_student_id(Path("/c/autograded/alice/hw5")) is None


def test_notebook_id_counts_only_outside_an_autograded_folder() -> None:
    assert student_id_that_counts({"STUDENT_ID": " bob "}, Path("/c/source/hw4")) == ("bob", None)
    assert student_id_that_counts({}, Path("/c/source/hw4")) == ("", None)
    official, note = student_id_that_counts({"STUDENT_ID": "bob"}, Path("/c/autograded/al/hw4"))
    assert official == "al"
    assert note is not None and "'al'" in note and "'bob'" in note
    assert student_id_that_counts({"STUDENT_ID": "al"}, Path("/c/autograded/al/hw4")) == (
        "al",
        None,
    )


def test_environment_variable_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HW4_STUDENT_ID", "carol")
    official, note = student_id_that_counts({"STUDENT_ID": "carol"}, Path("/c/autograded/x/hw4"))
    assert (official, note) == ("carol", None)


@pytest.mark.parametrize("question", QUESTIONS)
def test_correct_answers_get_the_rubrics_points(
    question: str, plain_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = grade_question(question, correct_answers(""))
    assert type(points) is float
    assert points == RUBRIC.max_points(question)
    out, err = capsys.readouterr()
    assert err == ""
    assert "Correct." in out


def test_folder_name_decides_the_variant(
    autograded_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alices = correct_answers("alice") | {"STUDENT_ID": "bob"}
    assert grade_question("q4", alices) == RUBRIC.max_points("q4")
    assert "graded for student ID 'alice'" in capsys.readouterr().out
    bobs = correct_answers("bob")
    assert grade_question("q4", bobs) < RUBRIC.max_points("q4")


def test_points_equal_the_graders(autograded_folder: Path) -> None:
    namespace = correct_answers("alice") | {"theta_new": np.zeros(5), "loss": 123.0}
    v = make_variant("alice")
    answers = {k: val for k, val in namespace.items() if k != "STUDENT_ID"}
    report = grader.grade(answers, v.X, v.y, v.theta, v.eta)
    for question in QUESTIONS:
        assert grade_question(question, namespace) == report.questions[question].points


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"y_hat": "three", "loss": None, "grad": [[1, 2]], "loss_decreased": "yes"},
        {"y_hat": np.array([np.nan, np.inf]), "loss": -1e308, "grad": np.full(5, 1e308)},
        {"grad_per_sample": object(), "theta_new": {"w0": 1}, "loss_new": 1j},
    ],
)
def test_bad_answers_never_raise_nor_write_to_stderr(
    answers: dict[str, Any], autograded_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for question in QUESTIONS:
        points = grade_question(question, answers)
        assert type(points) is float
        assert 0.0 <= points <= RUBRIC.max_points(question)
    assert capsys.readouterr().err == ""


def test_a_grader_failure_costs_the_cell_but_stays_on_stdout(
    autograded_folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        import sys
        import warnings

        warnings.warn("something odd", RuntimeWarning, stacklevel=1)
        print("noise", file=sys.stderr)
        raise RuntimeError("broken grader")

    monkeypatch.setattr(grader, "grade", broken)
    assert grade_question("q1", correct_answers("alice")) == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "could not be graded" in out and "broken grader" in out


def test_a_constant_true_earns_nothing_and_the_feedback_says_why(
    autograded_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The loss 'decreased' from 0 to 0: True contradicts the student's own numbers."""
    namespace = {"loss": 0.0, "loss_new": 0.0, "loss_decreased": True}
    assert grade_question("q6", namespace) == 0.0
    out, err = capsys.readouterr()
    assert err == ""
    assert "True contradicts your own numbers" in out
    right = correct_answers("alice")
    for value in (right["loss"], right["loss_new"], f"{right['loss']:.3f}"):
        assert str(value) not in out
