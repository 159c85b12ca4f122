"""Every number the chapters show, computed once, by chapter.

Each chapter's hidden cell glues one of the mappings below (``glued.glue_chapter``);
its prose shows them with ``{glue:text}`` and its formulas, written in the Markdown,
with ``{worked-math}`` placeholders. The values are plain Python numbers, computed
exactly (``fractions.Fraction``) wherever the homework is worked by hand.
``tests/book/test_worked.py`` checks them against an independent hand computation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple

import numpy as np

import grader
import solutions
from solutions import SEED, Dataset

Values = dict[str, float]

EXACT = solutions.as_exact(SEED)


def _numbers(prefix: str, values: Any) -> Values:
    """``{prefix}0``, ``{prefix}1``, … for the entries of a vector, as floats."""
    return {f"{prefix}{i}": float(v) for i, v in enumerate(values)}


def _samples(data: Dataset) -> Values:
    """``x{n}_0``, ``x{n}_1`` and ``y{n}`` for every sample n = 1, 2, …"""
    values: Values = {}
    for n, (x, target) in enumerate(zip(data.X, data.y, strict=True), start=1):
        values |= {f"x{n}_0": float(x[0]), f"x{n}_1": float(x[1]), f"y{n}": float(target)}
    return values


def _per_sample(**columns: Any) -> Values:
    """``{name}{n}`` for every column and sample n = 1, 2, …"""
    return {
        f"{name}{n}": float(value)
        for name, column in columns.items()
        for n, value in enumerate(column, start=1)
    }


def intro() -> Values:
    """The data, θ and η, and the sizes of the problem."""
    return {
        "n_samples": len(EXACT.y),
        "n_params": len(EXACT.theta),
        **_samples(EXACT),
        **_numbers("w", EXACT.theta),
        "eta": float(EXACT.eta),
    }


def graph_labels() -> list[dict[str, float]]:
    """Per sample, the forward values and backward errors the computational graph shows."""
    fwd = solutions.forward(EXACT.theta, EXACT.X)
    back = solutions.backprop(EXACT.theta, EXACT.X, EXACT.y)
    return [
        {
            "x0": float(x[0]),
            "x1": float(x[1]),
            "y": float(target),
            "z": float(z),
            "h": float(h),
            "y_hat": float(y_hat),
            "L": float((y_hat - target) ** 2),
            "d_y_hat": float(d_y_hat),
            "d_h": float(d_h),
        }
        for x, target, z, h, y_hat, d_y_hat, d_h in zip(
            EXACT.X, EXACT.y, fwd.z, fwd.h, fwd.y_hat, back.delta_y_hat, back.delta_h, strict=True
        )
    ]


def q1_forward() -> Values:
    """Question 1: z, h and ŷ per sample."""
    fwd = solutions.forward(EXACT.theta, EXACT.X)
    return {
        **_numbers("w", EXACT.theta),
        **_samples(EXACT),
        **_per_sample(z=fwd.z, h=fwd.h, y_hat=fwd.y_hat),
    }


def q2_loss() -> Values:
    """Question 2: the squared errors and their mean."""
    y_hat = solutions.forward(EXACT.theta, EXACT.X).y_hat
    return {
        "n_samples": len(EXACT.y),
        **_samples(EXACT),
        **_per_sample(y_hat=y_hat, L=(y_hat - EXACT.y) ** 2),
        "loss": float(solutions.loss(EXACT.theta, EXACT.X, EXACT.y)),
    }


def kink_parameters() -> Any:
    """θ with the bias w2 chosen so that sample 1 sits on the ReLU's kink, z = 0."""
    theta = SEED.theta.copy()
    x1 = SEED.X[0]
    theta[2] = -(theta[0] * x1[0] + theta[1] * x1[1])
    return theta


def q3_proofs() -> Values:
    """Question 3: backpropagation against finite differences at the kink."""
    theta = kink_parameters()
    grad = solutions.gradient(theta, SEED.X, SEED.y)
    numeric = solutions.numerical_gradient(theta, SEED.X, SEED.y)
    return {
        **_numbers("k", theta),
        "z_kink": float(solutions.forward(theta, SEED.X).z[0]),
        **_numbers("grad_kink", grad),
        **_numbers("numeric_kink", numeric),
        "w2_kink_gap": float(abs(numeric[2] - grad[2])),
    }


def q4_gradient() -> Values:
    """Question 4: errors, per-sample gradients, their mean and the finite-difference check."""
    fwd = solutions.forward(EXACT.theta, EXACT.X)
    back = solutions.backprop(EXACT.theta, EXACT.X, EXACT.y)
    grad = solutions.gradient(EXACT.theta, EXACT.X, EXACT.y)
    numeric = solutions.numerical_gradient(SEED.theta, SEED.X, SEED.y)
    gaps = np.abs(grad.astype(float) - numeric)
    values: Values = {
        "n_samples": len(EXACT.y),
        "w3": float(EXACT.theta[3]),
        **_samples(EXACT),
        **_per_sample(z=fwd.z, y_hat=fwd.y_hat, d_y_hat=back.delta_y_hat, d_h=back.delta_h),
        **_numbers("grad_", grad),
        **_numbers("num_", numeric),
        **_numbers("gap_", gaps),
        "max_gap": float(gaps.max()),
        "w4_grad": float(grad[4]),
    }
    for n, row in enumerate(back.grads, start=1):
        values |= _numbers(f"g{n}_", row)
    return values


def q5_update() -> Values:
    """Question 5: θ, the gradient, θ′ and the change of each parameter."""
    grad = solutions.gradient(EXACT.theta, EXACT.X, EXACT.y)
    theta_new = solutions.gd_step(EXACT.theta, grad, EXACT.eta)
    return {
        "eta": float(EXACT.eta),
        **_numbers("w", EXACT.theta),
        **_numbers("g", grad),
        **_numbers("new", theta_new),
        **_numbers("change", theta_new - EXACT.theta),
    }


def q6_loss_after() -> Values:
    """Question 6: the forward pass and the loss after the step, and the first-order estimate."""
    grad = solutions.gradient(EXACT.theta, EXACT.X, EXACT.y)
    theta_new = solutions.gd_step(EXACT.theta, grad, EXACT.eta)
    fwd = solutions.forward(theta_new, EXACT.X)
    before = solutions.loss(EXACT.theta, EXACT.X, EXACT.y)
    after = solutions.loss(theta_new, EXACT.X, EXACT.y)
    grad_norm_sq = sum(g * g for g in grad)
    predicted = EXACT.eta * grad_norm_sq
    return {
        "n_samples": len(EXACT.y),
        "eta": float(EXACT.eta),
        **_samples(EXACT),
        **_per_sample(z=fwd.z, h=fwd.h, y_hat=fwd.y_hat, L=(fwd.y_hat - EXACT.y) ** 2),
        "loss_before": float(before),
        "loss_after": float(after),
        "drop": float(before - after),
        "drop_percent": float(100 * (before - after) / before),
        "grad_norm_sq": float(grad_norm_sq),
        "predicted_drop": float(predicted),
        "prediction_ratio": float((before - after) / predicted),
    }


LEARNING_RATES: dict[str, tuple[float, int]] = {
    "too small": (0.001, 60),
    "well chosen": (0.1, 60),
    "too large: divergence": (0.6, 5),
    "too large: the ReLU switches off": (0.5, 60),
}
"""Question 7's experiment: name → (learning rate, steps), from the homework's θ."""


class Run(NamedTuple):
    """One run of the experiment: its learning rate, the losses and thetas after each step,
    and for each step and sample whether the hidden unit is on (z > 0)."""

    eta: float
    losses: Any
    thetas: Any
    active: Any


@cache
def learning_rate_runs() -> dict[str, Run]:
    """Full-batch gradient descent from the homework's θ, one run per learning rate."""
    X, y, theta, _ = SEED
    runs = {}
    for name, (eta, steps) in LEARNING_RATES.items():
        history = solutions.train(theta, X, y, eta, steps)
        z = np.array([solutions.forward(t, X).z for t in history.thetas])
        runs[name] = Run(eta, history.losses.astype(float), history.thetas, z > 0)
    return runs


def first_step_change(eta: float, data: Dataset = SEED) -> float:
    """Loss after one step of size eta minus loss before (< 0: lower)."""
    X, y, theta, _ = data
    before = float(solutions.loss(theta, X, y))
    after = solutions.loss(theta - eta * solutions.gradient(theta, X, y), X, y)
    return float(after) - before


@cache
def largest_decreasing_eta(
    eta_max: float = 2.0, grid_size: int = 4001, data: Dataset = SEED
) -> float:
    """The first eta > 0 at which the first step stops lowering the loss."""
    grid = np.linspace(0.0, eta_max, grid_size)[1:]
    changes = np.array([first_step_change(eta, data) for eta in grid])
    first = int(np.argmax(changes >= 0))
    if first == 0 or changes[first] < 0:
        raise ValueError("no sign change on the grid")
    low, high = float(grid[first - 1]), float(grid[first])
    # bisection: the change is < 0 at low and >= 0 at high
    while high - low > 1e-12:
        middle = (low + high) / 2
        if first_step_change(middle, data) < 0:
            low = middle
        else:
            high = middle
    return low


def q7_learning_rate() -> Values:
    """Question 7: what each run of the experiment ends at, and the largest useful η."""
    runs = learning_rate_runs()
    small, good = runs["too small"], runs["well chosen"]
    big, dead = runs["too large: divergence"], runs["too large: the ReLU switches off"]
    X, y, theta, eta = SEED
    return {
        "eta_seed": float(eta),
        "loss_0": float(solutions.loss(theta, X, y)),
        "small_eta": small.eta,
        "small_steps": len(small.losses) - 1,
        "small_final": float(small.losses[-1]),
        "good_eta": good.eta,
        "good_final": float(good.losses[-1]),
        "big_eta": big.eta,
        "big_steps": len(big.losses) - 1,
        "big_final": float(big.losses[-1]),
        "dead_eta": dead.eta,
        "dead_from": int(np.argmax(~dead.active.any(axis=1))),
        "dead_final": float(dead.losses[-1]),
        "variance_y": float(np.var(y)),
        "mean_y": float(np.mean(y)),
        "eta_star": largest_decreasing_eta(),
    }


def assignment() -> Values:
    """The students' page: the points of each question, from the grader's rubric."""
    rubric = grader.RUBRIC
    automatic = {q.key: q.max_points for q in rubric.questions}
    by_hand = {q.key: q.points for q in rubric.hand_graded}
    points: Values = {f"points_{key}": _whole(p) for key, p in {**automatic, **by_hand}.items()}
    return {
        **points,
        "points_automatic": _whole(sum(automatic.values())),
        "points_by_hand": _whole(sum(by_hand.values())),
        "points_total": _whole(rubric.total_points),
        "carried_share": round(100 * (1 - rubric.ecf_penalty)),
    }


def _whole(value: float) -> float:
    """2.0 → 2, so that a count of points prints without a decimal."""
    return int(value) if float(value).is_integer() else value


CHAPTERS: dict[str, Callable[[], Values]] = {
    "intro": intro,
    "q1_forward": q1_forward,
    "q2_loss": q2_loss,
    "q3_proofs": q3_proofs,
    "q4_gradient": q4_gradient,
    "q5_update": q5_update,
    "q6_loss_after": q6_loss_after,
    "q7_learning_rate": q7_learning_rate,
    "assignment": assignment,
}
"""Each chapter's file name (without ``.md``) and the numbers it shows."""
