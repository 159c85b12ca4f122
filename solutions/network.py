"""Forward pass, loss and backpropagation, following the homework's equations."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from solutions.arrays import Array, check_inputs, check_targets, check_theta


def relu(z: Array) -> Array:
    """g(t) = max(0, t), element-wise."""
    return np.where(z > 0, z, z - z)


def relu_left_derivative(z: Array) -> Array:
    """g'(t) = 1 if t > 0 else 0: the left derivative, so g'(0) = 0."""
    zero = z - z  # a zero of z's own type: 0.0, or Fraction(0)
    return np.where(z > 0, zero + 1, zero)


class ForwardPass(NamedTuple):
    """Per-sample hidden input ``z``, hidden output ``h`` and prediction ``y_hat``."""

    z: Array
    h: Array
    y_hat: Array


class BackpropResult(NamedTuple):
    """Per-sample errors δŷ = ∂L/∂ŷ, δh = ∂L/∂z and gradients ∇θ L (one row per sample)."""

    delta_y_hat: Array
    delta_h: Array
    grads: Array


def forward(theta: Any, X: Any) -> ForwardPass:
    """Run the network on every row of X."""
    w0, w1, w2, w3, w4 = check_theta(theta)
    X = check_inputs(X)
    z = w0 * X[:, 0] + w1 * X[:, 1] + w2
    h = relu(z)
    return ForwardPass(z=z, h=h, y_hat=w3 * h + w4)


def loss(theta: Any, X: Any, y: Any) -> Any:
    """The mean squared error 𝓛(D) = (1/N) Σ (ŷ(xₙ) − yₙ)²."""
    y_hat = forward(theta, X).y_hat
    y = check_targets(y, len(y_hat))
    return ((y_hat - y) ** 2).sum() / len(y)


def backprop(theta: Any, X: Any, y: Any) -> BackpropResult:
    """Per-sample gradients of L by the homework's equations (1)-(5)."""
    theta = check_theta(theta)
    X = check_inputs(X)
    z, h, y_hat = forward(theta, X)
    y = check_targets(y, len(y_hat))
    delta_y_hat = 2 * (y_hat - y)  # ∂L/∂ŷ for L = (ŷ − y)²
    delta_h = delta_y_hat * theta[3] * relu_left_derivative(z)  # ∂L/∂z
    grads = np.stack(
        [
            delta_h * X[:, 0],  # (1) ∂L/∂w0
            delta_h * X[:, 1],  # (2) ∂L/∂w1
            delta_h,  # (3) ∂L/∂w2
            delta_y_hat * h,  # (4) ∂L/∂w3
            delta_y_hat,  # (5) ∂L/∂w4
        ],
        axis=1,
    )
    grads = grads + 0  # −0.0 (from 0 · negative x) reads as 0.0
    return BackpropResult(delta_y_hat=delta_y_hat, delta_h=delta_h, grads=grads)


def gradient(theta: Any, X: Any, y: Any) -> Array:
    """∇θ 𝓛(D): the mean of the per-sample gradients."""
    grads = backprop(theta, X, y).grads
    result: Array = grads.sum(axis=0) / len(grads)
    return result
