"""Comparing numbers within a tolerance, and spotting answers too trivial to carry credit."""

from __future__ import annotations

from typing import Any

import numpy as np

from solutions.arrays import Array


def close(student: Any, expected: Any, rtol: float, atol: float) -> Array:
    """Per component: ``|student − expected| ≤ atol + rtol · |expected|`` (bools: equal)."""
    if isinstance(student, bool) or isinstance(expected, bool):
        return np.array(student is expected or student == expected)
    a = np.asarray(student, dtype=float)
    b = np.asarray(expected, dtype=float)
    if a.shape != b.shape:
        return np.zeros(b.shape, dtype=bool)
    with np.errstate(all="ignore"):
        result: Array = np.abs(a - b) <= atol + rtol * np.abs(b)
    return result


def all_close(student: Any, expected: Any, rtol: float, atol: float) -> bool:
    """Whether every component is within tolerance."""
    return bool(close(student, expected, rtol, atol).all())


def near_any(value: Any, options: Any, rtol: float, atol: float) -> Array:
    """Per component of ``value`` (flattened): whether it is close to one of ``options``."""
    flat = np.asarray(value, dtype=float).reshape(-1, 1)
    choices = np.asarray(options, dtype=float).reshape(1, -1)
    with np.errstate(all="ignore"):
        result: Array = np.any(np.abs(flat - choices) <= atol + rtol * np.abs(choices), axis=1)
    return result


def trivial_reason(
    name: str, value: Any, reference: Any, y: Array, theta: Array, absurd: float, atol: float
) -> str | None:
    """Why an answer is no basis for error-carried-forward credit, or None if it is one.

    Trivial answers make every later step trivial: all zeros, θ′ equal to θ, a loss
    not above ``atol``, ŷ practically equal to y (every residual ŷ − y under a tenth
    of the reference's, or within ``atol``). A later answer that only follows from
    a trivial one is caught where it is graded. Absurd answers (components above
    ``absurd``) carry nothing either.
    """
    if isinstance(value, bool):
        return None
    array = np.asarray(value, dtype=float)
    right = np.asarray(reference, dtype=float)
    squared = name in ("loss", "loss_new")  # a loss is a square: its bound is too
    if np.any(np.abs(array) > (absurd**2 if squared else absurd)):
        return "implausibly large"

    if squared:
        return "practically zero" if array <= atol else None
    if np.all(np.abs(array) <= atol):
        return "all zeros"
    if name == "y_hat" and np.all(np.abs(array - y) <= np.maximum(atol, 0.1 * np.abs(right - y))):
        return "practically equal to the targets y"
    if name == "theta_new" and np.all(np.abs(array - theta) <= atol):
        return "equal to the old θ (no update)"
    return None
