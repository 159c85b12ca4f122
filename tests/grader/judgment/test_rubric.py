"""The rubric is plain, changeable data: points, tolerances, the error-carried-forward penalty."""

from __future__ import annotations

import json

import pytest

from grader import RUBRIC, Rubric, grade
from tests.grader.judgment.students import MISTAKES, SEED


def test_default_points() -> None:
    assert {q.key: q.max_points for q in RUBRIC.questions} == {
        "q1": 2,
        "q2": 1,
        "q4": 4,
        "q5": 2,
        "q6": 2,
    }
    assert RUBRIC.max_score == 11
    assert {q.key: q.points for q in RUBRIC.hand_graded} == {"q3": 5, "q7": 3}
    assert [RUBRIC.points(f"q{n}") for n in range(1, 8)] == [2, 1, 5, 4, 2, 2, 3]
    assert RUBRIC.total_points == 19


def test_round_trip_through_json() -> None:
    data = json.loads(json.dumps(RUBRIC.to_dict()))
    assert Rubric.from_dict(data) == RUBRIC


def test_an_instructor_can_change_points_and_penalty() -> None:
    data = RUBRIC.to_dict()
    data["ecf_penalty"] = 0.5
    data["questions"][0]["quantities"][0]["points"] = 4
    rubric = Rubric.from_dict(data)
    assert rubric.max_points("q1") == 4
    report = grade(MISTAKES["no_relu"][0](*SEED), *SEED, rubric=rubric)
    assert report.questions["q1"].max_points == 4
    assert report.questions["q2"].points == pytest.approx(0.5)  # carried forward at half


def test_penalty_outside_0_to_1_is_refused() -> None:
    data = RUBRIC.to_dict()
    data["ecf_penalty"] = 1.5
    with pytest.raises(ValueError, match="ecf_penalty"):
        Rubric.from_dict(data)


def test_unknown_question() -> None:
    with pytest.raises(KeyError, match="q3"):
        RUBRIC.max_points("q3")
