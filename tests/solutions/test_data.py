"""The one Dataset: built read-only, unpacked in the homework's order, compared by its numbers."""

from fractions import Fraction

import numpy as np
import pytest

import solutions as s
from tests.book import hand_computation as hand


def test_it_unpacks_as_X_y_theta_eta() -> None:
    X, y, theta, eta = s.SEED
    assert X is s.SEED.X and y is s.SEED.y and theta is s.SEED.theta and eta == s.SEED.eta


def test_equal_numbers_make_equal_data_sets() -> None:
    copy = s.Dataset.build(hand.X, hand.Y, hand.THETA, hand.ETA)
    assert copy == s.SEED and hash(copy) == hash(s.SEED)
    other = s.Dataset.build(hand.X, hand.Y, hand.THETA, 0.02)
    assert other != s.SEED
    assert len({copy, s.SEED, other}) == 2


def test_fractions_stay_exact_and_arrays_read_only() -> None:
    exact = s.as_exact(s.SEED)
    assert exact.X.dtype == object and exact.eta == Fraction(1, 100)
    assert list(exact.y) == [Fraction(13, 10), Fraction(19, 10)]
    for array in (exact.X, exact.y, exact.theta, s.SEED.X):
        with pytest.raises(ValueError):
            array[0] = 0


def test_build_copies_its_input() -> None:
    theta = np.array(hand.THETA)
    data = s.Dataset.build(hand.X, hand.Y, theta, hand.ETA)
    theta[0] = 99
    assert data.theta[0] == hand.THETA[0]
