"""The homework's computation with mistakes switched on, and with a student's own values given.

A *mutation* is one flag that changes one step of the computation the way a
misconception does (see :mod:`grader.judgment.misconceptions`). A :class:`Computation`
evaluates any answer variable under a set of mutations, optionally starting from
values the student gave for earlier variables (error carried forward). The steps
are the reference's (:mod:`solutions`) with small changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from grader.judgment.rubric import ANSWER_NAMES
from solutions import relu, relu_left_derivative
from solutions.arrays import Array

ORDER = ANSWER_NAMES

_BACKPROP = ("half_delta", "flip_delta", "derivative_one", "derivative_one_at_zero", "z_for_h")

LOCAL_MUTATIONS: Mapping[str, tuple[str, ...]] = {
    "y_hat": ("no_relu",),
    "loss": ("sum_loss",),
    "grad_per_sample": _BACKPROP,
    "grad": (*_BACKPROP, "sum_gradient"),
    "theta_new": ("add_gradient", "no_eta", "per_sample", "per_sample_reversed"),
    "loss_new": ("old_theta", "sum_loss"),
    "loss_decreased": (),
}
"""The mutations that can first show in each answer variable."""

Mutations = frozenset[str]


class Computation:
    """One variant's computation; values are cached per (variable, mutations, given names)."""

    def __init__(self, X: Array, y: Array, theta: Array, eta: float, given: Mapping[str, Any]):
        self.X = X
        self.y = y
        self.theta = theta
        self.eta = eta
        self.given = dict(given)
        self._cache: dict[tuple[str, Mutations, frozenset[str]], Any] = {}

    def value(self, name: str, mutations: Mutations, given: frozenset[str] = frozenset()) -> Any:
        """Variable ``name`` under ``mutations``, using the student's values of ``given``."""
        key = (name, mutations, given)
        if key not in self._cache:
            if name in given:
                self._cache[key] = self.given[name]
            else:
                self._cache[key] = getattr(self, "_" + name)(mutations, given)
        return self._cache[key]

    # -- the steps -------------------------------------------------------------------

    def _forward(self, theta: Array, m: Mutations) -> tuple[Array, Array, Array]:
        z = theta[0] * self.X[:, 0] + theta[1] * self.X[:, 1] + theta[2]
        h = z if "no_relu" in m else relu(z)
        return z, h, theta[3] * h + theta[4]

    def _mean(self, values: Array, m: Mutations, sum_flag: str) -> Any:
        return values.sum(axis=0) if sum_flag in m else values.sum(axis=0) / len(values)

    def _backprop(self, theta: Array, y_hat: Array, m: Mutations) -> Array:
        z, h, _ = self._forward(theta, m)
        delta_y_hat = (y_hat - self.y) * (1 if "half_delta" in m else 2)
        if "flip_delta" in m:
            delta_y_hat = -delta_y_hat
        if "no_relu" in m or "derivative_one" in m:
            slope = np.ones_like(z)
        elif "derivative_one_at_zero" in m:
            slope = np.where(z >= 0, 1.0, 0.0)
        else:
            slope = relu_left_derivative(z)
        delta_h = delta_y_hat * theta[3] * slope
        w3_factor = z if "z_for_h" in m else h
        columns = [delta_h * self.X[:, 0], delta_h * self.X[:, 1], delta_h]
        grads = np.stack([*columns, delta_y_hat * w3_factor, delta_y_hat], axis=1)
        result: Array = grads + 0.0
        return result

    def _y_hat(self, m: Mutations, g: frozenset[str]) -> Array:
        return self._forward(self.theta, m)[2]

    def _loss(self, m: Mutations, g: frozenset[str]) -> float:
        residuals = self.value("y_hat", m, g) - self.y
        return float(self._mean(residuals**2, m, "sum_loss"))

    def _grad_per_sample(self, m: Mutations, g: frozenset[str]) -> Array:
        return self._backprop(self.theta, self.value("y_hat", m, g), m)

    def _grad(self, m: Mutations, g: frozenset[str]) -> Array:
        result: Array = self._mean(self.value("grad_per_sample", m, g), m, "sum_gradient")
        return result

    def _theta_new(self, m: Mutations, g: frozenset[str]) -> Array:
        step = (1.0 if "no_eta" in m else self.eta) * (1 if "add_gradient" in m else -1)
        if "per_sample" in m or "per_sample_reversed" in m:
            samples = range(len(self.X))
            return self._per_sample(step, m, g, samples if "per_sample" in m else samples[::-1])
        result: Array = self.theta + step * self.value("grad", m, g)
        return result

    def _per_sample(self, step: float, m: Mutations, g: frozenset[str], order: range) -> Array:
        """One update per sample, in ``order``, each from the parameters the last one left."""
        theta = self.theta
        for position, n in enumerate(order):
            if position == 0:
                grads = self.value("grad_per_sample", m, g)
            else:
                grads = self._backprop(theta, self._forward(theta, m)[2], m)
            theta = theta + step * grads[n]
        return theta

    def _loss_new(self, m: Mutations, g: frozenset[str]) -> float:
        if "old_theta" in m:
            return float(self.value("loss", m, g))
        y_hat = self._forward(self.value("theta_new", m, g), m)[2]
        return float(self._mean((y_hat - self.y) ** 2, m, "sum_loss"))

    def _loss_decreased(self, m: Mutations, g: frozenset[str]) -> bool:
        return bool(self.value("loss_new", m, g) < self.value("loss", m, g))
