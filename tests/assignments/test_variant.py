"""Every student's variant is solvable by hand and keeps the homework's lesson (checked with
`solutions`, the independent reference)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import solutions
from grader import RUBRIC
from solutions import Dataset
from solutions.variant import LOSS_NEW_SLOPE_MARGIN, MARGINS, make_variant
from tests.book import hand_computation as hand

STUDENT_IDS = [
    "alice",
    "bob",
    "s123456",
    "Ola.Nordmann",
    "x",
    "42",
    *(f"st{i:04d}" for i in range(300)),
]
VARIANT_SOURCE = Path(__file__).resolve().parents[2] / "solutions" / "variant.py"
DATA_SOURCE = Path(__file__).resolve().parents[2] / "solutions" / "data.py"


@pytest.fixture(scope="module")
def variants() -> dict[str, Dataset]:
    return {student: make_variant(student) for student in STUDENT_IDS}


def test_empty_id_gives_the_seed_numbers() -> None:
    variant = make_variant("")
    np.testing.assert_array_equal(variant.X, solutions.SEED.X)
    np.testing.assert_array_equal(variant.y, solutions.SEED.y)
    np.testing.assert_array_equal(variant.theta, solutions.SEED.theta)
    assert variant.eta == solutions.SEED.eta
    assert make_variant("   ") == variant


def test_shapes_and_types(variants: dict[str, Dataset]) -> None:
    for variant in variants.values():
        assert variant.X.shape == (2, 2)
        assert variant.y.shape == (2,)
        assert variant.theta.shape == (5,)
        assert isinstance(variant.eta, float)


def test_numbers_are_small_integers_and_one_decimal(variants: dict[str, Dataset]) -> None:
    for variant in variants.values():
        for value in (*variant.X.flat, *variant.theta.flat):
            assert value == int(value) and abs(value) <= 3
        for target in variant.y:
            assert Fraction(repr(float(target))).denominator in (1, 2, 5, 10)
            assert abs(target) <= 3
        assert variant.eta in (0.01, 0.02, 0.05)


def test_one_sample_active_one_inactive(variants: dict[str, Dataset]) -> None:
    for student, variant in variants.items():
        z = solutions.forward(variant.theta, variant.X).z
        assert sorted(np.sign(z)) == [-1, 1], student
        assert variant.theta[3] != 0, student


def test_first_step_lowers_the_loss_exactly(variants: dict[str, Dataset]) -> None:
    for student, variant in list(variants.items())[:60]:
        exact = solutions.as_exact(variant)
        history = solutions.train(exact.theta, exact.X, exact.y, exact.eta, steps=1)
        assert history.losses[1] < history.losses[0], student


def test_first_step_lowers_the_loss(variants: dict[str, Dataset]) -> None:
    for student, variant in variants.items():
        history = solutions.train(variant.theta, variant.X, variant.y, variant.eta, steps=1)
        assert history.losses[1] < history.losses[0], student


def test_every_sample_has_an_error(variants: dict[str, Dataset]) -> None:
    for student, variant in variants.items():
        grads = solutions.backprop(variant.theta, variant.X, variant.y).grads
        assert np.all(grads[:, 4] != 0), student


SEED_ANSWERS = {
    "y_hat": hand.Y_HAT,
    "loss": hand.LOSS,
    "grad_per_sample": hand.GRADS,
    "grad": hand.GRAD,
    "theta_new": hand.THETA_NEW,
    "loss_new": hand.LOSS_NEW,
}
"""The homework's own answers, worked out by hand from the seed."""


def right_answers(variant: Dataset) -> dict[str, np.ndarray]:
    """The variant's answers, from the reference package."""
    answers = solutions.answers(variant.theta, variant.X, variant.y, variant.eta)
    return {name: np.asarray(answers[name], dtype=float) for name in SEED_ANSWERS}


def test_no_answer_is_a_guess_or_the_homework_s(variants: dict[str, Dataset]) -> None:
    """No component of a right answer lies within three tolerances of the rubric of 0, ±1, an
    entry of y or θ, or a component of the homework's own answer; but for what every variant
    has, whatever its numbers: the inactive sample's ŷ = w4 and its zero gradient for w0 … w3."""
    for student, variant in variants.items():
        right = right_answers(variant)
        inactive = int(np.argmin(solutions.forward(variant.theta, variant.X).z))
        assert right["y_hat"][inactive] == variant.theta[4]
        assert np.all(right["grad_per_sample"][inactive, :4] == 0)
        for name, value in right.items():
            quantity = RUBRIC.quantity(name)
            seed = np.asarray(SEED_ANSWERS[name], dtype=float).ravel()
            guesses = np.array([0.0, 1.0, -1.0, *variant.y, *variant.theta, *seed])
            margin = 3 * (quantity.atol + quantity.rtol * np.abs(guesses))
            if name == "loss_new":  # and θ′ rounded by hand
                slope = solutions.gradient(right["theta_new"], variant.X, variant.y)
                margin = margin + 3 * RUBRIC.theta_rounding * np.abs(slope).sum()
            near = np.abs(value.reshape(-1, 1) - guesses) <= margin
            fixed = np.zeros(value.shape, dtype=bool)
            if name == "y_hat":
                fixed[inactive] = True
            if name == "grad_per_sample":
                fixed[inactive, :4] = True
            assert not np.any(near.any(axis=1) & ~fixed.ravel()), (student, name)


def test_the_margins_are_wider_than_the_grader_s_tolerances() -> None:
    for name, (absolute, relative) in MARGINS.items():
        quantity = RUBRIC.quantity(name)
        assert absolute >= 2 * quantity.atol and relative >= 2 * quantity.rtol, name
    assert 2 * RUBRIC.theta_rounding <= LOSS_NEW_SLOPE_MARGIN


def test_students_get_different_numbers(variants: dict[str, Dataset]) -> None:
    seed = make_variant("")
    assert seed not in variants.values()
    assert len(set(variants.values())) == len(variants)


def test_same_id_same_numbers_in_another_process(variants: dict[str, Dataset]) -> None:
    code = (
        "from solutions.variant import make_variant; "
        "v = make_variant('alice'); print(v.X.tolist(), v.y.tolist(), v.theta.tolist(), v.eta)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        cwd=VARIANT_SOURCE.parents[1],
    )
    alice = variants["alice"]
    expected = f"{alice.X.tolist()} {alice.y.tolist()} {alice.theta.tolist()} {alice.eta}"
    assert result.stdout.strip() == expected
    assert make_variant("alice") == alice
    assert make_variant(" alice ") == alice


def test_describe_writes_the_numbers_plainly() -> None:
    text = make_variant("").describe()
    assert "x1 = (2, 1)" in text and "y2 = 1.9" in text
    assert "(1, 1, 0, 1, 0)" in text and "eta = 0.01" in text


def test_arrays_cannot_be_modified() -> None:
    variant = make_variant("alice")
    with pytest.raises(ValueError):
        variant.theta[0] = 99


def test_bad_id_type_is_named() -> None:
    with pytest.raises(TypeError, match="student_id must be a string"):
        make_variant(123)  # type: ignore[arg-type]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_imports_only_numpy_the_standard_library_and_the_data_module() -> None:
    standard = set(sys.stdlib_module_names) | {"__future__"}
    variant = {name.split(".")[0] for name in imported_modules(VARIANT_SOURCE)} - {"numpy"}
    assert variant - standard == {"solutions"}
    assert "solutions.data" in imported_modules(VARIANT_SOURCE)
    data = {name.split(".")[0] for name in imported_modules(DATA_SOURCE)} - {"numpy"}
    assert data <= standard


def test_the_seed_is_the_reference_packages() -> None:
    assert make_variant("") is solutions.SEED
