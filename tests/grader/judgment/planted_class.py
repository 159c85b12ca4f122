"""A class with copying planted in it, for the collusion report's tests and benchmark.

Answers are computed by :mod:`tests.grader.judgment.students` (the homework's equations
by hand, independent of the grader's mutants); code is put together from a few common ways
of writing each step, with names of the student's own.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.judgment.collusion import Submission
from solutions.variant import make_variant
from tests.grader.judgment.students import MISTAKES, by_hand, finish, reference

Answers = dict[str, Any]

TEMPLATE = [
    "import numpy as np\nfrom hw4_variant import make_variant\nSTUDENT_ID = ''",
    "X, y, theta, eta = make_variant(STUDENT_ID)",
    "def my_sample_loss(theta, x, y):\n"
    "    # return the loss of one sample for the parameters theta\n"
    "    raise NotImplementedError()",
    "# YOUR CODE HERE\nraise NotImplementedError()",
]
"""A release's code cells: what every student receives."""

STYLES = {
    "forward": [
        "{z} = X @ theta[:2] + theta[2]\n{h} = np.maximum({z}, 0)\n"
        "y_hat = theta[3] * {h} + theta[4]",
        "{z} = theta[0] * X[:, 0] + theta[1] * X[:, 1] + theta[2]\n"
        "{h} = np.where({z} > 0, {z}, 0.0)\ny_hat = theta[3] * {h} + theta[4]",
        "y_hat = np.zeros(2)\nfor {i} in range(2):\n"
        "    {z} = theta[0] * X[{i}, 0] + theta[1] * X[{i}, 1] + theta[2]\n"
        "    y_hat[{i}] = theta[3] * max({z}, 0) + theta[4]",
        "y_hat = np.array([1.0, 2.0])",
    ],
    "loss": [
        "loss = np.mean((y_hat - y) ** 2)",
        "loss = ((y_hat - y) ** 2).sum() / len(y)",
        "loss = 3.25",
    ],
    "gradient": [
        "{d} = 2 * (y_hat - y)\n{z} = X @ theta[:2] + theta[2]\n{g} = {d} * theta[3] * ({z} > 0)\n"
        "grad_per_sample = np.stack([{g} * X[:, 0], {g} * X[:, 1], {g}, {d} * np.maximum({z}, 0), "
        "{d}], axis=1)\ngrad = grad_per_sample.mean(axis=0)",
        "grad_per_sample = np.zeros((2, 5))\nfor {i} in range(2):\n"
        "    {z} = theta[0] * X[{i}, 0] + theta[1] * X[{i}, 1] + theta[2]\n"
        "    {d} = 2 * (y_hat[{i}] - y[{i}])\n"
        "    {g} = {d} * theta[3] if {z} > 0 else 0.0\n"
        "    grad_per_sample[{i}] = [{g} * X[{i}, 0], {g} * X[{i}, 1], {g},\n"
        "                            {d} * max({z}, 0), {d}]\n"
        "grad = np.mean(grad_per_sample, axis=0)",
        "grad_per_sample = np.array([[0.0, 0.0, 0.0, 0.0, 1.5], [2.0, 1.0, 1.0, 3.0, 1.0]])\n"
        "grad = grad_per_sample.mean(axis=0)",
    ],
    "update": [
        "theta_new = theta - eta * grad",
        "theta_new = theta.copy()\nfor {i} in range(5):\n    theta_new[{i}] -= eta * grad[{i}]",
        "theta_new = np.array([0.1, 1.9, 2.0, 0.9, 0.0])",
    ],
    "loss_new": [
        "{z} = X @ theta_new[:2] + theta_new[2]\n"
        "loss_new = np.mean((theta_new[3] * np.maximum({z}, 0) + theta_new[4] - y) ** 2)\n"
        "loss_decreased = loss_new < loss",
        "loss_new = 2.75\nloss_decreased = bool(loss_new < loss)",
    ],
}
"""Common ways of writing each step; {z}, {h}, {i}, {d}, {g}: the student's own names."""

SHARED_CODE = (
    "def {f}({p}, {x}):\n"
    "    {a} = {p}[0] * {x}[:, 0] + {p}[1] * {x}[:, 1] + {p}[2]\n"
    "    return {a}, {p}[3] * np.clip({a}, 0, None) + {p}[4]\n"
    "{a}, y_hat = {f}(theta, X)\n"
    "{e} = [(y_hat[{k}] - y[{k}]) ** 2 for {k} in range(len(y))]\n"
    "loss = sum({e}) / len({e})\n"
    "{r} = []\n"
    "for {k} in range(len(y)):\n"
    "    {o} = 2.0 * (y_hat[{k}] - y[{k}])\n"
    "    {q} = {o} * theta[3] * float({a}[{k}] > 0)\n"
    "    {r}.append([{q} * X[{k}][0], {q} * X[{k}][1], {q}, {o} * max({a}[{k}], 0.0), {o}])\n"
    "grad_per_sample = np.array({r})\n"
    "grad = sum(grad_per_sample) / len(grad_per_sample)\n"
    "theta_new = np.array([{t} - eta * {u} for {t}, {u} in zip(theta, grad)])\n"
    "loss_new = float(np.mean(({f}(theta_new, X)[1] - y) ** 2))\n"
    "loss_decreased = loss_new < loss"
)
"""An uncommon way of writing the whole homework, shared by two students."""

COMPUTED = re.compile(r"\btheta\b|- y\b|\beta\b")
"""A way of writing a step that computes it (the others type its numbers in)."""

NAME_POOL = [
    "z",
    "h",
    "pre",
    "act",
    "hidden",
    "zz",
    "out",
    "delta",
    "err",
    "g",
    "dh",
    "s",
    "k",
    "idx",
    "n",
    "j",
    "val",
    "tmp",
    "a",
    "b",
    "c",
    "v",
    "w",
    "u",
    "t",
    "r",
    "q",
    "o",
    "e",
    "m",
]


@dataclass(frozen=True)
class PlantedClass:
    """The submissions and the planted pairs."""

    submissions: list[Submission]
    copied_right: tuple[str, str]
    copied_mistake: tuple[str, str]
    shared_code: tuple[str, str]


def _names(rng: random.Random, keys: str) -> dict[str, str]:
    chosen = rng.sample(NAME_POOL, len(keys))
    return {key: f"{name}{rng.randint(0, 99)}" for key, name in zip(keys, chosen, strict=True)}


def honest_code(rng: random.Random, by_hand: bool = True) -> list[str]:
    """One cell per step, each written in one of the common ways, with the student's names
    (not ``by_hand``: never a step's numbers typed in)."""
    cells = [TEMPLATE[0], TEMPLATE[1]]
    for options in STYLES.values():
        ways = options if by_hand else [way for way in options if COMPUTED.search(way)]
        cells.append(rng.choice(ways).format(**_names(rng, "zhidg")))
    return cells


def shared_code(rng: random.Random) -> list[str]:
    """The uncommon code, with names of the student's own (renamed variables)."""
    return [TEMPLATE[0], TEMPLATE[1], SHARED_CODE.format(**_names(rng, "fpxaekroqtu"))]


def slipped(rng: random.Random, X: Any, y: Any, theta: Any, eta: float) -> Answers:
    """An arithmetic slip in one component of ŷ, every later answer right from it."""
    y_hat = np.array(reference(X, y, theta, eta)["y_hat"], dtype=float)
    y_hat[rng.randrange(2)] += rng.choice([-1, 1]) * rng.randint(1, 30) / 10
    z = theta[0] * X[:, 0] + theta[1] * X[:, 1] + theta[2]
    d_out = 2 * (y_hat - y)
    d_hidden = d_out * theta[3] * (z > 0)
    grads = np.stack(
        [d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden, d_out * np.maximum(z, 0), d_out], axis=1
    )
    answers = {
        "y_hat": y_hat,
        "loss": float(np.mean((y_hat - y) ** 2)),
        "grad_per_sample": grads,
        "grad": grads.mean(axis=0),
    }
    return finish(answers, X, y, theta, eta)


def noisy(rng: random.Random, X: Any, y: Any, theta: Any, eta: float) -> Answers:
    """Right answers with every number of ∇𝓛 on changed a little (a slip in copying out)."""
    answers = reference(X, y, theta, eta)
    grad = np.array(answers["grad"], dtype=float) + [rng.uniform(0.05, 0.5) for _ in range(5)]
    answers["grad"] = grad
    return finish(answers, X, y, theta, eta)


def wrong_own_way(
    rng: random.Random, student: int, X: Any, y: Any, theta: Any, eta: float
) -> Answers:
    """A mistake of the student's own on their own numbers: a known one, a slip, or noise."""
    kind = student % 4
    if kind == 0:
        mistake = rng.choice(sorted(MISTAKES))
        answers: Answers = MISTAKES[mistake][0](X, y, theta, eta)
        return answers
    if kind == 1:
        return slipped(rng, X, y, theta, eta)
    if kind == 2:
        return noisy(rng, X, y, theta, eta)
    return {
        name: np.round(np.random.default_rng(student).uniform(-5, 5, size=shape), 1)
        for name, shape in (
            ("y_hat", 2),
            ("loss", ()),
            ("grad_per_sample", (2, 5)),
            ("grad", 5),
            ("theta_new", 5),
            ("loss_new", ()),
        )
    }


def planted_class(honest_right: int = 40, honest_wrong: int = 40, seed: int = 1) -> PlantedClass:
    """Honest students (right on their own numbers, or wrong in their own way) and three
    planted pairs: B submits A's right answers; D submits C's answers with C's no-ReLU
    mistake; E and F share uncommon code with the variables renamed."""
    rng = random.Random(seed)
    submissions = []
    for n in range(honest_right + honest_wrong):
        student = f"student{n:04d}"
        variant = make_variant(student)
        if n < honest_right:
            answers = by_hand(*variant) if n % 2 else reference(*variant)
        else:
            answers = wrong_own_way(rng, n, *variant)
        submissions.append(Submission(student, answers, variant, honest_code(rng)))

    def add(student: str, answers: Answers, code: list[str]) -> None:
        submissions.append(Submission(student, answers, make_variant(student), code))

    no_relu = MISTAKES["no_relu"][0]
    a_numbers, c_numbers = make_variant("amy"), make_variant("cleo")
    add("amy", reference(*a_numbers), honest_code(rng))
    add("ben", reference(*a_numbers), honest_code(rng))
    add("cleo", no_relu(*c_numbers), honest_code(rng))
    add("dan", no_relu(*c_numbers), honest_code(rng))
    add("eve", reference(*make_variant("eve")), shared_code(rng))
    add("fay", reference(*make_variant("fay")), shared_code(rng))
    rng.shuffle(submissions)
    return PlantedClass(submissions, ("amy", "ben"), ("cleo", "dan"), ("eve", "fay"))
