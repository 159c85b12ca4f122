"""The grader's computation without mutations is the reference, on any valid variant."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from grader import RUBRIC
from grader.judgment.misconceptions import TAG_OF_MUTATION
from grader.judgment.mutants import LOCAL_MUTATIONS, ORDER, Computation
from solutions import Dataset
from solutions.variant import MISTAKES as GENERATOR_MISTAKES
from solutions.variant import RIVALS
from solutions.variant import _answers as generator_answers
from tests.grader.judgment.students import FORMS, SEED, reference, variants

QUESTION_OF = {q.name: question.key for question in RUBRIC.questions for q in question.quantities}


@settings(max_examples=40, deadline=None)
@given(variant=variants())
def test_no_mutation_is_the_reference(variant: Dataset) -> None:
    computation = Computation(*variant, given={})
    right = reference(*variant)
    for name in ORDER:
        np.testing.assert_allclose(computation.value(name, frozenset()), right[name], atol=1e-12)


def test_given_values_replace_the_computed_ones() -> None:
    right = reference(*SEED)
    y_hat = right["y_hat"] + 1
    computation = Computation(*SEED, given={"y_hat": y_hat})
    loss = computation.value("loss", frozenset(), frozenset({"y_hat"}))
    assert loss == np.mean((y_hat - SEED.y) ** 2)
    assert computation.value("loss", frozenset()) == right["loss"]


def test_summing_mutation_doubles_the_loss_of_two_samples() -> None:
    computation = Computation(*SEED, given={})
    assert computation.value("loss", frozenset({"sum_loss"})) == 2 * reference(*SEED)["loss"]


@pytest.mark.parametrize("form", list(FORMS))
@settings(max_examples=15, deadline=None)
@given(variant=variants())
def test_the_variant_generator_makes_the_mistakes_the_grader_knows(
    form: str, variant: Dataset
) -> None:
    """:mod:`solutions.variant` repeats the grader's mutants to choose the variants: on any
    variant its mistakes give what the test students (written independently) and the
    grader's own computation give."""
    student = FORMS[form][1](*variant)
    made = generator_answers(variant, (form,))
    grader = Computation(*variant, given={})
    for name in ORDER[:-1]:
        np.testing.assert_allclose(made[name], student[name], atol=1e-9, err_msg=name)
        computed = grader.value(name, frozenset({form}))
        np.testing.assert_allclose(made[name], computed, atol=1e-9, err_msg=name)


def test_the_generator_s_mistakes_are_the_grader_s() -> None:
    flags = {flag for forms in GENERATOR_MISTAKES.values() for fs, _ in forms for flag in fs}
    assert flags | {"derivative_one_at_zero"} == set(TAG_OF_MUTATION)
    for tag, forms in GENERATOR_MISTAKES.items():
        assert all(TAG_OF_MUTATION[flag] == tag for fs, _ in forms for flag in fs)
        for fs, first in forms:  # first seen where the test student's mistake is
            assert all(QUESTION_OF[first] == FORMS[flag][2] for flag in fs[:1]), fs
    for name, rivals in RIVALS.items():
        assert set(rivals) == set(LOCAL_MUTATIONS[name]) - {"derivative_one_at_zero"}, name
