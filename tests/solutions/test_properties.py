"""Backpropagation against finite differences, on random data away from the ReLU kink."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import solutions as s

finite = st.floats(min_value=-3, max_value=3, allow_nan=False, allow_infinity=False)


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=1, max_value=6))
    X = draw(arrays(float, (n, 2), elements=finite))
    y = draw(arrays(float, (n,), elements=finite))
    theta = draw(arrays(float, (5,), elements=finite))
    return theta, X, y


@settings(max_examples=200, deadline=None)
@given(problems())
def test_backprop_matches_finite_differences(problem: tuple[np.ndarray, ...]) -> None:
    theta, X, y = problem
    z = s.forward(theta, X).z
    assume(np.all(np.abs(z) > 1e-3))  # central differences straddle the kink otherwise
    analytic = s.gradient(theta, X, y)
    numeric = s.numerical_gradient(theta, X, y, eps=1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-6)


@settings(max_examples=100, deadline=None)
@given(problems())
def test_mean_gradient_is_mean_of_per_sample(problem: tuple[np.ndarray, ...]) -> None:
    theta, X, y = problem
    grads = s.backprop(theta, X, y).grads
    assert grads.shape == (len(X), 5)
    np.testing.assert_allclose(s.gradient(theta, X, y), grads.mean(axis=0), atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(problems(), st.floats(min_value=1e-4, max_value=1.0))
def test_gd_step_moves_against_the_gradient(problem: tuple[np.ndarray, ...], eta: float) -> None:
    theta, X, y = problem
    grad = s.gradient(theta, X, y)
    np.testing.assert_allclose(s.gd_step(theta, grad, eta), theta - eta * grad, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(problems())
def test_small_step_does_not_raise_the_loss(problem: tuple[np.ndarray, ...]) -> None:
    theta, X, y = problem
    z = s.forward(theta, X).z
    assume(np.all(np.abs(z) > 1e-2))
    grad = s.gradient(theta, X, y)
    eta = 1e-6
    before = s.loss(theta, X, y)
    after = s.loss(s.gd_step(theta, grad, eta), X, y)
    assert after <= before + 1e-12
