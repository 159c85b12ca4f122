"""The homework's data set and initial parameters."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from solutions.arrays import Array, check_eta, check_inputs, check_targets, check_theta


@dataclass(frozen=True)
class Dataset:
    """Samples ``X`` (N×2), targets ``y`` (N,), initial ``theta`` (5,) and learning rate ``eta``."""

    X: Array
    y: Array
    theta: Array
    eta: Any

    @classmethod
    def build(cls, X: Any, y: Any, theta: Any, eta: Any) -> Dataset:
        """Check shapes and build a data set whose arrays cannot be modified."""
        X_checked = check_inputs(X)
        arrays = (X_checked, check_targets(y, X_checked.shape[0]), check_theta(theta))
        for array in arrays:
            array.flags.writeable = False
        return cls(*arrays, check_eta(eta))


def _fraction(value: Any) -> Fraction:
    """The exact rational a decimal literal stands for (0.01 → 1/100, not the float)."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def as_exact(data: Dataset) -> Dataset:
    """The same data set as Fractions, read from each value's shortest decimal form."""
    exact = np.vectorize(_fraction, otypes=[object])
    return Dataset.build(exact(data.X), exact(data.y), exact(data.theta), _fraction(data.eta))


SEED = Dataset.build(
    X=[[2, 1], [-3, 2]],
    y=[1.3, 1.9],
    theta=[1, 1, 0, 1, 0],
    eta=0.01,
)
"""The homework's two samples, initial θ = (1, 1, 0, 1, 0) and η = 0.01."""
