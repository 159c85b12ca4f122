"""Reports are plain data: to_dict is JSON-safe and from_dict reads it back unchanged."""

from __future__ import annotations

import json

import pytest

from grader import Report, grade
from tests.grader.judgment.students import MISTAKES, SEED, reference


@pytest.mark.parametrize("tag", ["none", *MISTAKES])
def test_round_trip_through_json(tag: str) -> None:
    answers = reference(*SEED) if tag == "none" else MISTAKES[tag][0](*SEED)
    report = grade({**answers, "loss": "bad"}, *SEED)
    text = json.dumps(report.to_dict(), allow_nan=False)
    again = Report.from_dict(json.loads(text))
    assert again == report
    assert again.score == report.score and again.tags == report.tags


def test_plain_data_has_the_agreed_fields() -> None:
    data = grade(MISTAKES["no_relu"][0](*SEED), *SEED).to_dict()
    assert set(data) >= {"score", "max_score", "questions"}
    assert list(data["questions"]) == ["q1", "q2", "q4", "q5", "q6"]
    q1 = data["questions"]["q1"]
    assert set(q1) >= {"points", "max_points", "status", "feedback", "tags"}
    assert q1["tags"] == ["no_relu"]
    assert data["score"] == sum(q["points"] for q in data["questions"].values())


def test_score_is_the_sum_of_the_question_points() -> None:
    report = grade(MISTAKES["missing_factor_2"][0](*SEED), *SEED)
    assert report.score == pytest.approx(sum(q.points for q in report.questions.values()))
    assert report.max_score == 11
