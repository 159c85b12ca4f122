"""Test students: answer sets computed with :mod:`solutions` and one deliberate mistake each.

These are written independently of the grader's own mutants (``grader.judgment.mutants``):
each builder follows the homework's equations by hand with numpy and the
reference package, and carries its mistake consistently to every later answer.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import solutions as s
from grader import RUBRIC
from grader.judgment.rubric import Rubric
from solutions.variant import make_variant

Answers = dict[str, Any]
SEED = s.SEED


def finish(
    answers: Answers, X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float
) -> Answers:
    """Fill in the answers after ``grad`` the right way, from the student's own ``grad``."""
    theta_new = s.gd_step(theta, answers["grad"], eta)
    loss_new = float(s.loss(theta_new, X, y))
    return {
        **answers,
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < answers["loss"],
    }


def reference(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """The right answers, straight from :mod:`solutions`."""
    answers = {
        "y_hat": s.forward(theta, X).y_hat,
        "loss": float(s.loss(theta, X, y)),
        "grad_per_sample": s.backprop(theta, X, y).grads,
        "grad": s.gradient(theta, X, y),
    }
    return finish(answers, X, y, theta, eta)


def with_grads(
    grads: np.ndarray, X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float
) -> Answers:
    """Right forward pass and loss, the given per-sample gradients, the rest from them."""
    answers = {
        "y_hat": s.forward(theta, X).y_hat,
        "loss": float(s.loss(theta, X, y)),
        "grad_per_sample": grads,
        "grad": grads.mean(axis=0),
    }
    return finish(answers, X, y, theta, eta)


def no_relu(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """A network without the ReLU (h = z), consistently through every step."""

    def predict(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = t[0] * X[:, 0] + t[1] * X[:, 1] + t[2]
        return z, t[3] * z + t[4]

    z, y_hat = predict(theta)
    d_out = 2 * (y_hat - y)
    d_hidden = d_out * theta[3]
    grads = np.stack([d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden, d_out * z, d_out], axis=1)
    grad = grads.mean(axis=0)
    theta_new = theta - eta * grad
    loss = float(np.mean((y_hat - y) ** 2))
    loss_new = float(np.mean((predict(theta_new)[1] - y) ** 2))
    return {
        "y_hat": y_hat,
        "loss": loss,
        "grad_per_sample": grads,
        "grad": grad,
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < loss,
    }


def missing_factor_2(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """∂L/∂ŷ = ŷ − y: every per-sample gradient entry is halved."""
    return with_grads(s.backprop(theta, X, y).grads / 2, X, y, theta, eta)


def wrong_error_sign(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """∂L/∂ŷ = 2(y − ŷ): every per-sample gradient entry changes sign."""
    return with_grads(-s.backprop(theta, X, y).grads, X, y, theta, eta)


def relu_derivative(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """g′(z) = 1 everywhere: the inactive sample passes its error back to w0, w1, w2."""
    result = s.backprop(theta, X, y)
    d_hidden = result.delta_y_hat * theta[3]
    grads = result.grads.copy()
    grads[:, 0], grads[:, 1], grads[:, 2] = d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden
    return with_grads(grads, X, y, theta, eta)


def z_instead_of_h(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """∂L/∂w3 = δŷ · z instead of δŷ · h."""
    result = s.backprop(theta, X, y)
    grads = result.grads.copy()
    grads[:, 3] = result.delta_y_hat * s.forward(theta, X).z
    return with_grads(grads, X, y, theta, eta)


def sum_instead_of_mean(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """𝓛 and ∇𝓛 (and 𝓛′) summed over the samples instead of averaged."""
    n = len(X)
    grads = s.backprop(theta, X, y).grads
    grad = grads.sum(axis=0)
    theta_new = s.gd_step(theta, grad, eta)
    loss = n * float(s.loss(theta, X, y))
    loss_new = n * float(s.loss(theta_new, X, y))
    return {
        "y_hat": s.forward(theta, X).y_hat,
        "loss": loss,
        "grad_per_sample": grads,
        "grad": grad,
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < loss,
    }


def sum_in_the_loss_only(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """𝓛 and 𝓛′ summed over the samples; ∇𝓛 (and so θ′) the right mean."""
    answers = reference(X, y, theta, eta)
    loss = len(X) * answers["loss"]
    loss_new = len(X) * answers["loss_new"]
    return {**answers, "loss": loss, "loss_new": loss_new, "loss_decreased": loss_new < loss}


def sum_in_the_gradient_only(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float
) -> Answers:
    """∇𝓛 summed over the samples; 𝓛 and 𝓛′ the right means."""
    answers = reference(X, y, theta, eta)
    return finish({**answers, "grad": s.backprop(theta, X, y).grads.sum(axis=0)}, X, y, theta, eta)


def with_theta_new(
    theta_new: np.ndarray, X: np.ndarray, y: np.ndarray, theta: np.ndarray
) -> Answers:
    """Right answers up to ∇𝓛, the given θ′, and 𝓛′ from it."""
    answers = reference(X, y, theta, 0.01)
    loss_new = float(s.loss(theta_new, X, y))
    return {
        **answers,
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < answers["loss"],
    }


def add_gradient(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """θ′ = θ + η∇𝓛."""
    return with_theta_new(theta + eta * s.gradient(theta, X, y), X, y, theta)


def forget_eta(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """θ′ = θ − ∇𝓛."""
    return with_theta_new(theta - s.gradient(theta, X, y), X, y, theta)


def per_sample_update(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """One gradient step per sample, in order (stochastic gradient descent)."""
    current = theta
    for n in range(len(X)):
        step = s.backprop(current, X[n : n + 1], y[n : n + 1]).grads[0]
        current = s.gd_step(current, step, eta)
    return with_theta_new(current, X, y, theta)


def per_sample_update_reversed(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float
) -> Answers:
    """One gradient step per sample, the last sample first."""
    current = theta
    for n in reversed(range(len(X))):
        step = s.backprop(current, X[n : n + 1], y[n : n + 1]).grads[0]
        current = s.gd_step(current, step, eta)
    return with_theta_new(current, X, y, theta)


def old_theta_loss(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """𝓛′ computed with the old θ (so it equals 𝓛)."""
    answers = reference(X, y, theta, eta)
    return {**answers, "loss_new": answers["loss"], "loss_decreased": False}


MISTAKES: dict[str, tuple[Callable[..., Answers], str, str]] = {
    # tag: (student builder, question where it is first seen, answer where it first shows)
    "no_relu": (no_relu, "q1", "y_hat"),
    "sum_instead_of_mean": (sum_instead_of_mean, "q2", "loss"),
    "missing_factor_2": (missing_factor_2, "q4", "grad_per_sample"),
    "wrong_error_sign": (wrong_error_sign, "q4", "grad_per_sample"),
    "relu_derivative": (relu_derivative, "q4", "grad_per_sample"),
    "z_instead_of_h": (z_instead_of_h, "q4", "grad_per_sample"),
    "add_gradient": (add_gradient, "q5", "theta_new"),
    "forget_eta": (forget_eta, "q5", "theta_new"),
    "per_sample_update": (per_sample_update, "q5", "theta_new"),
    "old_theta_loss": (old_theta_loss, "q6", "loss_new"),
}


def guessed(name: str, value: Any, variant: s.Dataset, margin: float = 3.0) -> np.ndarray:
    """Per component: whether a number a student can write without working gives it (0, ±1,
    an entry of y or θ), within ``margin`` times the rubric's tolerance (for 𝓛′, with room
    for θ′ rounded by hand)."""
    quantity = RUBRIC.quantity(name)
    flat = np.asarray(value, dtype=float).reshape(-1, 1)
    choices = np.array([0.0, 1.0, -1.0, *variant.y, *variant.theta]).reshape(1, -1)
    atol = quantity.atol + (0.05 if name == "loss_new" else 0.0)
    near = np.abs(flat - choices) <= margin * (atol + quantity.rtol * np.abs(choices))
    return np.any(near, axis=1)


FORMS: dict[str, tuple[str, Callable[..., Answers], str]] = {
    # the grader's mutation: (its misconception, a student who makes it, where it is first seen)
    "no_relu": ("no_relu", no_relu, "q1"),
    "sum_loss": ("sum_instead_of_mean", sum_in_the_loss_only, "q2"),
    "sum_gradient": ("sum_instead_of_mean", sum_in_the_gradient_only, "q4"),
    "half_delta": ("missing_factor_2", missing_factor_2, "q4"),
    "flip_delta": ("wrong_error_sign", wrong_error_sign, "q4"),
    "derivative_one": ("relu_derivative", relu_derivative, "q4"),
    "z_for_h": ("z_instead_of_h", z_instead_of_h, "q4"),
    "add_gradient": ("add_gradient", add_gradient, "q5"),
    "no_eta": ("forget_eta", forget_eta, "q5"),
    "per_sample": ("per_sample_update", per_sample_update, "q5"),
    "per_sample_reversed": ("per_sample_update", per_sample_update_reversed, "q5"),
    "old_theta": ("old_theta_loss", old_theta_loss, "q6"),
}
"""Every form of every known mistake that can show on a variant (g′(0) taken as 1 cannot:
no variant has z = 0), with a test student who makes it and nothing else."""


def expected_points(answers: Answers, variant: s.Dataset, rubric: Rubric) -> dict[str, float]:
    """Per question: right components earn their share, carried-forward ones (1 − penalty)."""
    right = reference(*variant)
    points: dict[str, float] = {}
    for question in rubric.questions:
        total = 0.0
        for quantity in question.quantities:
            given, wanted = answers[quantity.name], right[quantity.name]
            if isinstance(wanted, bool):
                ok = np.array([given == wanted])
            else:
                ok = np.isclose(given, wanted, rtol=1e-9, atol=1e-9).ravel()
            credit = np.where(ok, 1.0, 1 - rubric.ecf_penalty)
            total += quantity.points * credit.mean()
        points[question.key] = total
    return points


@cache
def own_numbers(student_id: str) -> s.Dataset:
    """The variant of ``student_id``, made once per test run."""
    return make_variant(student_id)


def rounded(answers: Answers, decimals: int = 3) -> Answers:
    """Every number rounded as a student writing by hand would."""
    return {
        k: v if isinstance(v, bool) else np.round(np.asarray(v, dtype=float), decimals)
        for k, v in answers.items()
    }


def by_hand(X: np.ndarray, y: np.ndarray, theta: np.ndarray, eta: float) -> Answers:
    """Right answers, each rounded to 3 decimals, 𝓛′ computed from the rounded θ′."""
    answers = rounded(reference(X, y, theta, eta))
    loss_new = round(float(s.loss(answers["theta_new"], X, y)), 3)
    return {**answers, "loss_new": loss_new, "loss_decreased": loss_new < answers["loss"]}


@st.composite
def variants(draw: st.DrawFn) -> s.Dataset:
    """Small-integer X and θ, one-decimal y (never a whole number), one active and one
    inactive hidden unit (z > 0 and z < 0), w3 ≠ 0."""
    small = st.integers(min_value=-3, max_value=3)
    X = np.array(draw(st.lists(small, min_size=4, max_size=4)), dtype=float).reshape(2, 2)
    theta = np.array(
        draw(st.lists(st.integers(min_value=-2, max_value=2), min_size=5, max_size=5)),
        dtype=float,
    )
    theta[3] = draw(st.sampled_from([-2, -1, 1, 2]))
    tenths = st.integers(min_value=-30, max_value=30).filter(lambda t: t % 10 != 0)
    y = np.array(draw(st.lists(tenths, min_size=2, max_size=2)), dtype=float) / 10
    eta = draw(st.sampled_from([0.01, 0.02, 0.05]))
    a = theta[0] * X[:, 0] + theta[1] * X[:, 1]  # z without the bias w2
    active, inactive = (0, 1) if a[0] > a[1] else (1, 0)
    # the bias w2 makes one sample fire (z ≥ 1) and keeps the other off (z ≤ −1)
    low, high = max(-3.0, 1 - a[active]), min(3.0, -1 - a[inactive])
    assume(low <= high)
    theta[2] = draw(st.integers(min_value=int(low), max_value=int(high)))
    return s.Dataset.build(X, y, theta, eta)
