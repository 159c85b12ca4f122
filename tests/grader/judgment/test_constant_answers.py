"""Answers that anyone can give without working earn nothing, on any student's variant.

Each variant comes from :mod:`solutions.variant` (200 student IDs, and more drawn at
random); the constant answers are all zeros, all ones, all minus ones, ŷ = y, θ′ = θ,
other answers built from the entries of θ or of y, a constant True or False, and
the homework's original numbers (worked out in ``tests.book.hand_computation``, not
by the grader) submitted under another ID, alone and in combinations, and answers
whose every component is one of 0, ±1 or an entry of y or θ. None is ever the right
answer on a variant (checked against the reference package :mod:`solutions` with
twice the rubric's tolerances), every one scores 0, and none passes anything forward.
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
from tests.grader.judgment.students import own_numbers, per_sample_update

STUDENT_IDS = [f"s{n:05d}" for n in range(200)]
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


def y_based(v: Dataset) -> np.ndarray:
    """Five numbers from y: y1, y2, y1, y2, y1."""
    return np.array([v.y[0], v.y[1], v.y[0], v.y[1], v.y[0]])


def scalars(value: float) -> dict[str, Constant]:
    return {"zero": lambda v: 0.0, "one": lambda v: 1.0, "minus one": lambda v: -1.0} | {
        "seed": lambda v: value,
        "w3": lambda v: v.theta[3],
        "w4": lambda v: v.theta[4],
        "y1": lambda v: v.y[0],
        "y2": lambda v: v.y[1],
    }


def vectors(shape: tuple[int, ...], seed: Any) -> dict[str, Constant]:
    return {
        "zeros": lambda v: np.zeros(shape),
        "ones": lambda v: np.ones(shape),
        "minus ones": lambda v: -np.ones(shape),
        "seed": lambda v: seed,
    }


CONSTANTS: dict[str, dict[str, Constant]] = {
    "y_hat": vectors((2,), SEED_ANSWERS["y_hat"])
    | {
        "y": lambda v: v.y.copy(),
        "y reversed": lambda v: v.y[::-1].copy(),
        "w4": lambda v: np.full(2, v.theta[4]),
        "w3 w4": lambda v: v.theta[3:].copy(),
    },
    "loss": scalars(SEED_ANSWERS["loss"]),
    "grad_per_sample": vectors((2, 5), SEED_ANSWERS["grad_per_sample"])
    | {
        "theta": lambda v: np.stack([v.theta, v.theta]),
        "y": lambda v: np.stack([y_based(v), y_based(v)]),
    },
    "grad": vectors((5,), SEED_ANSWERS["grad"]) | {"theta": lambda v: v.theta.copy(), "y": y_based},
    "theta_new": vectors((5,), SEED_ANSWERS["theta_new"])
    | {
        "theta": lambda v: v.theta.copy(),
        "theta reversed": lambda v: v.theta[::-1].copy(),
        "y": y_based,
    },
    "loss_new": scalars(SEED_ANSWERS["loss_new"]),
    "loss_decreased": {"True": lambda v: True, "False": lambda v: False},
}
"""Per answer, constants a student can give without working (from their own y and θ at most)."""

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
    "every answer 1 and True": {
        **{name: "one" if name.startswith("loss") else "ones" for name in SEED_ANSWERS},
        "loss_decreased": "True",
    },
    "every answer −1 and False": {
        **{name: "minus one" if name.startswith("loss") else "minus ones" for name in SEED_ANSWERS},
        "loss_decreased": "False",
    },
    "ŷ = w4, the rest from θ, True": {
        "y_hat": "w4",
        "loss": "w4",
        "grad_per_sample": "theta",
        "grad": "theta",
        "theta_new": "theta reversed",
        "loss_new": "w3",
        "loss_decreased": "True",
    },
    "ŷ = (w3, w4), the rest from θ, False": {
        "y_hat": "w3 w4",
        "loss": "w3",
        "grad_per_sample": "theta",
        "grad": "theta",
        "theta_new": "theta",
        "loss_new": "w4",
        "loss_decreased": "False",
    },
    "ŷ = y reversed, the rest from y, True": {
        "y_hat": "y reversed",
        "loss": "y2",
        "grad_per_sample": "y",
        "grad": "y",
        "theta_new": "y",
        "loss_new": "y1",
        "loss_decreased": "True",
    },
    "ŷ = y, the rest from y, False": {
        "y_hat": "y",
        "loss": "y1",
        "grad_per_sample": "y",
        "grad": "y",
        "theta_new": "y",
        "loss_new": "y2",
        "loss_decreased": "False",
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


def right_by_chance(answers: Mapping[str, Any], variant: Dataset) -> set[str]:
    """The answers whose constant is, on this variant, the right answer."""
    return {name for name, value in answers.items() if happens_to_be_right(name, value, variant)}


def earned(answers: Mapping[str, Any], variant: Dataset) -> dict[str, Any]:
    """What the answers earn or pass on: points per question, and answers credited as
    following from earlier ones (all should be empty)."""
    report = grade(answers, variant.X, variant.y, variant.theta, variant.eta)
    found: dict[str, Any] = {k: q.points for k, q in report.questions.items() if q.points}
    for question in report.questions.values():
        for part in question.parts:
            if part.status == "carried_forward" or part.points:
                found[part.name] = part.feedback
    return found


@pytest.mark.parametrize("profile", list(PROFILES))
def test_constant_answers_score_nothing_on_any_variant(profile: str) -> None:
    scored, lucky = {}, {}
    for student_id in STUDENT_IDS:
        variant = own_numbers(student_id)
        answers = answers_for(PROFILES[profile], variant)
        if right := right_by_chance(answers, variant):
            lucky[student_id] = right
        if found := earned(answers, variant):
            scored[student_id] = found
    assert lucky == {}  # no variant's answer is a constant: the test bites everywhere
    assert scored == {}


def test_the_original_numbers_score_nothing_for_another_student() -> None:
    variant = make_variant("s00001")
    answers = answers_for(PROFILES["the original numbers and True"], variant)
    assert right_by_chance(answers, variant) == set()
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
    answers = answers_for(choice, variant)
    assert right_by_chance(answers, variant) == set()
    assert earned(answers, variant) == {}


SHAPES = {
    "y_hat": (2,),
    "loss": (),
    "grad_per_sample": (2, 5),
    "grad": (5,),
    "theta_new": (5,),
    "loss_new": (),
}


@settings(max_examples=300, deadline=None)
@given(
    student=st.integers(min_value=0, max_value=10**6),
    picks=st.fixed_dictionaries(
        {},
        optional={
            name: st.lists(
                st.integers(min_value=0, max_value=8),
                min_size=int(np.prod(shape)),
                max_size=int(np.prod(shape)),
            )
            for name, shape in SHAPES.items()
        }
        | {"loss_decreased": st.booleans()},
    ),
)
def test_answers_made_of_guesses_score_nothing(student: int, picks: dict[str, Any]) -> None:
    """Every component one of 0, 1, −1, y1, y2, w0 … w4, in any arrangement."""
    variant = make_variant(f"g{student}")
    guesses = np.array([0.0, 1.0, -1.0, *variant.y, *variant.theta])
    answers = {
        name: pick if name == "loss_decreased" else guesses[pick].reshape(SHAPES[name])
        for name, pick in picks.items()
    }
    assert right_by_chance(answers, variant) == set()
    assert earned(answers, variant) == {}
