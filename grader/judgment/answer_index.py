"""Every variant's plausible answers, indexed for tolerance look-ups (a building block of
:mod:`grader.judgment.collusion`).

For one answer variable, a *family* is a set of at most two known mistakes
(:mod:`grader.judgment.mutants`; the empty set is the right answer). Its values are
computed for every variant of the class at once (numpy arrays with the variants along the
last axis), and put in an :class:`AnswerIndex`: candidate vectors sorted by a fixed
projection, so that all the candidates within the rubric's tolerance of a value are found
by a binary search and one exact check, never by comparing every student with every other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, cast

import numpy as np

import solutions
from grader.judgment.misconceptions import BY_TAG, TAG_OF_MUTATION
from grader.judgment.mutants import LOCAL_MUTATIONS, ORDER, Computation, Mutations
from grader.judgment.rubric import Rubric
from solutions.arrays import Array

NUMERIC_NAMES = tuple(name for name in ORDER if name != "loss_decreased")
"""The answers compared: every numeric one (a True or False is the same for many)."""

SHAPES: Mapping[str, tuple[tuple[int, ...], str]] = {
    "y_hat": ((2,), "one prediction per sample"),
    "loss": ((), "a single number"),
    "grad_per_sample": ((2, 5), "one row of 5 partial derivatives per sample"),
    "grad": ((5,), "5 partial derivatives, for w0 to w4"),
    "theta_new": ((5,), "5 parameters, w0 to w4"),
    "loss_new": ((), "a single number"),
}
"""The shape of each numeric answer (the homework's two samples) and its meaning."""

EXACT = 1e-9
"""Relative and absolute difference under which a match is called exact."""

_WEIGHTS = np.random.default_rng(20240901).uniform(1.0, 2.0, size=16)
"""Positive weights of the projection (fixed: the index is the same on every run)."""


def families(name: str) -> tuple[Mutations, ...]:
    """The mistake sets whose values are indexed for ``name``: none, each mistake that can
    show by then, each pair of different misconceptions, and each with all its forms."""
    reachable = [m for n in ORDER[: ORDER.index(name) + 1] for m in LOCAL_MUTATIONS[n]]
    singles = [frozenset([m]) for m in reachable]
    pairs = [
        frozenset(pair)
        for pair in combinations(reachable, 2)
        if TAG_OF_MUTATION[pair[0]] != TAG_OF_MUTATION[pair[1]]
    ]
    closed = [
        frozenset(f for m in family for f in BY_TAG[TAG_OF_MUTATION[m]].mutations)
        for family in [*singles, *pairs]
    ]
    return tuple(dict.fromkeys([frozenset(), *singles, *pairs, *closed]))


class _ClassComputation(Computation):
    """:class:`Computation` on every variant at once (the variants along the last axis)."""

    def _loss(self, m: Mutations, g: frozenset[str]) -> Any:
        residuals = self.value("y_hat", m, g) - self.y
        return self._mean(residuals**2, m, "sum_loss")

    def _loss_new(self, m: Mutations, g: frozenset[str]) -> Any:
        if "old_theta" in m:
            return self.value("loss", m, g)
        y_hat = self._forward(self.value("theta_new", m, g), m)[2]
        return self._mean((y_hat - self.y) ** 2, m, "sum_loss")


def stacked(variants: Sequence[solutions.Dataset]) -> tuple[Array, Array, Array, Array]:
    """X (2, 2, V), y (2, V), θ (5, V) and η (V,) of ``variants``, as floats."""
    X = np.stack([np.asarray(v.X, dtype=float) for v in variants], axis=-1)
    y = np.stack([np.asarray(v.y, dtype=float) for v in variants], axis=-1)
    theta = np.stack([np.asarray(v.theta, dtype=float) for v in variants], axis=-1)
    eta = np.array([float(v.eta) for v in variants])
    return X, y, theta, eta


@dataclass(frozen=True)
class FamilyValues:
    """Every family's value of one answer variable on every variant."""

    families: tuple[Mutations, ...]
    values: Array
    """(families, variants, components)"""
    atol: Array
    """(variants,): the rubric's absolute tolerance on each variant."""


def family_values(variants: Sequence[solutions.Dataset], rubric: Rubric) -> dict[str, FamilyValues]:
    """For each numeric answer, its families' values on each of ``variants``."""
    X, y, theta, eta = stacked(variants)
    computation = _ClassComputation(X, y, theta, cast(float, eta), {})
    result = {}
    with np.errstate(all="ignore"):
        for name in NUMERIC_NAMES:
            kinds = families(name)
            columns = [np.asarray(computation.value(name, family)) for family in kinds]
            values = np.stack([np.moveaxis(c, -1, 0).reshape(len(variants), -1) for c in columns])
            atol = np.full(len(variants), rubric.quantity(name).atol)
            if name == "loss_new":  # θ′ rounded by hand before the last forward pass
                theta_new = computation.value("theta_new", frozenset())
                after = _ClassComputation(X, y, theta_new, cast(float, eta), {})
                slope = np.abs(after.value("grad", frozenset())).sum(axis=0)
                atol = atol + rubric.theta_rounding * slope
            result[name] = FamilyValues(kinds, values, atol)
    return result


class AnswerIndex:
    """Candidate vectors of one answer variable, found by value within a tolerance."""

    def __init__(self, values: Array, atol: Array, rtol: float) -> None:
        self.values = values
        self.atol = atol
        self.rtol = rtol
        self.atol_max = float(atol.max()) if len(atol) else 0.0
        weights = _WEIGHTS[: values.shape[1]]
        keys = values @ weights
        self.order = np.argsort(keys, kind="stable")
        self.keys = keys[self.order]

    def hits(self, queries: Array, chunk: int = 200_000) -> tuple[Array, Array]:
        """Pairs (query row, candidate row) where every component of the query is within
        ``atol + rtol·|candidate|`` of the candidate (the rubric's test)."""
        empty = np.zeros(0, dtype=np.int64)
        if len(queries) == 0 or len(self.keys) == 0:
            return empty, empty
        weights = _WEIGHTS[: queries.shape[1]]
        bound_each = self.atol_max + self.rtol * (np.abs(queries) + self.atol_max) / (1 - self.rtol)
        bound = bound_each @ weights
        key = queries @ weights
        slack = 1e-9 * (1 + np.abs(key))
        lo = np.searchsorted(self.keys, key - bound - slack, side="left")
        hi = np.searchsorted(self.keys, key + bound + slack, side="right")
        counts = hi - lo
        rows = np.repeat(np.arange(len(queries)), counts)
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
        candidates = self.order[starts + np.arange(len(rows))]
        kept_rows, kept_candidates = [], []
        for start in range(0, len(rows), chunk):
            r, c = rows[start : start + chunk], candidates[start : start + chunk]
            reference = self.values[c]
            limit = self.atol[c, None] + self.rtol * np.abs(reference)
            ok = np.all(np.abs(queries[r] - reference) <= limit, axis=1)
            kept_rows.append(r[ok])
            kept_candidates.append(c[ok])
        if not kept_rows:
            return empty, empty
        return np.concatenate(kept_rows), np.concatenate(kept_candidates)
