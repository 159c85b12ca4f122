"""Answers that are the same for every student earn nothing, on any variant.

Each variant comes from :mod:`solutions.variant` (many student IDs); the constant
answers are all zeros, ŷ = y, θ′ = θ, a constant True or False, and the
homework's original numbers (worked out in ``tests.book.hand_computation``, not
by the grader) submitted under another ID, alone and in combinations. A
question is only excused when one of the constants it checks happens to be the
right answer for that variant (checked against the reference package
:mod:`solutions` with the rubric's tolerances): a right answer is right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solutions
from grader import RUBRIC, grade
from solutions import Dataset
from solutions.variant import make_variant
from tests.book import hand_computation as hand
from tests.grader.judgment.students import per_sample_update

STUDENT_IDS = [f"s{n:05d}" for n in range(120)]
SEED_ANSWERS: dict[str, Any] = {
    "y_hat": hand.Y_HAT,
    "loss": hand.LOSS,
    "grad_per_sample": hand.GRADS,
    "grad": hand.GRAD,
    "theta_new": list(hand.THETA_NEW),
    "loss_new": hand.LOSS_NEW,
}
"""The seed's answers, as the website's worked solutions give them."""

Constant = Callable[[Dataset], Any]

CONSTANTS: dict[str, dict[str, Constant]] = {
    "y_hat": {
        "zeros": lambda v: np.zeros(2),
        "y": lambda v: v.y.copy(),
        "seed": lambda v: SEED_ANSWERS["y_hat"],
    },
    "loss": {"zero": lambda v: 0.0, "seed": lambda v: SEED_ANSWERS["loss"]},
    "grad_per_sample": {
        "zeros": lambda v: np.zeros((2, 5)),
        "seed": lambda v: SEED_ANSWERS["grad_per_sample"],
    },
    "grad": {"zeros": lambda v: np.zeros(5), "seed": lambda v: SEED_ANSWERS["grad"]},
    "theta_new": {
        "zeros": lambda v: np.zeros(5),
        "theta": lambda v: v.theta.copy(),
        "seed": lambda v: SEED_ANSWERS["theta_new"],
    },
    "loss_new": {"zero": lambda v: 0.0, "seed": lambda v: SEED_ANSWERS["loss_new"]},
    "loss_decreased": {"True": lambda v: True, "False": lambda v: False},
}

PROFILES: dict[str, dict[str, str]] = {
    "True alone": {"loss_decreased": "True"},
    "False alone": {"loss_decreased": "False"},
    "zero losses and True": {"loss": "zero", "loss_new": "zero", "loss_decreased": "True"},
    "all zeros and True": {
        "y_hat": "zeros",
        "loss": "zero",
        "grad_per_sample": "zeros",
        "grad": "zeros",
        "theta_new": "zeros",
        "loss_new": "zero",
        "loss_decreased": "True",
    },
    "ŷ = y, then zeros, θ′ = θ, True": {
        "y_hat": "y",
        "loss": "zero",
        "grad_per_sample": "zeros",
        "grad": "zeros",
        "theta_new": "theta",
        "loss_new": "zero",
        "loss_decreased": "True",
    },
    "the original numbers and True": {
        **{name: "seed" for name in SEED_ANSWERS},
        "loss_decreased": "True",
    },
    "the original numbers and False": {
        **{name: "seed" for name in SEED_ANSWERS},
        "loss_decreased": "False",
    },
    "the original losses and True": {
        "loss": "seed",
        "loss_new": "seed",
        "loss_decreased": "True",
    },
    "the original gradients, θ′ = θ": {
        "grad_per_sample": "seed",
        "grad": "seed",
        "theta_new": "theta",
        "loss_decreased": "True",
    },
    "ŷ = y, the original losses, True": {
        "y_hat": "y",
        "loss": "seed",
        "loss_new": "seed",
        "loss_decreased": "True",
    },
}


def answers_for(choice: Mapping[str, str], variant: Dataset) -> dict[str, Any]:
    """The constant answers named in ``choice``, for ``variant``."""
    return {name: CONSTANTS[name][which](variant) for name, which in choice.items()}


def happens_to_be_right(name: str, value: Any, variant: Dataset) -> bool:
    """Whether a constant is, on this variant, the right answer (generously: 2 tolerances)."""
    if name == "loss_decreased":
        return False  # judged through loss and loss_new, which it compares
    right = solutions.answers(variant.theta, variant.X, variant.y, variant.eta)
    quantity = RUBRIC.quantity(name)
    expected = np.asarray(right[name], dtype=float)
    tolerance = quantity.atol + quantity.rtol * np.abs(expected)
    if name == "loss_new":  # 𝓛′ may be computed from θ′ rounded by hand
        slope = solutions.gradient(right["theta_new"], variant.X, variant.y)
        tolerance = tolerance + RUBRIC.theta_rounding * np.abs(slope).sum()
    gap = np.abs(np.asarray(value, dtype=float) - expected)
    return bool(np.all(gap <= 2 * tolerance))


def excused(answers: Mapping[str, Any], variant: Dataset) -> set[str]:
    """Questions where one of the submitted constants is right for this variant."""
    questions = set()
    for question in RUBRIC.questions:
        names = [q.name for q in question.quantities]
        if any(happens_to_be_right(n, answers[n], variant) for n in names if n in answers):
            questions.add(question.key)
    return questions


def points_earned(answers: Mapping[str, Any], variant: Dataset) -> dict[str, float]:
    """Points per question that no excuse covers (all should be 0)."""
    report = grade(answers, variant.X, variant.y, variant.theta, variant.eta)
    skip = excused(answers, variant)
    return {k: q.points for k, q in report.questions.items() if k not in skip and q.points}


@pytest.mark.parametrize("profile", list(PROFILES))
def test_constant_answers_score_nothing_on_any_variant(profile: str) -> None:
    earned = {}
    excuses = 0
    for student_id in STUDENT_IDS:
        variant = make_variant(student_id)
        answers = answers_for(PROFILES[profile], variant)
        excuses += len(excused(answers, variant))
        if points := points_earned(answers, variant):
            earned[student_id] = points
    assert earned == {}
    assert excuses <= len(STUDENT_IDS) // 20  # the excuse is rare: the test still bites


def test_the_original_numbers_score_nothing_for_another_student() -> None:
    variant = make_variant("s00001")
    answers = answers_for(PROFILES["the original numbers and True"], variant)
    assert excused(answers, variant) == set()
    report = grade(answers, variant.X, variant.y, variant.theta, variant.eta)
    assert report.score == 0
    assert "original numbers" in report.questions["q1"].feedback


def test_a_real_mistake_that_lands_on_an_original_number_keeps_its_credit() -> None:
    """Per-sample updates on this variant give a 𝓛′ within tolerance of the original one."""
    X, y = np.array([[0.0, 0.0], [0.0, 2.0]]), np.array([-0.5, -0.3])
    theta, eta = np.array([0.0, 2.0, -2.0, -1.0, 2.0]), 0.02
    answers = per_sample_update(X, y, theta, eta)
    quantity = RUBRIC.quantity("loss_new")
    assert abs(answers["loss_new"] - hand.LOSS_NEW) < 3 * quantity.atol
    part = grade(answers, X, y, theta, eta).questions["q6"].parts[0]
    assert part.status == "carried_forward", part.feedback


@settings(max_examples=300, deadline=None)
@given(
    student=st.integers(min_value=0, max_value=10**6),
    choice=st.fixed_dictionaries(
        {},
        optional={name: st.sampled_from(list(options)) for name, options in CONSTANTS.items()},
    ),
)
def test_any_combination_of_constants_scores_nothing(student: int, choice: dict[str, str]) -> None:
    variant = make_variant(f"h{student}")
    assert points_earned(answers_for(choice, variant), variant) == {}
