"""The homework's numbers and the one name for them: a :class:`Dataset` (X, y, θ, η).

``SEED`` holds the homework's own numbers; they are written here and nowhere
else. This module stands alone (numpy and the standard library only, Python 3.8+):
``assignments/prepare_source.py`` copies it into ``hw4_variant.py``, the module the
students receive, so that their notebook and this package share one ``Dataset`` and
one ``SEED``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]


def _frozen(values: Any) -> Array:
    """A read-only copy: floats, or Fractions (an object array) kept exact."""
    array = np.array(values)
    if array.dtype != object:
        array = array.astype(float)
    array.flags.writeable = False
    return array


def _number(value: Any) -> str:
    """2.0 → '2', 1.3 → '1.3', -0.0 → '0', as a student writes it."""
    number = float(value) + 0.0
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass(frozen=True, eq=False)
class Dataset:
    """Samples ``X`` (N×2), targets ``y`` (N,), initial ``theta`` (5,) and learning rate ``eta``.

    It unpacks as ``X, y, theta, eta = dataset``; two data sets are equal when all
    their numbers are.
    """

    X: Array
    y: Array
    theta: Array
    eta: Any

    @classmethod
    def build(cls, X: Any, y: Any, theta: Any, eta: Any) -> Dataset:
        """A data set whose arrays cannot be modified (floats, or Fractions kept exact)."""
        rate = eta if isinstance(eta, Fraction) else float(eta)
        return cls(_frozen(X), _frozen(y), _frozen(theta), rate)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.X, self.y, self.theta, self.eta))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Dataset):
            return NotImplemented
        return (
            np.array_equal(self.X, other.X)
            and np.array_equal(self.y, other.y)
            and np.array_equal(self.theta, other.theta)
            and bool(self.eta == other.eta)
        )

    def __hash__(self) -> int:
        return hash((tuple(self.X.flat), tuple(self.y.flat), tuple(self.theta.flat), self.eta))

    def describe(self) -> str:
        """The numbers as a student would write them down."""
        lines = [
            f"x{n + 1} = ({_number(self.X[n, 0])}, {_number(self.X[n, 1])})"
            f"    y{n + 1} = {_number(self.y[n])}"
            for n in range(len(self.y))
        ]
        theta = ", ".join(_number(w) for w in self.theta)
        lines.append(f"theta = (w0, w1, w2, w3, w4) = ({theta})")
        lines.append(f"eta = {_number(self.eta)}")
        return "\n".join(lines)


SEED = Dataset.build(
    X=[[2, 1], [-3, 2]],
    y=[1.3, 1.9],
    theta=[1, 1, 0, 1, 0],
    eta=0.01,
)
"""The homework's two samples, initial parameters and learning rate."""
