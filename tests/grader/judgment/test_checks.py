"""Tolerance comparison and the answers too trivial to carry credit forward."""

from __future__ import annotations

import numpy as np

from grader.judgment.checks import all_close, close, trivial_reason
from tests.grader.judgment.students import SEED, reference

_, Y, THETA, _ = SEED


def test_absolute_tolerance_lets_zeros_through() -> None:
    assert all_close([0.0, -0.0, 4e-4], [0, 0, 0], rtol=1e-3, atol=5e-4)
    assert not all_close([6e-4], [0], rtol=1e-3, atol=5e-4)


def test_relative_tolerance_scales() -> None:
    assert all_close(1000.9, 1000, rtol=1e-3, atol=0)
    assert not all_close(1001.1, 1000, rtol=1e-3, atol=0)


def test_per_component_and_shapes() -> None:
    assert close([1, 2, 3], [1, 2, 4], rtol=0, atol=0.1).tolist() == [True, True, False]
    assert close([1, 2], [1, 2, 3], rtol=0, atol=1).tolist() == [False] * 3


def test_bools_are_compared_exactly() -> None:
    assert all_close(True, True, 0, 0) and not all_close(False, True, 0, 0)


def test_nan_is_never_close() -> None:
    assert not all_close(np.nan, np.nan, rtol=1, atol=1)


def reason(name: str, value: object) -> str | None:
    right = reference(*SEED)[name]
    return trivial_reason(name, value, right, Y, THETA, absurd=1e6, atol=1e-3)


def test_trivial_answers() -> None:
    assert reason("y_hat", Y) == "practically equal to the targets y"
    assert reason("y_hat", Y + 0.01) == "practically equal to the targets y"
    assert reason("y_hat", [0, 0]) == "all zeros"
    assert reason("grad", np.zeros(5)) == "all zeros"
    assert reason("grad_per_sample", np.zeros((2, 5))) == "all zeros"
    assert reason("theta_new", THETA) == "equal to the old θ (no update)"
    assert reason("theta_new", THETA + 1e-4) == "equal to the old θ (no update)"
    assert reason("loss", 0.0) == "practically zero"
    assert reason("loss", -1.0) == "practically zero"
    assert reason("loss", 5e11) is None and reason("loss", 2e12) == "implausibly large"
    assert reason("y_hat", [2e6, 1]) == "implausibly large"
    assert reason("loss_decreased", True) is None


def test_wrong_but_real_answers_are_not_trivial() -> None:
    assert reason("y_hat", [4, 0]) is None  # a slip in one sample
    assert reason("grad", reference(*SEED)["grad"] / 2) is None  # the missing factor 2
    assert reason("theta_new", THETA - reference(*SEED)["grad"]) is None  # η forgotten
    assert reason("loss", 1.0) is None
    assert reason("y_hat", [3, Y[1] + 0.01]) is None  # only one sample near its target
    assert reason("grad", np.full(5, 0.01)) is None  # small, but a gradient
