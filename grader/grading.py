"""``grade``: points and feedback for one student's answers on their variant.

For each answer variable, in the order they are computed:

1. Read the value (:mod:`grader.values`); a bad value gets a message and no points.
2. Compare with the reference from :mod:`solutions`, component by component.
3. Otherwise look for a computation that explains the value (:mod:`grader.mutants`):
   the reference steps from the student's own earlier answers, or from a mistake
   already found (error carried forward: credit minus the rubric's penalty), or
   with a new misconception (tagged, explained, no credit for what it changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

import solutions
from grader.checks import all_close, close, trivial_reason
from grader.misconceptions import BY_TAG, MISCONCEPTIONS, TAG_OF_MUTATION, sentence
from grader.mutants import LOCAL_MUTATIONS, ORDER, Computation, Mutations
from grader.report import QuantityResult, QuestionResult, Report
from grader.rubric import RUBRIC, Quantity, Rubric
from grader.values import Reading, read_bool, read_numbers
from solutions.arrays import Array

MAX_EXPLANATIONS = 4

SOURCE = {
    "loss": "your ŷ (q1)",
    "grad_per_sample": "your ŷ (q1)",
    "grad": "your per-sample gradients",
    "theta_new": "your gradient (q4)",
    "loss_new": "your θ′ (q5)",
    "loss_decreased": "your 𝓛 (q2) and 𝓛′",
}
"""What a later answer is computed from, for the error-carried-forward message."""

HINTS = {
    "y_hat": "Check z = w0·x[0] + w1·x[1] + w2, h = g(z) and ŷ = w3·h + w4 for each sample.",
    "loss": "𝓛 is the mean over the samples of (ŷ − y)².",
    "grad_per_sample": "Check δŷ, then δh = δŷ·w3·g′(z), then the equalities (1)-(5).",
    "grad": "∇𝓛 is the mean of the per-sample gradients, component by component.",
    "theta_new": "θ′ = θ − η∇𝓛, component by component.",
    "loss_new": "𝓛′ is the loss after a new forward pass with θ′.",
    "loss_decreased": "Compare the loss after the update with the loss before it.",
}


def _candidate_mutations(name: str) -> tuple[tuple[Mutations, ...], ...]:
    """By level: no new mutation; each local one; each pair of local ones of different tags."""
    local = LOCAL_MUTATIONS[name]
    pairs = tuple(
        frozenset(pair)
        for pair in combinations(local, 2)
        if TAG_OF_MUTATION[pair[0]] != TAG_OF_MUTATION[pair[1]]
    )
    return ((frozenset(),), tuple(frozenset([m]) for m in local), pairs)


CANDIDATES = {name: _candidate_mutations(name) for name in ORDER}
TAG_ORDER = {m.tag: i for i, m in enumerate(MISCONCEPTIONS)}


def component_names(name: str, shape: tuple[int, ...]) -> list[str]:
    """Words for each component of an answer variable, in ``np.ndindex`` order."""
    if name == "y_hat":
        return [f"ŷ for sample {i + 1}" for i in range(shape[0])]
    if name == "grad_per_sample":
        return [f"∂L/∂w{j} for sample {i + 1}" for i, j in np.ndindex(shape)]
    if name == "grad":
        return [f"∂𝓛/∂w{j}" for j in range(shape[0])]
    if name == "theta_new":
        return [f"w{j} after the update" for j in range(shape[0])]
    return [name]


@dataclass(frozen=True)
class Match:
    """A computation that reproduces the student's value."""

    new: Mutations
    carried: Mutations
    from_student: bool


@dataclass
class _Trail:
    """What has been found so far: the mistakes that may explain the earlier answers."""

    explanations: list[Mutations] = field(default_factory=lambda: [frozenset()])
    noted_in: dict[str, str] = field(default_factory=dict)


def _tags(mutations: Mutations) -> list[str]:
    tags = {TAG_OF_MUTATION[m] for m in mutations}
    return sorted(tags, key=TAG_ORDER.__getitem__)


def _all_forms(mutations: Mutations) -> Mutations:
    """The mutations together with every other form of the same misconceptions."""
    return frozenset(form for tag in _tags(mutations) for form in BY_TAG[tag].mutations)


def _reference(data: solutions.Dataset) -> dict[str, Any]:
    reference = solutions.answers(data.theta, data.X, data.y, data.eta)
    return reference | {name: float(reference[name]) for name in ("loss", "loss_new")}


def _read(answers: Mapping[str, Any], name: str, n_samples: int) -> Reading:
    shapes: dict[str, tuple[tuple[int, ...], str]] = {
        "y_hat": ((n_samples,), "one prediction per sample"),
        "loss": ((), "a single number"),
        "grad_per_sample": ((n_samples, 5), "one row of 5 partial derivatives per sample"),
        "grad": ((5,), "5 partial derivatives, for w0 to w4"),
        "theta_new": ((5,), "5 parameters, w0 to w4"),
        "loss_new": ((), "a single number"),
    }
    if name == "loss_decreased":
        return read_bool(answers, name)
    shape, meaning = shapes[name]
    return read_numbers(answers, name, shape, meaning)


class _Grader:
    """Grades one student's answers, variable by variable."""

    def __init__(self, answers: Mapping[str, Any], data: solutions.Dataset, rubric: Rubric):
        self.rubric = rubric
        self.X = np.asarray(data.X, dtype=float)
        self.y = np.asarray(data.y, dtype=float)
        self.theta = np.asarray(data.theta, dtype=float)
        self.eta = float(data.eta)
        self.reference = _reference(data)
        self.readings = {name: _read(answers, name, len(self.X)) for name in ORDER}
        valid = {n: r.value for n, r in self.readings.items() if r.status == "ok"}
        self.trivial = {
            name: reason
            for name, value in valid.items()
            if (reason := self._trivial_reason(name, value)) is not None
        }
        usable = {n: v for n, v in valid.items() if n not in self.trivial}
        self.computation = Computation(self.X, self.y, self.theta, self.eta, usable)
        self.raw = Computation(self.X, self.y, self.theta, self.eta, valid)
        self.trail = _Trail()
        self.tainted: set[str] = set()  # answers that only follow from trivial ones

    def _trivial_reason(self, name: str, value: Any) -> str | None:
        quantity = self.rubric.quantity(name)
        if all_close(value, self.reference[name], quantity.rtol, quantity.atol):
            return None
        return trivial_reason(
            name,
            value,
            self.reference[name],
            self.y,
            self.theta,
            self.rubric.absurd_magnitude,
            quantity.atol,
        )

    def _tolerance(self, quantity: Quantity) -> tuple[float, float]:
        """(rtol, atol); 𝓛′ also allows for θ′ rounded by hand before the last forward pass."""
        if quantity.name != "loss_new":
            return quantity.rtol, quantity.atol
        slope = solutions.gradient(self.reference["theta_new"], self.X, self.y)
        allowance = self.rubric.theta_rounding * float(np.abs(slope).sum())
        return quantity.rtol, quantity.atol + allowance

    def grade(self) -> Report:
        questions = {}
        with np.errstate(all="ignore"):
            for question in self.rubric.questions:
                parts = tuple(self._grade_quantity(q, question.key) for q in question.quantities)
                questions[question.key] = _combine(question.title, parts)
        return Report(questions=questions)

    # -- one answer variable ---------------------------------------------------------

    def _grade_quantity(self, quantity: Quantity, question: str) -> QuantityResult:
        name = quantity.name
        reading = self.readings[name]
        if reading.status != "ok":
            return QuantityResult(name, 0.0, quantity.points, reading.status, reading.problem)
        rtol, atol = self._tolerance(quantity)
        student = reading.value
        reference = self.reference[name]
        right = close(student, reference, rtol, atol).ravel()
        if right.all():
            return QuantityResult(name, quantity.points, quantity.points, "correct", "Correct.")
        reasons = self._follows_from_trivial(name, student, rtol, atol)
        if reasons:
            return self._trivial(quantity, reasons)
        matches = self._matches(name, student, reference, rtol, atol)
        carried = [m for m in matches if not m.new]
        if carried:
            return self._carried_forward(quantity, right, carried, question)
        if matches:
            return self._misconception(quantity, right, matches, question)
        return self._wrong(quantity, student, right, rtol, atol)

    def _given(self, computation: Computation, name: str) -> frozenset[str]:
        earlier = ORDER[: ORDER.index(name)]
        return frozenset(n for n in earlier if n in computation.given)

    def _matches(
        self, name: str, student: Any, reference: Any, rtol: float, atol: float
    ) -> list[Match]:
        """Computations that reproduce the value, with as few new mistakes as possible."""
        given = self._given(self.computation, name)
        sources = [(False, frozenset[str]())] + ([(True, given)] if given else [])
        for level in (*CANDIDATES[name][:2], self._unseen(name), CANDIDATES[name][2]):
            matches = []
            for carried in self.trail.explanations:
                for from_student, names in sources:
                    for new in level:
                        if new & carried or not (new or carried or from_student):
                            continue
                        value = self.computation.value(name, carried | new, names)
                        if all_close(value, reference, rtol, atol):
                            continue  # this computation cannot be told apart from the reference
                        if all_close(student, value, rtol, atol):
                            matches.append(Match(new, carried, from_student))
            if matches:
                return matches
        return []

    def _unseen(self, name: str) -> tuple[Mutations, ...]:
        """Mistakes whose own answer is missing or unreadable: they may first show here."""
        earlier = ORDER[: ORDER.index(name)]
        unread = [n for n in earlier if self.readings[n].status != "ok"]
        mutations = dict.fromkeys(m for n in unread for m in LOCAL_MUTATIONS[n])
        return tuple(frozenset([m]) for m in mutations if m not in LOCAL_MUTATIONS[name])

    def _points(self, quantity: Quantity, right: Array, credit: Array) -> float:
        """Right components earn their share, the others their ``credit``; trivial answers none."""
        if quantity.name in self.trivial:
            return 0.0
        share = quantity.points / right.size
        return round(float(share * (right.sum() + credit[~right].sum())), 6)

    def _carried_forward(
        self, quantity: Quantity, right: Array, matches: list[Match], question: str
    ) -> QuantityResult:
        self.trail.explanations = list(dict.fromkeys(m.carried for m in matches))
        keep = 1 - self.rubric.ecf_penalty
        points = self._points(quantity, right, np.full(right.shape, keep))
        if any(m.from_student and not m.carried for m in matches):
            origin = f"from {SOURCE[quantity.name]}"
        else:
            tags = _tags(frozenset().union(*(m.carried for m in matches)))
            where = sorted({self.trail.noted_in.get(t, "") for t in tags} - {""})
            noted = "above" if where == [question] else "in " + " and ".join(where)
            origin = f"from the mistake noted {noted}"
        feedback = (
            f"Not the expected value, but it follows correctly {origin}: "
            f"error carried forward, {_points_text(points, quantity.points)}."
        )
        return QuantityResult(quantity.name, points, quantity.points, "carried_forward", feedback)

    def _misconception(
        self, quantity: Quantity, right: Array, matches: list[Match], question: str
    ) -> QuantityResult:
        # a mistake once noted explains all its forms later on (sum in 𝓛 → sum in ∇𝓛 too)
        explanations = (m.carried | _all_forms(m.new) for m in matches)
        self.trail.explanations = list(dict.fromkeys(explanations))[:MAX_EXPLANATIONS]
        readings = list(dict.fromkeys(tuple(_tags(m.new)) for m in matches))
        tags = tuple(dict.fromkeys(tag for reading in readings for tag in reading))
        for tag in tags:
            self.trail.noted_in.setdefault(tag, question)
        if len(readings) == 1:
            feedback = " ".join(sentence(tag) for tag in readings[0])
        else:
            options = " Or: ".join(" ".join(sentence(t) for t in r) for r in readings)
            feedback = (
                "These numbers fit more than one mistake, and they cannot tell which one "
                f"was made. Either: {options}"
            )
        points = self._points(quantity, right, np.zeros(right.shape))
        status = "partial" if points > 0 else "incorrect"
        return QuantityResult(quantity.name, points, quantity.points, status, feedback, tags)

    def _wrong(
        self, quantity: Quantity, student: Any, right: Array, rtol: float, atol: float
    ) -> QuantityResult:
        """No computation explains the whole value: credit right and carried-forward parts."""
        name = quantity.name
        carried = np.zeros(right.shape, dtype=bool)
        given = self._given(self.computation, name)
        for explanation in self.trail.explanations:
            for source in {frozenset[str](), given}:
                if explanation or source:
                    value = self.computation.value(name, explanation, source)
                    carried |= close(student, value, rtol, atol).ravel()
        carried &= ~right
        keep = 1 - self.rubric.ecf_penalty
        points = self._points(quantity, right, np.where(carried, keep, 0.0))
        wrong = ~right & ~carried
        texts = []
        if right.size > 1:
            labels = component_names(name, np.shape(self.reference[name]))
            wrong_names = [label for label, w in zip(labels, wrong, strict=True) if w]
            texts.append(f"Not right: {', '.join(wrong_names)}.")
            if carried.any():
                texts.append(
                    f"{int(carried.sum())} other component(s) follow correctly from your "
                    "earlier answers (error carried forward)."
                )
        else:
            texts.append("Not right.")
        texts.append(self._large_note(name))
        texts.append(HINTS[name])
        status = "partial" if points > 0 else "incorrect"
        return QuantityResult(
            name, points, quantity.points, status, " ".join(t for t in texts if t)
        )

    def _follows_from_trivial(self, name: str, student: Any, rtol: float, atol: float) -> str:
        """The trivial earlier answers this value follows from ("" if none)."""
        given = self._given(self.raw, name)
        trivial = [n for n in ORDER if n in given and n in self.trivial]
        if not trivial:
            return ""
        if not all_close(student, self.raw.value(name, frozenset(), given), rtol, atol):
            return ""
        roots = [n for n in trivial if n not in self.tainted] or trivial
        return ", ".join(f"{n} is {self.trivial[n]}" for n in roots)

    def _trivial(self, quantity: Quantity, reasons: str) -> QuantityResult:
        """A value that only follows from trivial answers earns nothing, and passes nothing on."""
        name = quantity.name
        self.trivial[name] = "consistent only with a trivial answer"
        self.tainted.add(name)
        self.computation.given.pop(name, None)
        texts = [
            "Not right. It follows from your earlier answers, but no credit is carried "
            f"forward from a trivial answer ({reasons}).",
            self._large_note(name),
            HINTS[name],
        ]
        feedback = " ".join(t for t in texts if t)
        return QuantityResult(name, 0.0, quantity.points, "incorrect", feedback)

    def _large_note(self, name: str) -> str:
        if self.trivial.get(name) == "implausibly large":
            return f"{name} is implausibly large."
        return ""


def _points_text(points: float, max_points: float) -> str:
    return f"{points:g} of {max_points:g} point{'' if max_points == 1 else 's'}"


def _combine(title: str, parts: tuple[QuantityResult, ...]) -> QuestionResult:
    points = round(sum(p.points for p in parts), 6)
    max_points = round(sum(p.max_points for p in parts), 6)
    statuses = {p.status for p in parts}
    if statuses == {"correct"}:
        status = "correct"
    elif statuses <= {"correct", "carried_forward"}:
        status = "carried_forward"
    elif points > 0:
        status = "partial"
    elif statuses == {"missing"}:
        status = "missing"
    elif "invalid" in statuses:
        status = "invalid"
    else:
        status = "incorrect"
    if len(parts) == 1:
        feedback = parts[0].feedback
    else:
        feedback = " ".join(f"{p.name}: {p.feedback}" for p in parts)
    tags = tuple(dict.fromkeys(tag for p in parts for tag in p.tags))
    return QuestionResult(points, max_points, status, feedback, tags, title, parts)


def grade(
    answers: Mapping[str, Any], X: Any, y: Any, theta: Any, eta: Any, rubric: Rubric = RUBRIC
) -> Report:
    """Grade a student's answers on their variant (X, y, theta, eta).

    ``answers`` maps answer names (``y_hat``, ``loss``, ``grad_per_sample``, ``grad``,
    ``theta_new``, ``loss_new``, ``loss_decreased``) to values; any may be missing,
    and bad values get a message, never an exception. A bad *variant* is the
    caller's error and raises ValueError.
    """
    data = solutions.Dataset.build(X, y, theta, eta)
    notes: tuple[str, ...] = ()
    if not isinstance(answers, Mapping):
        notes = (f"The answers were a {type(answers).__name__}, not a mapping of names.",)
        answers = {}
    report = _Grader(answers, data, rubric).grade()
    return Report(questions=report.questions, notes=notes)
