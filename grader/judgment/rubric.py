"""The rubric: the answers, their points and tolerances and the error-carried-forward penalty.

The notebook and the grader agree on the answer variables (:data:`ANSWER_NAMES`),
the answer cells that set them (:data:`ANSWER_CELLS`) and the variable that holds
the student's ID (:data:`STUDENT_ID_NAME`); they are named here once.

The points of the questions graded by hand (3 and 7) are here too:
``assignments/prepare_source.py`` writes every question's points into the
notebook from this file, and the course website reads them from it.

An instructor changes the grading here (or builds another :class:`Rubric` with
:meth:`Rubric.from_dict` and passes it to :func:`grader.grade`). A value is
accepted when ``|student − reference| ≤ atol + rtol · |reference|``: the absolute
part lets exact zeros (an inactive ReLU unit) through, the relative part scales
with the numbers. Rounding an answer to 3 decimals, as one does by hand, stays
well inside these tolerances.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

ANSWER_NAMES = (
    "y_hat",
    "loss",
    "grad_per_sample",
    "grad",
    "theta_new",
    "loss_new",
    "loss_decreased",
)
"""The answer variables, in the order the homework computes them (each from the ones before)."""

ANSWER_CELLS = {
    "answer_q1": ("y_hat",),
    "answer_q2": ("loss",),
    "answer_q4": ("grad_per_sample", "grad"),
    "answer_q5": ("theta_new",),
    "answer_q6": ("loss_new", "loss_decreased"),
}
"""The notebook's answer cells (nbgrader grade_id) and the variables each one sets."""

STUDENT_ID_NAME = "STUDENT_ID"
"""The variable where the student types the ID whose numbers they worked on."""


@dataclass(frozen=True)
class Quantity:
    """One answer variable, its points (split evenly over its components) and tolerances."""

    name: str
    points: float
    rtol: float = 1e-3
    atol: float = 1e-3


@dataclass(frozen=True)
class Question:
    """An autograded question and the answer variables it checks, in order."""

    key: str
    title: str
    quantities: tuple[Quantity, ...]

    @property
    def max_points(self) -> float:
        """The question's points: the sum of its quantities' points."""
        return sum(quantity.points for quantity in self.quantities)


@dataclass(frozen=True)
class HandGraded:
    """A question graded by hand in formgrader, following the rubric in the notebook."""

    key: str
    title: str
    points: float


@dataclass(frozen=True)
class Rubric:
    """Questions in order, the error-carried-forward penalty and the bounds of a sane answer."""

    questions: tuple[Question, ...]
    ecf_penalty: float = 0.25
    """Fraction of a component's points withheld when it is only right given an earlier error."""
    theta_rounding: float = 5e-4
    """How far θ′ may be rounded before 𝓛′ is computed from it by hand (widens 𝓛′'s tolerance)."""
    absurd_magnitude: float = 1e6
    """Answers with a component this large (losses: its square) carry no credit forward."""
    hand_graded: tuple[HandGraded, ...] = ()
    """The questions graded by hand, with their points (not part of :attr:`max_score`)."""

    def question(self, key: str) -> Question:
        """The question with this key ("q1", "q2", "q4", "q5" or "q6")."""
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(f"no question {key!r} in the rubric")

    def max_points(self, key: str) -> float:
        """Points of one question."""
        return self.question(key).max_points

    @property
    def max_score(self) -> float:
        """Points of all autograded questions."""
        return sum(question.max_points for question in self.questions)

    def points(self, key: str) -> float:
        """Points of any question, autograded or graded by hand ("q1" … "q7")."""
        for question in self.hand_graded:
            if question.key == key:
                return question.points
        return self.max_points(key)

    @property
    def total_points(self) -> float:
        """Points of the whole assignment: autograded and graded by hand."""
        return self.max_score + sum(question.points for question in self.hand_graded)

    def quantity(self, name: str) -> Quantity:
        """The rubric entry of one answer variable."""
        for question in self.questions:
            for quantity in question.quantities:
                if quantity.name == name:
                    return quantity
        raise KeyError(f"no answer variable {name!r} in the rubric")

    def to_dict(self) -> dict[str, Any]:
        """The rubric as plain data (JSON-safe)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rubric:
        """Read a rubric written by :meth:`to_dict` (or by hand in the same shape)."""
        questions = tuple(
            Question(
                key=q["key"],
                title=q["title"],
                quantities=tuple(Quantity(**quantity) for quantity in q["quantities"]),
            )
            for q in data["questions"]
        )
        hand_graded = tuple(HandGraded(**question) for question in data.get("hand_graded", ()))
        options = {k: v for k, v in data.items() if k not in ("questions", "hand_graded")}
        rubric = cls(questions=questions, hand_graded=hand_graded, **options)
        if not 0 <= rubric.ecf_penalty <= 1:
            raise ValueError(f"ecf_penalty must be between 0 and 1, got {rubric.ecf_penalty!r}")
        return rubric


RUBRIC = Rubric(
    questions=(
        Question("q1", "Forward pass", (Quantity("y_hat", points=2),)),
        Question("q2", "Loss", (Quantity("loss", points=1, atol=2e-3),)),
        Question(
            "q4",
            "Gradient by backpropagation",
            (
                Quantity("grad_per_sample", points=2),
                Quantity("grad", points=2),
            ),
        ),
        Question(
            "q5", "Gradient-descent update", (Quantity("theta_new", points=2, rtol=0, atol=6e-4),)
        ),
        Question(
            "q6",
            "Loss after the update",
            (
                Quantity("loss_new", points=1.5, atol=5e-3),
                Quantity("loss_decreased", points=0.5, rtol=0, atol=0),
            ),
        ),
    ),
    ecf_penalty=0.25,
    hand_graded=(
        HandGraded("q3", "Proofs of the backpropagation equalities", points=5),
        HandGraded("q7", "The learning rate", points=3),
    ),
)
"""The default rubric: the points of every question of the assignment."""
