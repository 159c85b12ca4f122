"""Gradient descent: one update, and many for the learning-rate experiments."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from solutions.arrays import Array, as_numeric, check_eta, check_theta
from solutions.network import gradient, loss


class TrainingHistory(NamedTuple):
    """θ before each step and after the last (steps+1 rows), and 𝓛 at each of them."""

    thetas: Array
    losses: Array


def gd_step(theta: Any, grad: Any, eta: Any) -> Array:
    """θ ← θ − η ∇θ𝓛."""
    theta = check_theta(theta)
    grad = as_numeric(grad, "grad")
    if grad.shape != theta.shape:
        raise ValueError(f"grad must hold 5 values like theta, got shape {grad.shape}")
    result: Array = theta - check_eta(eta) * grad
    return result


def train(theta: Any, X: Any, y: Any, eta: Any, steps: int) -> TrainingHistory:
    """Run ``steps`` full-batch gradient-descent updates from ``theta``."""
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    thetas = [check_theta(theta)]
    losses = [loss(thetas[0], X, y)]
    for _ in range(steps):
        thetas.append(gd_step(thetas[-1], gradient(thetas[-1], X, y), eta))
        losses.append(loss(thetas[-1], X, y))
    return TrainingHistory(thetas=np.stack(thetas), losses=np.array(losses))
