"""The seed's hand computation, exactly with Fractions and to 1e-12 with floats.

Expected values are the homework's own hand computation, typed from the seed text.
"""

from fractions import Fraction as F

import numpy as np
import pytest

import solutions as s
from tests.book import hand_computation as hand

EXACT = s.as_exact(s.SEED)

Y_HAT = [F(3), F(0)]
LOSS = F(13, 4)
GRADS = [
    [F("6.8"), F("3.4"), F("3.4"), F("10.2"), F("3.4")],
    [F(0), F(0), F(0), F(0), F("-3.8")],
]
MEAN_GRAD = [F("3.4"), F("1.7"), F("1.7"), F("5.1"), F("-0.2")]
THETA_NEW = [F("0.966"), F("0.983"), F("-0.017"), F("0.949"), F("0.002")]
LOSS_NEW_DECIMAL = F("2.855647324402")


def test_seed_data_matches_the_homework() -> None:
    np.testing.assert_array_equal(s.SEED.X, hand.X)
    np.testing.assert_array_equal(s.SEED.y, hand.Y)
    np.testing.assert_array_equal(s.SEED.theta, hand.THETA)
    assert s.SEED.eta == hand.ETA
    assert EXACT.eta == F(1, 100)
    assert list(EXACT.y) == [F(13, 10), F(19, 10)]


def test_seed_arrays_are_read_only() -> None:
    with pytest.raises(ValueError):
        s.SEED.theta[0] = 5.0


def test_forward_pass_exact() -> None:
    z, h, y_hat = s.forward(EXACT.theta, EXACT.X)
    assert list(z) == [3, -1]
    assert list(h) == [3, 0]
    assert list(y_hat) == Y_HAT
    assert all(isinstance(v, F) for v in y_hat)


def test_loss_exact() -> None:
    value = s.loss(EXACT.theta, EXACT.X, EXACT.y)
    assert isinstance(value, F)
    assert value == LOSS


def test_backprop_exact() -> None:
    result = s.backprop(EXACT.theta, EXACT.X, EXACT.y)
    assert list(result.delta_y_hat) == [F("3.4"), F("-3.8")]
    assert list(result.delta_h) == [F("3.4"), F(0)]
    assert result.grads.tolist() == GRADS


def test_gradient_step_and_new_loss_exact() -> None:
    grad = s.gradient(EXACT.theta, EXACT.X, EXACT.y)
    assert list(grad) == MEAN_GRAD
    theta_new = s.gd_step(EXACT.theta, grad, EXACT.eta)
    assert list(theta_new) == THETA_NEW
    loss_new = s.loss(theta_new, EXACT.X, EXACT.y)
    assert isinstance(loss_new, F)
    # the seed prints 2.855647324402: the exact value rounds to it at 12 decimals
    assert abs(loss_new - LOSS_NEW_DECIMAL) < F(1, 2 * 10**12)
    assert loss_new < LOSS


def test_seed_numbers_with_floats() -> None:
    seed = s.SEED
    np.testing.assert_allclose(s.forward(seed.theta, seed.X).y_hat, [3, 0], rtol=0, atol=1e-12)
    assert s.loss(seed.theta, seed.X, seed.y) == pytest.approx(3.25, rel=0, abs=1e-12)
    grads = s.backprop(seed.theta, seed.X, seed.y).grads
    np.testing.assert_allclose(grads, np.array(GRADS, dtype=float), rtol=0, atol=1e-12)
    grad = s.gradient(seed.theta, seed.X, seed.y)
    np.testing.assert_allclose(grad, np.array(MEAN_GRAD, dtype=float), rtol=0, atol=1e-12)
    theta_new = s.gd_step(seed.theta, grad, seed.eta)
    np.testing.assert_allclose(theta_new, np.array(THETA_NEW, dtype=float), rtol=0, atol=1e-12)
    loss_new = s.loss(theta_new, seed.X, seed.y)
    assert loss_new == pytest.approx(2.855647324402, rel=0, abs=1e-12)
    assert loss_new < 3.25


def test_float_results_have_no_negative_zero() -> None:
    grads = s.backprop(s.SEED.theta, s.SEED.X, s.SEED.y).grads
    assert not np.signbit(grads[1, :4]).any()


def test_train_records_every_step() -> None:
    history = s.train(s.SEED.theta, s.SEED.X, s.SEED.y, s.SEED.eta, steps=3)
    assert history.thetas.shape == (4, 5)
    assert history.losses.shape == (4,)
    np.testing.assert_allclose(history.thetas[1], np.array(THETA_NEW, dtype=float), atol=1e-12)
    assert history.losses[0] == pytest.approx(3.25)
    assert history.losses[1] == pytest.approx(2.855647324402, abs=1e-12)
    assert np.all(np.diff(history.losses) < 0)


def test_train_exact_matches_one_step() -> None:
    history = s.train(EXACT.theta, EXACT.X, EXACT.y, EXACT.eta, steps=1)
    assert list(history.thetas[1]) == THETA_NEW
    assert history.losses[0] == LOSS


def test_numerical_gradient_on_seed() -> None:
    numeric = s.numerical_gradient(s.SEED.theta, s.SEED.X, s.SEED.y)
    np.testing.assert_allclose(numeric, np.array(MEAN_GRAD, dtype=float), atol=1e-6)


def test_answers_collect_the_seed_numbers_exactly() -> None:
    result = s.answers(EXACT.theta, EXACT.X, EXACT.y, EXACT.eta)
    assert list(result) == [
        "y_hat",
        "loss",
        "grad_per_sample",
        "grad",
        "theta_new",
        "loss_new",
        "loss_decreased",
    ]
    assert list(result["y_hat"]) == Y_HAT
    assert result["loss"] == LOSS
    assert result["grad_per_sample"].tolist() == GRADS
    assert list(result["grad"]) == MEAN_GRAD
    assert list(result["theta_new"]) == THETA_NEW
    assert abs(result["loss_new"] - LOSS_NEW_DECIMAL) < F(1, 2 * 10**12)
    assert result["loss_decreased"] is True
