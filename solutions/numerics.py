"""Finite-difference gradient, an independent check on backpropagation."""

from __future__ import annotations

from typing import Any

import numpy as np

from solutions.arrays import Array, check_theta
from solutions.network import loss


def numerical_gradient(theta: Any, X: Any, y: Any, eps: float = 1e-6) -> Array:
    """Central differences (𝓛(θ + εeᵢ) − 𝓛(θ − εeᵢ)) / 2ε for each parameter."""
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps!r}")
    theta = check_theta(theta).astype(float)
    steps = np.eye(len(theta)) * eps
    slopes = [
        (float(loss(theta + e, X, y)) - float(loss(theta - e, X, y))) / (2 * eps) for e in steps
    ]
    return np.array(slopes)
