"""``grade``: points and feedback for one student's answers on their variant.

For each answer variable, in the order they are computed:

1. Read the value (:mod:`grader.judgment.values`); a bad value gets a message and no points.
2. Compare with the reference from :mod:`solutions`, component by component.
3. Otherwise look for a computation that explains the value (:mod:`grader.judgment.mutants`):
   the reference steps from the student's own earlier answers, or from a mistake
   already found (error carried forward: credit minus the rubric's penalty), or
   with a new misconception (tagged, explained, no credit for what it changed).

No answer that is the same for every student earns points on its own: trivial
answers (all zeros, ŷ = y, θ′ = θ) and the answers for the homework's original
numbers earn nothing and carry nothing forward; a component that a guess gives (0,
±1, an entry of y or θ: :func:`solutions.variant.guesses`) earns points only beside
one that no guess gives (every variant has an inactive sample, whose ŷ is w4 and
whose ∂L/∂w0 … ∂L/∂w3 are 0), so an answer made of guesses only earns nothing unless
it is right; and the steps that use none of the variant's numbers (∇𝓛 as the mean of
the per-sample gradients, ``loss_decreased`` as 𝓛′ < 𝓛) earn credit only from
earlier answers that earned credit or that a recognised mistake explains (and that
are not made of guesses only). A known mistake on the student's own numbers explains
an answer before the guard against the original numbers does: :mod:`solutions.variant`
keeps every known mistake off those numbers, and off answers made of guesses only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

import solutions
from grader.judgment.checks import all_close, close, near_any, trivial_reason
from grader.judgment.misconceptions import BY_TAG, MISCONCEPTIONS, TAG_OF_MUTATION, sentence
from grader.judgment.mutants import LOCAL_MUTATIONS, ORDER, Computation, Mutations
from grader.judgment.report import QuantityResult, QuestionResult, Report
from grader.judgment.rubric import RUBRIC, Quantity, Rubric
from grader.judgment.values import Reading, read_bool, read_numbers
from solutions.arrays import Array
from solutions.variant import guesses

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

UNEXPLAINED = "not right, and no mistake on your numbers explains it"
"""Why an answer that earned nothing passes nothing to a step that uses none of the numbers."""

SEED_REASON = "the answer for the homework's original numbers (an empty student ID), not yours"
"""Why an answer that fits the original numbers, not the student's, earns nothing."""

GUESSES = "numbers anyone can write down without working them out (0, ±1, an entry of y or θ)"
"""What a guessed component is, for the feedback."""

DATA_FREE_SOURCES = {"grad": ("grad_per_sample",), "loss_decreased": ("loss", "loss_new")}
"""Steps that use none of the variant's numbers, and the answers they are computed from."""


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


def _allowance(theta_new: Any, X: Array, y: Array, rubric: Rubric) -> float:
    """How far 𝓛′ moves when θ′ is rounded by hand: the rubric's rounding times |∇𝓛(θ′)|₁."""
    slope = solutions.gradient(theta_new, X, y)
    return rubric.theta_rounding * float(np.abs(slope).sum())


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
        self.seed = _reference(solutions.SEED)
        self.guesses = guesses(data)
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
        self.guessed_only: set[str] = set()  # answers that follow, but that guesses give
        self.results: dict[str, QuantityResult] = {}

    def _trivial_reason(self, name: str, value: Any) -> str | None:
        quantity = self.rubric.quantity(name)
        rtol, atol = self._tolerance(quantity)
        if all_close(value, self.reference[name], rtol, atol):
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

    def _fits_seed(self, quantity: Quantity, value: Any) -> bool:
        """Whether the value is the answer for the homework's original numbers."""
        rtol, atol = quantity.rtol, quantity.atol
        if quantity.name == "loss_new":
            seed = solutions.SEED
            atol += _allowance(self.seed["theta_new"], seed.X, seed.y, self.rubric)
        return all_close(value, self.seed[quantity.name], rtol, atol)

    def _tolerance(self, quantity: Quantity) -> tuple[float, float]:
        """(rtol, atol); 𝓛′ also allows for θ′ rounded by hand before the last forward pass."""
        if quantity.name != "loss_new":
            return quantity.rtol, quantity.atol
        allowance = _allowance(self.reference["theta_new"], self.X, self.y, self.rubric)
        return quantity.rtol, quantity.atol + allowance

    def _grounded(self, name: str) -> bool:
        """Whether an answer earned credit, or a recognised mistake on the variant explains it."""
        result = self.results.get(name)
        if result is None or name in self.trivial:
            return False
        credited = result.status in ("correct", "carried_forward") or result.points > 0
        return credited or (bool(result.tags) and not self._guessed(name).all())

    def _guessed(self, name: str) -> Array:
        """Per component of the student's answer: whether a guess gives it (see GUESSES).

        Within the rubric's own tolerance: 𝓛′'s room for a hand-rounded θ′ is for
        matching a student's 𝓛′ with their θ′, and would call a worked 𝓛′ near 1 a guess."""
        reading = self.readings[name]
        if reading.status != "ok" or isinstance(reading.value, bool):
            return np.zeros(0, dtype=bool)
        quantity = self.rubric.quantity(name)
        return near_any(reading.value, self.guesses, quantity.rtol, quantity.atol)

    def grade(self) -> Report:
        questions = {}
        with np.errstate(all="ignore"):
            for question in self.rubric.questions:
                parts = []
                for quantity in question.quantities:
                    result = self._grade_quantity(quantity, question.key)
                    self.results[quantity.name] = result
                    parts.append(result)
                questions[question.key] = _combine(question.title, tuple(parts))
        return Report(questions=questions)

    # -- one answer variable ---------------------------------------------------------

    def _grade_quantity(self, quantity: Quantity, question: str) -> QuantityResult:
        name = quantity.name
        reading = self.readings[name]
        if reading.status != "ok":
            return QuantityResult(name, 0.0, quantity.points, reading.status, reading.problem)
        if name == "loss_decreased":
            return self._grade_decreased(quantity, reading.value)
        rtol, atol = self._tolerance(quantity)
        student = reading.value
        reference = self.reference[name]
        right = close(student, reference, rtol, atol).ravel()
        if right.all():
            return QuantityResult(name, quantity.points, quantity.points, "correct", "Correct.")
        reasons = self._follows_from_trivial(name, student, rtol, atol)
        if reasons:
            return self._trivial(quantity, reasons)
        if self._follows_from_ungrounded(name, student, rtol, atol):
            return self._ungrounded(quantity)
        matches = self._matches(name, student, reference, rtol, atol)
        carried = [m for m in matches if not m.new]
        if carried:
            return self._carried_forward(quantity, right, carried, question)
        if matches:  # a mistake on the student's own numbers, before any copying guard
            return self._misconception(quantity, right, matches, question)
        if self._fits_seed(quantity, student):
            return self._seed_answer(quantity)
        return self._wrong(quantity, student, right, rtol, atol)

    @staticmethod
    def _earlier(computation: Computation, name: str) -> frozenset[str]:
        """The student's answers before ``name`` that ``computation`` holds."""
        earlier = ORDER[: ORDER.index(name)]
        return frozenset(n for n in earlier if n in computation.given)

    def _given(self, computation: Computation, name: str) -> frozenset[str]:
        """The student's earlier answers that ``name`` may be computed from.

        A step that uses none of the variant's numbers (the mean of the per-sample
        gradients) starts only from answers that earned credit or that a mistake explains.
        """
        unusable = {n for n in DATA_FREE_SOURCES.get(name, ()) if not self._grounded(n)}
        return self._earlier(computation, name) - unusable

    def _follows_from_ungrounded(self, name: str, student: Any, rtol: float, atol: float) -> bool:
        """Whether a data-free step reproduces the value from answers that earned nothing."""
        sources = self._earlier(self.computation, name) & set(DATA_FREE_SOURCES.get(name, ()))
        if not sources or self._given(self.computation, name) >= sources:
            return False
        value = self.computation.value(name, frozenset(), sources)
        return all_close(student, value, rtol, atol)

    def _ungrounded(self, quantity: Quantity) -> QuantityResult:
        """∇𝓛 taken as the mean of per-sample gradients that earned nothing: no credit."""
        feedback = (
            "Not right. It is the mean of your per-sample gradients, but no credit is carried "
            "forward from them: none of their non-zero entries is right, and no mistake on your "
            f"numbers explains them. {HINTS[quantity.name]}"
        )
        return QuantityResult(quantity.name, 0.0, quantity.points, "incorrect", feedback)

    def _seed_answer(self, quantity: Quantity) -> QuantityResult:
        """An answer that fits the homework's original numbers, not the student's own, and
        that does not follow from the student's earlier answers: no credit, none carried on."""
        self.trivial[quantity.name] = SEED_REASON
        self.computation.given.pop(quantity.name, None)
        feedback = (
            f"Not right: {quantity.name} is {SEED_REASON}. It earns nothing, and nothing is "
            "carried forward from it: work with the numbers your student ID gives."
        )
        return QuantityResult(quantity.name, 0.0, quantity.points, "incorrect", feedback)

    def _grade_decreased(self, quantity: Quantity, student: bool) -> QuantityResult:
        """True or False: earns points only if it is what the student's own 𝓛 and 𝓛′ say,
        and those earned credit or a recognised mistake explains them."""
        name = quantity.name
        sources = DATA_FREE_SOURCES[name]
        unread = [n for n in sources if self.readings[n].status != "ok"]
        if unread:
            feedback = (
                f"Not graded: {name} is checked against your own loss and loss_new, and "
                f"{' and '.join(unread)} {'is' if len(unread) == 1 else 'are'} missing or "
                "unreadable."
            )
            return QuantityResult(name, 0.0, quantity.points, "incorrect", feedback)
        loss, loss_new = (float(self.readings[n].value) for n in sources)
        says = loss_new < loss
        if student != says:
            relation = "is lower than" if says else "is not lower than"
            feedback = (
                f"Not right: {student} contradicts your own numbers, since your loss_new "
                f"{relation} your loss. {HINTS[name]}"
            )
            return QuantityResult(name, 0.0, quantity.points, "incorrect", feedback)
        ungrounded = [n for n in sources if not self._grounded(n)]
        if ungrounded:
            why: dict[str, list[str]] = {}
            for n in ungrounded:
                reason = self.trivial.get(n, UNEXPLAINED)
                if n in self.guessed_only:
                    reason = f"made only of {GUESSES}"
                why.setdefault(reason, []).append(n)
            reasons = "; ".join(
                f"{' and '.join(names)} {'is' if len(names) == 1 else 'are'} {reason}"
                for reason, names in why.items()
            )
            feedback = (
                f"Not right. It agrees with your loss and loss_new, but {reasons}. A True or "
                "False earns points only when the numbers it compares earn credit."
            )
            return QuantityResult(name, 0.0, quantity.points, "incorrect", feedback)
        if student == self.reference[name]:
            return QuantityResult(name, quantity.points, quantity.points, "correct", "Correct.")
        points = round(quantity.points * (1 - self.rubric.ecf_penalty), 6)
        feedback = (
            f"Not the expected value, but it follows correctly from {SOURCE[name]}: "
            f"error carried forward, {_points_text(points, quantity.points)}."
        )
        return QuantityResult(name, points, quantity.points, "carried_forward", feedback)

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
        """Right components earn their share, the others their ``credit``; trivial answers none,
        nor answers whose only credited components are guesses."""
        if quantity.name in self.trivial or not self._beyond_guesses(quantity, right, credit):
            return 0.0
        share = quantity.points / right.size
        return round(float(share * (right.sum() + credit[~right].sum())), 6)

    def _beyond_guesses(self, quantity: Quantity, right: Array, credit: Array) -> bool:
        """Whether a credited component is one that no guess gives."""
        earned = right | (credit > 0)
        return bool((earned & ~self._guessed(quantity.name)).any())

    def _guesses_note(self, quantity: Quantity, right: Array, credit: Array) -> str:
        """Why credited components earned nothing, when a guess gives each of them."""
        shown = (right | (credit > 0)).any() and quantity.name not in self.trivial
        if shown and not self._beyond_guesses(quantity, right, credit):
            if right.size == 1:
                which = "Its value is one of the"
            elif right.any():
                which = "Its right entries are all"
            else:
                which = "Its entries that follow from your earlier answers are all"
            return (
                f"{which} {GUESSES}, which earn points only beside a right one that no guess "
                "gives (an inactive hidden unit gives ŷ = w4 and zero gradients whatever the "
                "numbers)."
            )
        return ""

    def _carried_forward(
        self, quantity: Quantity, right: Array, matches: list[Match], question: str
    ) -> QuantityResult:
        self.trail.explanations = list(dict.fromkeys(m.carried for m in matches))
        keep = 1 - self.rubric.ecf_penalty
        credit = np.full(right.shape, keep)
        points = self._points(quantity, right, credit)
        if quantity.name not in self.trivial and not self._beyond_guesses(quantity, right, credit):
            return self._guessed_only(quantity)
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

    def _guessed_only(self, quantity: Quantity) -> QuantityResult:
        """A value that follows from earlier answers, but that guesses give: no credit."""
        self.guessed_only.add(quantity.name)
        feedback = (
            "Not right. It follows from your earlier answers, but it is made only of "
            f"{GUESSES}, which earn points only beside a right value that no guess gives. "
            f"{HINTS[quantity.name]}"
        )
        return QuantityResult(quantity.name, 0.0, quantity.points, "incorrect", feedback)

    def _misconception(
        self, quantity: Quantity, right: Array, matches: list[Match], question: str
    ) -> QuantityResult:
        # a mistake once noted may show in its other forms later on (sum in 𝓛 → sum in ∇𝓛
        # too), or not (the sum in ∇𝓛 only, 𝓛′ a mean): both explain the later answers
        found = [m.carried | m.new for m in matches]
        every_form = [m.carried | _all_forms(m.new) for m in matches]
        explanations = dict.fromkeys(found + every_form)
        self.trail.explanations = list(explanations)[:MAX_EXPLANATIONS]
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
        none = np.zeros(right.shape)
        points = self._points(quantity, right, none)
        note = self._guesses_note(quantity, right, none)
        feedback = " ".join(t for t in (feedback, note) if t)
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
        credit = np.where(carried, keep, 0.0)
        points = self._points(quantity, right, credit)
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
        texts.append(self._guesses_note(quantity, right, credit))
        texts.append(self._large_note(name))
        texts.append(HINTS[name])
        status = "partial" if points > 0 else "incorrect"
        return QuantityResult(
            name, points, quantity.points, status, " ".join(t for t in texts if t)
        )

    def _follows_from_trivial(self, name: str, student: Any, rtol: float, atol: float) -> str:
        """The trivial earlier answers this value follows from ("" if none)."""
        given = self._earlier(self.raw, name)
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
        self.trivial[name] = "consistent only with an answer that earns nothing on its own"
        self.tainted.add(name)
        self.computation.given.pop(name, None)
        texts = [
            "Not right. It follows from your earlier answers, but no credit is carried "
            f"forward from an answer that earns nothing on its own ({reasons}).",
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
    data = solutions.checked(X, y, theta, eta)
    notes: tuple[str, ...] = ()
    if not isinstance(answers, Mapping):
        notes = (f"The answers were a {type(answers).__name__}, not a mapping of names.",)
        answers = {}
    report = _Grader(answers, data, rubric).grade()
    return Report(questions=report.questions, notes=notes)
