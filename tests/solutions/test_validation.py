"""Bad shapes and values raise ValueError naming what is wrong."""

import numpy as np
import pytest

import solutions as s

X, Y, THETA = s.SEED.X.tolist(), s.SEED.y.tolist(), s.SEED.theta.tolist()


@pytest.mark.parametrize("theta", [[1, 1, 0, 1], [1, 1, 0, 1, 0, 0], [[1, 1, 0, 1, 0]], 3.0])
def test_theta_must_hold_five_values(theta: object) -> None:
    with pytest.raises(ValueError, match="theta must hold 5 values"):
        s.forward(theta, X)


@pytest.mark.parametrize("bad_X", [[2, 1], [[2, 1, 0]], np.zeros((0, 2)), [[[2, 1]]]])
def test_X_must_be_n_by_2(bad_X: object) -> None:
    with pytest.raises(ValueError, match="X must be an N×2 array"):
        s.forward(THETA, bad_X)


@pytest.mark.parametrize("bad_y", [[1.3], [1.3, 1.9, 0.0], [[1.3, 1.9]]])
def test_y_must_match_the_samples(bad_y: object) -> None:
    with pytest.raises(ValueError, match=r"y must hold one target per sample \(2 values\)"):
        s.loss(THETA, X, bad_y)
    with pytest.raises(ValueError, match="y must hold one target per sample"):
        s.backprop(THETA, X, bad_y)


def test_non_numeric_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="theta must hold real numbers"):
        s.forward(["a", "b", "c", "d", "e"], X)
    with pytest.raises(ValueError, match="X must hold numbers or Fractions"):
        s.forward(THETA, [[None, 1], [2, 3]])


@pytest.mark.parametrize("eta", [0, -0.1, [0.1, 0.2]])
def test_eta_must_be_one_positive_number(eta: object) -> None:
    with pytest.raises(ValueError, match="eta must be"):
        s.gd_step(THETA, [0, 0, 0, 0, 0], eta)


def test_gradient_shape_must_match_theta() -> None:
    with pytest.raises(ValueError, match="grad must hold 5 values"):
        s.gd_step(THETA, [1, 2, 3], 0.1)


@pytest.mark.parametrize("steps", [-1, 1.5, True])
def test_steps_must_be_a_non_negative_integer(steps: object) -> None:
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        s.train(THETA, X, Y, 0.1, steps)  # type: ignore[arg-type]


def test_any_number_of_samples() -> None:
    X3 = [[2, 1], [-3, 2], [1, 1]]
    assert s.backprop(THETA, X3, [1.0, 2.0, 3.0]).grads.shape == (3, 5)
    assert s.gradient(THETA, [[2, 1]], [1.3]).shape == (5,)


def test_a_checked_data_set_names_what_is_wrong() -> None:
    assert s.checked(X, Y, THETA, 0.5) == s.Dataset.build(X, Y, THETA, 0.5)
    with pytest.raises(ValueError, match="y must hold one target per sample"):
        s.checked(X, Y[:1], THETA, 0.5)
    with pytest.raises(ValueError, match="eta must be positive"):
        s.checked(X, Y, THETA, 0)
