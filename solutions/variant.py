"""Each student's own numbers for the homework: public, deterministic, solvable by hand.

``make_variant(student_id)`` hashes the ID (SHA-256, so the result is the same on
every machine and Python version) into a stream of integers and draws candidate
data sets from it until one keeps the homework's lesson:

- x and θ are small integers, y has one decimal, η is one of a few round values;
- one sample activates the hidden ReLU unit (z > 0) and the other does not (z < 0);
- w3 ≠ 0 and neither prediction is exact, so every part of the gradient matters;
- the first gradient-descent step with the variant's η lowers the loss.

An empty ID gives the homework's own numbers, ``solutions.data.SEED``. This file
imports only numpy, the standard library and ``solutions.data`` (which stands
alone), and runs on Python 3.8+: ``make release`` ships it beside the student
notebook as ``hw4_variant.py``, with ``solutions.data`` copied in its place. For
that reason its small forward pass and gradient repeat :mod:`solutions.network`'s
instead of importing them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from solutions.data import SEED, Dataset

FloatArray = npt.NDArray[np.float64]

X_VALUES = tuple(range(-3, 4))
THETA_VALUES = tuple(range(-2, 3))
Y_TENTHS = tuple(range(-30, 31))
ETA_VALUES = (0.01, 0.02, 0.05)
MAX_LOSS = 20.0
MIN_RELATIVE_DECREASE = 1e-3
MAX_ATTEMPTS = 100_000


def _hidden_input(theta: FloatArray, X: FloatArray) -> FloatArray:
    z: FloatArray = theta[0] * X[:, 0] + theta[1] * X[:, 1] + theta[2]
    return z


def _predictions(theta: FloatArray, X: FloatArray) -> FloatArray:
    y_hat: FloatArray = theta[3] * np.maximum(_hidden_input(theta, X), 0.0) + theta[4]
    return y_hat


def _loss(theta: FloatArray, X: FloatArray, y: FloatArray) -> float:
    return float(np.mean((_predictions(theta, X) - y) ** 2))


def _gradient(theta: FloatArray, X: FloatArray, y: FloatArray) -> FloatArray:
    z = _hidden_input(theta, X)
    delta_y_hat = 2 * (_predictions(theta, X) - y)
    delta_h = delta_y_hat * theta[3] * (z > 0)
    per_sample = np.stack(
        [
            delta_h * X[:, 0],
            delta_h * X[:, 1],
            delta_h,
            delta_y_hat * np.maximum(z, 0.0),
            delta_y_hat,
        ],
        axis=1,
    )
    grad: FloatArray = per_sample.mean(axis=0)
    return grad


def keeps_the_lesson(variant: Dataset) -> bool:
    """True if the variant has the properties listed in this module's docstring."""
    X, y, theta, eta = variant.X, variant.y, variant.theta, variant.eta
    z = _hidden_input(theta, X)
    if theta[3] == 0 or sorted(np.sign(z)) != [-1.0, 1.0]:
        return False
    if np.any(np.abs(_predictions(theta, X) - y) < 0.05):
        return False
    before = _loss(theta, X, y)
    after = _loss(theta - eta * _gradient(theta, X, y), X, y)
    return before <= MAX_LOSS and after < before * (1 - MIN_RELATIVE_DECREASE)


def _integer_stream(student_id: str) -> Iterator[int]:
    """An endless stream of 32-bit integers, fixed by the student ID."""
    block = 0
    while True:
        digest = hashlib.sha256(f"hw4-variant:{student_id}:{block}".encode()).digest()
        for start in range(0, len(digest), 4):
            yield int.from_bytes(digest[start : start + 4], "big")
        block += 1


def _draw(stream: Iterator[int], options: Sequence[Any]) -> Any:
    return options[next(stream) % len(options)]


def _candidate(stream: Iterator[int]) -> Dataset:
    X = [[_draw(stream, X_VALUES) for _ in range(2)] for _ in range(2)]
    y = [_draw(stream, Y_TENTHS) / 10 for _ in range(2)]
    theta = [_draw(stream, THETA_VALUES) for _ in range(5)]
    return Dataset.build(X, y, theta, _draw(stream, ETA_VALUES))


def make_variant(student_id: str) -> Dataset:
    """The numbers of the student ``student_id`` (surrounding spaces ignored; "" → the seed's)."""
    if not isinstance(student_id, str):
        raise TypeError(f"student_id must be a string, got {type(student_id).__name__}")
    student_id = student_id.strip()
    if not student_id:
        return SEED
    stream = _integer_stream(student_id)
    for _ in range(MAX_ATTEMPTS):
        candidate = _candidate(stream)
        if candidate != SEED and keeps_the_lesson(candidate):
            return candidate
    raise RuntimeError(f"no variant found for student ID {student_id!r}")  # pragma: no cover
