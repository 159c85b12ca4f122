"""A data set in exact arithmetic, and a data set checked for the network's shapes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from solutions.arrays import check_eta, check_inputs, check_targets, check_theta
from solutions.data import Dataset


def checked(X: Any, y: Any, theta: Any, eta: Any) -> Dataset:
    """A :class:`Dataset` of the shapes the network needs; ValueError names what is wrong."""
    X_checked = check_inputs(X)
    y_checked = check_targets(y, X_checked.shape[0])
    return Dataset.build(X_checked, y_checked, check_theta(theta), check_eta(eta))


def _fraction(value: Any) -> Fraction:
    """The exact rational a decimal literal stands for (0.01 → 1/100, not the float)."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def as_exact(data: Dataset) -> Dataset:
    """The same data set as Fractions, read from each value's shortest decimal form."""
    exact = np.vectorize(_fraction, otypes=[object])
    return checked(exact(data.X), exact(data.y), exact(data.theta), _fraction(data.eta))
