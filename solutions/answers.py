"""The homework's answers, named as the assignment notebook names them."""

from __future__ import annotations

from typing import Any

from solutions.network import backprop, forward, gradient, loss
from solutions.training import gd_step


def answers(theta: Any, X: Any, y: Any, eta: Any) -> dict[str, Any]:
    """Questions 1, 2, 4, 5 and 6 for one data set: ``y_hat``, ``loss``, ``grad_per_sample``,
    ``grad``, ``theta_new``, ``loss_new`` and ``loss_decreased``."""
    grad = gradient(theta, X, y)
    theta_new = gd_step(theta, grad, eta)
    loss_before, loss_after = loss(theta, X, y), loss(theta_new, X, y)
    return {
        "y_hat": forward(theta, X).y_hat,
        "loss": loss_before,
        "grad_per_sample": backprop(theta, X, y).grads,
        "grad": grad,
        "theta_new": theta_new,
        "loss_new": loss_after,
        "loss_decreased": bool(loss_after < loss_before),
    }
