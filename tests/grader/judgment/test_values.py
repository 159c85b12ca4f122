"""Bad answer values never raise: legitimate numbers in other types score, the rest is explained."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import grade
from tests.grader.judgment.students import SEED, reference

RIGHT = reference(*SEED)
QUESTION_OF = {
    "y_hat": "q1",
    "loss": "q2",
    "grad_per_sample": "q4",
    "grad": "q4",
    "theta_new": "q5",
    "loss_new": "q6",
    "loss_decreased": "q6",
}


def part(answers: dict[str, Any], name: str) -> Any:
    question = grade(answers, *SEED).questions[QUESTION_OF[name]]
    return next(p for p in question.parts if p.name == name)


LEGITIMATE = {
    "y_hat as a list of ints": ("y_hat", [3, 0]),
    "y_hat as a tuple": ("y_hat", (3.0, 0.0)),
    "y_hat as a column": ("y_hat", np.array([[3.0], [0.0]])),
    "y_hat as numpy ints": ("y_hat", np.array([3, 0], dtype=np.int64)),
    "y_hat as numpy scalars": ("y_hat", [np.float32(3), np.int16(0)]),
    "y_hat as Fractions": ("y_hat", [Fraction(3), Fraction(0)]),
    "loss as a Fraction": ("loss", Fraction(13, 4)),
    "loss as a Decimal": ("loss", Decimal("3.25")),
    "loss as a numpy scalar": ("loss", np.float64(3.25)),
    "loss as a 0-d array": ("loss", np.array(3.25)),
    "loss as a one-element list": ("loss", [3.25]),
    "grads as nested lists": ("grad_per_sample", RIGHT["grad_per_sample"].tolist()),
    "grads as a tuple of arrays": ("grad_per_sample", tuple(RIGHT["grad_per_sample"])),
    "grads as an object array": ("grad_per_sample", RIGHT["grad_per_sample"].astype(object)),
    "grad as a row": ("grad", RIGHT["grad"].reshape(1, 5)),
    "theta_new as float32": ("theta_new", RIGHT["theta_new"].astype(np.float32)),
    "loss_decreased as numpy bool": ("loss_decreased", np.bool_(True)),
    "loss_decreased as a 0-d array": ("loss_decreased", np.array(True)),
}


@pytest.mark.parametrize("case", list(LEGITIMATE))
def test_legitimate_numbers_in_other_types_score_normally(case: str) -> None:
    name, value = LEGITIMATE[case]
    result = part({**RIGHT, name: value}, name)
    assert result.status == "correct", result.feedback
    assert result.points == result.max_points


BAD = {
    # case: (name, value, status, words the message must contain)
    "missing": ("loss", ..., "missing", ["loss", "missing"]),
    "None": ("y_hat", None, "missing", ["y_hat", "None"]),
    "NaN": ("y_hat", [3.0, float("nan")], "invalid", ["y_hat[1]", "NaN"]),
    "inf": ("grad", [1, 2, 3, float("inf"), 5], "invalid", ["grad[3]", "infinite"]),
    "-inf in a 2-d answer": (
        "grad_per_sample",
        [[0] * 5, [0, 0, -np.inf, 0, 0]],
        "invalid",
        ["grad_per_sample[1][2]", "infinite"],
    ),
    "NaN scalar": ("loss", np.nan, "invalid", ["loss", "NaN"]),
    "string": ("loss", "3.25", "invalid", ["loss", "string"]),
    "bytes": ("loss", b"3.25", "invalid", ["loss", "string"]),
    "string inside a list": ("y_hat", [3, "0"], "invalid", ["y_hat", "string"]),
    "bool for a number": ("loss", True, "invalid", ["loss", "bool"]),
    "complex": ("loss", 3.25 + 0j, "invalid", ["loss", "complex"]),
    "dict": ("grad", {"w0": 1}, "invalid", ["grad", "dict"]),
    "set": ("grad", {1, 2}, "invalid", ["grad", "set"]),
    "object": ("theta_new", object(), "invalid", ["theta_new", "object"]),
    "too short": ("y_hat", [3], "invalid", ["y_hat", "shape (1,)", "(2,)"]),
    "too long": ("grad", list(range(6)), "invalid", ["grad", "shape (6,)", "(5,)"]),
    "scalar for a vector": ("theta_new", 1.0, "invalid", ["theta_new", "a single number"]),
    "vector for a scalar": ("loss_new", [1.0, 2.0], "invalid", ["loss_new", "shape (2,)"]),
    "transposed": (
        "grad_per_sample",
        RIGHT["grad_per_sample"].T,
        "invalid",
        ["grad_per_sample", "(5, 2)", "transposed"],
    ),
    "ragged": (
        "grad_per_sample",
        [[1, 2, 3, 4, 5], [1, 2]],
        "invalid",
        ["grad_per_sample", "different lengths"],
    ),
    "nested junk": ("grad", [[[[[[1]]]]]], "invalid", ["grad", "nested too deeply"]),
    "huge list": ("grad", list(range(10**6)), "invalid", ["grad", "too many"]),
    "huge int": ("loss", 10**400, "invalid", ["loss", "too large"]),
    "empty list": ("y_hat", [], "invalid", ["y_hat", "shape (0,)"]),
    "number for a bool": ("loss_decreased", 1, "invalid", ["loss_decreased", "True or False"]),
    "string for a bool": ("loss_decreased", "True", "invalid", ["loss_decreased", "string"]),
    "None for a bool": ("loss_decreased", None, "missing", ["loss_decreased", "None"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_values_get_a_clear_message_and_no_points(case: str) -> None:
    name, value, status, words = BAD[case]
    answers = {k: v for k, v in RIGHT.items() if k != name}
    if value is not ...:
        answers[name] = value
    result = part(answers, name)
    assert result.status == status
    assert result.points == 0
    for word in words:
        assert word in result.feedback, (word, result.feedback)


def test_a_self_containing_list_is_read_safely() -> None:
    loop: list[Any] = [1.0]
    loop.append(loop)
    assert part({"grad": loop}, "grad").status == "invalid"


def test_a_value_whose_conversion_raises_is_explained() -> None:
    class Hostile:
        def __array__(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("no")

    assert part({"grad": Hostile()}, "grad").status == "invalid"


def test_huge_but_finite_numbers_are_graded_as_wrong() -> None:
    result = part({**RIGHT, "y_hat": [1e308, -1e308]}, "y_hat")
    assert result.status == "incorrect"
    assert "implausibly large" in result.feedback


def test_one_bad_value_leaves_the_other_answers_alone() -> None:
    report = grade({**RIGHT, "grad": "oops"}, *SEED)
    assert report.score == 11 - 2
    assert report.questions["q4"].parts[0].status == "correct"
    assert report.questions["q5"].status == "correct"


@pytest.mark.parametrize("answers", [None, [], "y_hat", 42])
def test_answers_that_are_not_a_mapping(answers: Any) -> None:
    report = grade(answers, *SEED)
    assert report.score == 0
    assert all(q.status == "missing" for q in report.questions.values())
    assert "not a mapping" in report.notes[0]


def test_extra_names_are_ignored() -> None:
    assert grade({**RIGHT, "junk": object(), "theta": None}, *SEED).score == 11


def test_messages_do_not_echo_the_value() -> None:
    result = part({**RIGHT, "loss": "<script>3.25</script>"}, "loss")
    assert "script" not in result.feedback and "3.25" not in result.feedback


junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()
    | st.text(max_size=5)
    | st.fractions(),
    lambda inner: st.lists(inner, max_size=6) | st.tuples(inner, inner),
    max_leaves=20,
)
near = st.sampled_from(list(RIGHT)).flatmap(
    lambda name: st.floats(-1e3, 1e3).map(lambda shift: (name, shift))
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(list(RIGHT)), junk))
def test_any_junk_gives_a_report_never_an_exception(answers: dict[str, Any]) -> None:
    report = grade(answers, *SEED)
    assert 0 <= report.score <= report.max_score
    json.dumps(report.to_dict(), allow_nan=False)
    for question in report.questions.values():
        assert question.feedback


@settings(max_examples=100, deadline=None)
@given(st.lists(near, max_size=4))
def test_shifted_right_answers_score_within_bounds(shifts: list[tuple[str, float]]) -> None:
    answers = dict(RIGHT)
    for name, shift in shifts:
        if name != "loss_decreased":
            answers[name] = np.asarray(answers[name]) + shift
    report = grade(answers, *SEED)
    assert 0 <= report.score <= report.max_score
