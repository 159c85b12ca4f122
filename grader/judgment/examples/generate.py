"""Write the example answer sets: ``python -m grader.judgment.examples.generate [DIR]``.

Each file holds a student ID, the student's variant, their answers (computed with
:mod:`solutions`, with the mistake the example is about) and ``claims``: what
grading it must show, per question. ``tests/grader/test_examples.py`` checks the
claims and that the files are what this script writes.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import solutions as s
from solutions import SEED, Dataset
from solutions.arrays import Array

HERE = Path(__file__).resolve().parent

VARIANT_A = Dataset.build(
    X=[[1.0, 2.0], [2.0, -3.0]], y=[2.4, -0.7], theta=[1.0, 1.0, -1.0, 2.0, 0.0], eta=0.02
)
VARIANT_B = Dataset.build(
    X=[[-2.0, 1.0], [3.0, 1.0]], y=[0.6, 1.5], theta=[-1.0, 2.0, 0.0, 1.0, 1.0], eta=0.05
)


def _round(value: Any) -> Any:
    """A number or array rounded to 3 decimals, as plain JSON data."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or isinstance(value, str):
        return value
    return np.round(np.asarray(value, dtype=float), 3).tolist()


def _chain(
    variant: Dataset, grads: Array | None = None, y_hat: Array | None = None
) -> dict[str, Any]:
    """Answers following the homework's steps, from a given ŷ and/or per-sample gradients."""
    X, y, theta, eta = variant
    z, h, right_y_hat = s.forward(theta, X)
    y_hat = right_y_hat if y_hat is None else y_hat
    if grads is None:
        d_out = 2 * (y_hat - y)
        d_hidden = d_out * theta[3] * s.relu_left_derivative(z)
        grads = np.stack([d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden, d_out * h, d_out], 1)
    grad = grads.mean(axis=0)
    theta_new = theta - eta * grad
    loss = float(np.mean((y_hat - y) ** 2))
    loss_new = float(s.loss(theta_new, X, y))
    return {
        "y_hat": y_hat,
        "loss": loss,
        "grad_per_sample": grads,
        "grad": grad,
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < loss,
    }


def correct(variant: Dataset) -> dict[str, Any]:
    return _chain(variant)


def no_relu(variant: Dataset) -> dict[str, Any]:
    X, y, theta, eta = variant
    z = theta[0] * X[:, 0] + theta[1] * X[:, 1] + theta[2]
    y_hat = theta[3] * z + theta[4]
    d_out = 2 * (y_hat - y)
    d_hidden = d_out * theta[3]
    grads = np.stack([d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden, d_out * z, d_out], 1)
    theta_new = theta - eta * grads.mean(axis=0)
    z_new = theta_new[0] * X[:, 0] + theta_new[1] * X[:, 1] + theta_new[2]
    loss = float(np.mean((y_hat - y) ** 2))
    loss_new = float(np.mean((theta_new[3] * z_new + theta_new[4] - y) ** 2))
    return {
        "y_hat": y_hat,
        "loss": loss,
        "grad_per_sample": grads,
        "grad": grads.mean(axis=0),
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < loss,
    }


def missing_factor_2(variant: Dataset) -> dict[str, Any]:
    X, y, theta, _ = variant
    return _chain(variant, grads=s.backprop(theta, X, y).grads / 2)


def slip_in_y_hat(variant: Dataset) -> dict[str, Any]:
    X, _, theta, _ = variant
    return _chain(variant, y_hat=s.forward(theta, X).y_hat + np.array([0.0, 1.0]))


def update_mistakes(variant: Dataset) -> dict[str, Any]:
    X, y, theta, _ = variant
    answers = correct(variant)
    theta_new = theta - s.gradient(theta, X, y)  # η forgotten
    return {**answers, "theta_new": theta_new, "loss_new": answers["loss"], "loss_decreased": False}


def gaming(variant: Dataset) -> dict[str, Any]:
    X, y, theta, _ = variant
    return {
        "y_hat": y,
        "loss": 0.0,
        "grad_per_sample": np.zeros((2, 5)),
        "grad": np.zeros(5),
        "theta_new": theta,
        "loss_new": float(s.loss(theta, X, y)),
        "loss_decreased": False,
    }


BAD_VALUES: dict[str, Any] = {
    "y_hat": [3.0, float("nan")],
    "loss": "3.25",
    "grad_per_sample": [[6.8, 3.4, 3.4, 10.2, 3.4], [0, 0, 0, 0, -3.8]],
    "grad": [[3.4, 1.7, 1.7, 5.1]],
    "theta_new": None,
    "loss_decreased": "yes",
}

EXAMPLES: list[tuple[str, str, Dataset, Callable[[Dataset], dict[str, Any]], dict[str, Any]]] = [
    (
        "alice",
        "Everything right, rounded to 3 decimals by hand.",
        SEED,
        correct,
        {q: {"status": "correct", "tags": []} for q in ("q1", "q2", "q4", "q5", "q6")},
    ),
    (
        "bob",
        "No ReLU in the forward pass; everything after follows from it.",
        VARIANT_A,
        no_relu,
        {
            "q1": {"status": "partial", "tags": ["no_relu"]},
            **{q: {"status": "carried_forward", "tags": []} for q in ("q2", "q4", "q5")},
        },
    ),
    (
        "carol",
        "The factor 2 of ∂L/∂ŷ is missing; the update and the new loss follow from it.",
        VARIANT_B,
        missing_factor_2,
        {
            "q1": {"status": "correct", "tags": []},
            "q4": {"status": "partial", "tags": ["missing_factor_2"]},
            "q5": {"status": "carried_forward", "tags": []},
            "q6": {"status": "carried_forward", "tags": []},
        },
    ),
    (
        "dan",
        "An arithmetic slip in ŷ for sample 2; every later answer follows from it.",
        SEED,
        slip_in_y_hat,
        {
            "q1": {"status": "partial", "tags": []},
            **{q: {"status": "carried_forward", "tags": []} for q in ("q2", "q4", "q5")},
        },
    ),
    (
        "erin",
        "Bad values: NaN, a string, a wrong shape, None, a missing answer, 'yes' for a bool.",
        SEED,
        lambda variant: BAD_VALUES,
        {
            "q1": {"status": "invalid", "tags": []},
            "q2": {"status": "invalid", "tags": []},
            "q5": {"status": "missing", "tags": []},
            "q6": {"status": "invalid", "tags": []},
        },
    ),
    (
        "frank",
        "η forgotten in the update, and the new loss computed with the old θ.",
        VARIANT_A,
        update_mistakes,
        {
            "q4": {"status": "correct", "tags": []},
            "q5": {"status": "incorrect", "tags": ["forget_eta"]},
            "q6": {"status": "partial", "tags": ["old_theta_loss"]},
        },
    ),
    (
        "grace",
        "Trivial answers (ŷ = y, zero gradients, no update) that are consistent "
        "with each other: no credit.",
        VARIANT_B,
        gaming,
        {q: {"status": "incorrect", "tags": []} for q in ("q1", "q2", "q4", "q5")},
    ),
]


def example_files() -> dict[str, str]:
    """File name → JSON text of every example."""
    files = {}
    for student, description, variant, make, claims in EXAMPLES:
        X, y, theta, eta = variant
        data = {
            "student_id": student,
            "description": description,
            "variant": {"X": X.tolist(), "y": y.tolist(), "theta": theta.tolist(), "eta": eta},
            "answers": {k: _round(v) for k, v in make(variant).items()},
            "claims": claims,
        }
        text = json.dumps(data, indent=2, ensure_ascii=False)
        # one line per list of numbers, for reading
        text = re.sub(r"\[[^\[\]{}\"]*\]", lambda m: " ".join(m.group().split()), text)
        files[f"{student}.json"] = text + "\n"
    return files


def main(argv: list[str]) -> int:
    """Write the examples into the given directory (default: this package's folder)."""
    out = Path(argv[0]) if argv else HERE
    for name, text in example_files().items():
        (out / name).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
