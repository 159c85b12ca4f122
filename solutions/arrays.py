"""Input checking: turn user values into arrays of the shape the network needs."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
N_PARAMS = 5
N_FEATURES = 2


def as_numeric(values: Any, name: str) -> Array:
    """Return ``values`` as a float array, or an object array if it holds Fractions."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be numeric, got {values!r}") from error
    if array.dtype == object:
        if not all(isinstance(v, (Fraction, int)) for v in array.flat):
            raise ValueError(f"{name} must hold numbers or Fractions, got {values!r}")
        return np.vectorize(Fraction, otypes=[object])(array) if array.size else array
    if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.complexfloating):
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array.astype(float)


def check_theta(theta: Any) -> Array:
    """Return θ as an array of exactly five parameters (w0, w1, w2, w3, w4)."""
    array = as_numeric(theta, "theta")
    if array.shape != (N_PARAMS,):
        raise ValueError(f"theta must hold 5 values (w0, w1, w2, w3, w4), got shape {array.shape}")
    return array


def check_inputs(X: Any) -> Array:
    """Return X as an N×2 array of feature vectors (N ≥ 1)."""
    array = as_numeric(X, "X")
    if array.ndim != 2 or array.shape[1] != N_FEATURES or array.shape[0] == 0:
        raise ValueError(
            f"X must be an N×2 array of feature vectors (N ≥ 1), got shape {array.shape}"
        )
    return array


def check_targets(y: Any, n_samples: int) -> Array:
    """Return y as an array of one target per sample."""
    array = as_numeric(y, "y")
    if array.shape != (n_samples,):
        raise ValueError(
            f"y must hold one target per sample ({n_samples} values), got shape {array.shape}"
        )
    return array


def check_eta(eta: Any) -> Any:
    """Return the learning rate, which must be a positive real number."""
    array = as_numeric(eta, "eta")
    if array.shape != ():
        raise ValueError(f"eta must be a single number, got shape {array.shape}")
    value = array.item()
    if not value > 0:
        raise ValueError(f"eta must be positive, got {value!r}")
    return value
