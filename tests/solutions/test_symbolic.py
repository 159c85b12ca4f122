"""Equations (1)-(5) derived symbolically with SymPy on both branches of the ReLU."""

import numpy as np
import pytest
import sympy as sp

import solutions as s

w0, w1, w2, w3, w4, x0, x1, y = sp.symbols("w0 w1 w2 w3 w4 x0 x1 y", real=True)
PARAMS = (w0, w1, w2, w3, w4)
Z = w0 * x0 + w1 * x1 + w2


def symbolic_gradient(active: bool) -> list[sp.Expr]:
    """∂L/∂wᵢ of L = (ŷ − y)² with the ReLU replaced by its branch (h = z or h = 0)."""
    h = Z if active else sp.Integer(0)
    L = (w3 * h + w4 - y) ** 2
    return [sp.diff(L, w) for w in PARAMS]


def backprop_formulas(active: bool) -> list[sp.Expr]:
    """The homework's equations (1)-(5), with g'(z) = 1 on the active branch, 0 otherwise."""
    h = Z if active else sp.Integer(0)
    delta_y_hat = 2 * (w3 * h + w4 - y)
    delta_h = delta_y_hat * w3 * (1 if active else 0)
    return [delta_h * x0, delta_h * x1, delta_h, delta_y_hat * h, delta_y_hat]


@pytest.mark.parametrize("active", [True, False], ids=["z>0", "z<=0"])
def test_equations_1_to_5_follow_from_the_chain_rule(active: bool) -> None:
    for derived, stated in zip(symbolic_gradient(active), backprop_formulas(active), strict=True):
        assert sp.simplify(derived - stated) == 0


@pytest.mark.parametrize(
    "point",
    [
        (1, 1, 0, 1, 0, 2, 1, sp.Rational(13, 10)),  # seed sample 1, active
        (1, 1, 0, 1, 0, -3, 2, sp.Rational(19, 10)),  # seed sample 2, inactive
        (-2, 3, 1, -1, sp.Rational(1, 2), 4, -1, 3),  # inactive, z = -10
        (sp.Rational(1, 3), -2, 5, 2, -1, 3, 1, -2),  # active, z = 4
    ],
)
def test_backprop_matches_the_symbolic_derivative(point: tuple[sp.Expr, ...]) -> None:
    values = dict(zip((*PARAMS, x0, x1, y), point, strict=True))
    active = Z.subs(values) > 0
    expected = [g.subs(values) for g in symbolic_gradient(bool(active))]
    theta = [values[w] for w in PARAMS]
    X = np.array([[values[x0], values[x1]]], dtype=float)
    grads = s.backprop(np.array(theta, dtype=float), X, [float(values[y])]).grads[0]
    np.testing.assert_allclose(grads, np.array(expected, dtype=float), atol=1e-12)


def test_left_derivative_convention_at_the_kink() -> None:
    # at z = 0 the seed's g' is the left derivative: 0, so δh = 0
    theta = [1.0, 1.0, -3.0, 2.0, 0.5]  # z = 2 + 1 - 3 = 0
    result = s.backprop(theta, [[2.0, 1.0]], [1.0])
    assert s.forward(theta, [[2.0, 1.0]]).z[0] == 0
    assert result.delta_h[0] == 0
    assert s.relu_left_derivative(np.array([0.0]))[0] == 0
    assert s.relu_left_derivative(np.array([1e-9]))[0] == 1
