"""The grader's computation without mutations is the reference, on any valid variant."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from grader.judgment.mutants import ORDER, Computation
from solutions import Dataset
from tests.grader.judgment.students import SEED, reference, variants


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
