"""Each student's own numbers for the homework: public, deterministic, solvable by hand.

``make_variant(student_id)`` hashes the ID (SHA-256, so the result is the same on
every machine and Python version) into a stream of integers and draws candidate
data sets from it until one keeps the homework's lesson:

- x and θ are small integers, y has one decimal, η is one of a few round values;
- one sample activates the hidden ReLU unit (z > 0) and the other does not (z < 0);
- w3 ≠ 0 and neither prediction is exact, so every part of the gradient matters;
- the first gradient-descent step with the variant's η lowers the loss;
- no answer has a number a student could write down without working, nor one of
  the homework's own answers (see :func:`avoids_guesses`); every known mistake
  shows, can be told apart from the others, and gives no answer made of such
  numbers only, nor the homework's own (see :func:`mistakes_show`).

An empty ID gives the homework's own numbers, ``solutions.data.SEED``. This file
imports only numpy, the standard library and ``solutions.data`` (which stands
alone), and runs on Python 3.8+: ``make release`` ships it beside the student
notebook as ``hw4_variant.py``, with ``solutions.data`` copied in its place. For
that reason its small forward pass and gradient repeat :mod:`solutions.network`'s
instead of importing them, and the known mistakes repeat the grader's
(``grader/judgment/mutants.py``); the tests hold the two to the same answers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from solutions.data import SEED, Dataset

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

X_VALUES = tuple(range(-3, 4))
THETA_VALUES = tuple(range(-2, 3))
Y_TENTHS = tuple(range(-30, 31))
ETA_VALUES = (0.01, 0.02, 0.05)
MAX_LOSS = 20.0
MIN_RELATIVE_DECREASE = 1e-3
MAX_ATTEMPTS = 100_000
MAX_MAGNITUDE = 1e5
GUESS_CONSTANTS = (0.0, 1.0, -1.0)
"""The numbers any answer could be guessed as, besides the entries of y and θ."""
"""No answer that follows a known mistake is larger than this (a loss: than its square)."""

ANSWERS = ("y_hat", "loss", "grad_per_sample", "grad", "theta_new", "loss_new")
"""The numeric answers, in the order the homework computes them."""

MARGINS = {
    "y_hat": (0.01, 0.01),
    "loss": (0.02, 0.01),
    "grad_per_sample": (0.01, 0.01),
    "grad": (0.01, 0.01),
    "theta_new": (0.002, 0.0),
    "loss_new": (0.02, 0.01),
}
"""(absolute, relative) distance within which two values of an answer count as the same.

At least twice the grader's tolerances (``grader/judgment/rubric.py``), so that a
value outside the margin of another is never marked right in its place. 𝓛′'s
absolute part grows by :data:`LOSS_NEW_SLOPE_MARGIN` times |∇𝓛(θ′)|₁, as the
grader's does for θ′ rounded by hand."""

LOSS_NEW_SLOPE_MARGIN = 0.002

MISTAKES = {
    "no_relu": ((("no_relu",), "y_hat"),),
    "sum_instead_of_mean": (
        (("sum_loss", "sum_gradient"), "loss"),
        (("sum_loss",), "loss"),
        (("sum_gradient",), "grad"),
    ),
    "missing_factor_2": ((("half_delta",), "grad_per_sample"),),
    "wrong_error_sign": ((("flip_delta",), "grad_per_sample"),),
    "relu_derivative": ((("derivative_one",), "grad_per_sample"),),
    "z_instead_of_h": ((("z_for_h",), "grad_per_sample"),),
    "add_gradient": ((("add_gradient",), "theta_new"),),
    "forget_eta": ((("no_eta",), "theta_new"),),
    "per_sample_update": (
        (("per_sample",), "theta_new"),
        (("per_sample_reversed",), "theta_new"),
    ),
    "old_theta_loss": ((("old_theta",), "loss_new"),),
}
"""The known mistakes (the grader's misconceptions): for each of its forms, the mutation
flags made together and the first answer they change. g′(0) taken as 1 is a form of
``relu_derivative`` too, but it changes nothing here, since no variant has z = 0."""

_BACKPROP = ("half_delta", "flip_delta", "derivative_one", "z_for_h")
RIVALS = {
    "y_hat": ("no_relu",),
    "loss": ("sum_loss",),
    "grad_per_sample": _BACKPROP,
    "grad": (*_BACKPROP, "sum_gradient"),
    "theta_new": ("add_gradient", "no_eta", "per_sample", "per_sample_reversed"),
    "loss_new": ("old_theta", "sum_loss"),
}
"""The single mistakes the grader tries on each answer to explain a wrong value."""

_TAG_OF = {flags[0]: tag for tag, forms in MISTAKES.items() for flags, _ in forms}


def _hidden_input(theta: FloatArray, X: FloatArray) -> FloatArray:
    z: FloatArray = theta[0] * X[:, 0] + theta[1] * X[:, 1] + theta[2]
    return z


def _forward(theta: FloatArray, X: FloatArray, flags: Sequence[str]) -> FloatArray:
    z = _hidden_input(theta, X)
    h = z if "no_relu" in flags else np.maximum(z, 0.0)
    y_hat: FloatArray = theta[3] * h + theta[4]
    return y_hat


def _per_sample(
    theta: FloatArray, X: FloatArray, y: FloatArray, flags: Sequence[str]
) -> FloatArray:
    """Each sample's gradient (a row each), by backpropagation with the mistakes in ``flags``."""
    z = _hidden_input(theta, X)
    delta_y_hat = (_forward(theta, X, flags) - y) * (1.0 if "half_delta" in flags else 2.0)
    if "flip_delta" in flags:
        delta_y_hat = -delta_y_hat
    if "no_relu" in flags or "derivative_one" in flags:
        slope = np.ones_like(z)
    else:
        slope = (z > 0).astype(float)
    delta_h = delta_y_hat * theta[3] * slope
    h = z if "no_relu" in flags or "z_for_h" in flags else np.maximum(z, 0.0)
    grads: FloatArray = np.stack(
        [delta_h * X[:, 0], delta_h * X[:, 1], delta_h, delta_y_hat * h, delta_y_hat], axis=1
    )
    return grads


def _over_samples(values: FloatArray, total: bool) -> FloatArray:
    result: FloatArray = values.sum(axis=0) if total else values.mean(axis=0)
    return result


def _answers(variant: Dataset, flags: Sequence[str] = ()) -> dict[str, FloatArray]:
    """The homework's numeric answers on ``variant``, with the mistakes in ``flags`` made."""
    X, y, theta, eta = variant.X, variant.y, variant.theta, float(variant.eta)
    summed = "sum_loss" in flags
    y_hat = _forward(theta, X, flags)
    grads = _per_sample(theta, X, y, flags)
    grad = _over_samples(grads, "sum_gradient" in flags)
    step = (1.0 if "no_eta" in flags else eta) * (1.0 if "add_gradient" in flags else -1.0)
    if "per_sample" in flags or "per_sample_reversed" in flags:
        first, second = (0, 1) if "per_sample" in flags else (1, 0)
        theta_new = theta + step * grads[first]
        theta_new = theta_new + step * _per_sample(theta_new, X, y, flags)[second]
    else:
        theta_new = theta + step * grad
    loss = _over_samples((y_hat - y) ** 2, summed)
    if "old_theta" in flags:
        loss_new = loss
    else:
        loss_new = _over_samples((_forward(theta_new, X, flags) - y) ** 2, summed)
    return {
        "y_hat": y_hat,
        "loss": loss,
        "grad_per_sample": grads,
        "grad": grad,
        "theta_new": theta_new,
        "loss_new": loss_new,
    }


_SEED_ANSWERS = _answers(SEED)


def keeps_the_lesson(variant: Dataset) -> bool:
    """True if the variant has the first four properties of this module's docstring."""
    X, y, theta = variant.X, variant.y, variant.theta
    z = _hidden_input(theta, X)
    if theta[3] == 0 or sorted(np.sign(z)) != [-1.0, 1.0]:
        return False
    right = _answers(variant)
    if np.any(np.abs(right["y_hat"] - y) < 0.05):
        return False
    before, after = float(right["loss"]), float(right["loss_new"])
    return before <= MAX_LOSS and after < before * (1 - MIN_RELATIVE_DECREASE)


def guesses(variant: Dataset) -> FloatArray:
    """Numbers a student can give for any answer without working: 0, ±1, the entries of y
    and θ. The grader gives such a number credit only beside one that no guess gives."""
    found: FloatArray = np.concatenate((GUESS_CONSTANTS, variant.y, variant.theta))
    return found


def _avoided(variant: Dataset, name: str) -> FloatArray:
    """What no answer ``name`` may be near: the guesses and (on other numbers than the
    homework's) the components of the homework's own answer."""
    original = _SEED_ANSWERS[name].ravel() if variant != SEED else np.zeros(0)
    found: FloatArray = np.concatenate((guesses(variant), original))
    return found


def _margins(variant: Dataset, right: dict[str, FloatArray]) -> dict[str, tuple[float, float]]:
    margins = dict(MARGINS)
    moved = Dataset.build(variant.X, variant.y, right["theta_new"], variant.eta)
    slope = float(np.abs(_answers(moved)["grad"]).sum())
    absolute, relative = MARGINS["loss_new"]
    margins["loss_new"] = (absolute + LOSS_NEW_SLOPE_MARGIN * slope, relative)
    return margins


def _same(value: FloatArray, other: FloatArray, margin: tuple[float, float]) -> bool:
    """Whether every component of ``value`` lies within the margin of ``other``'s."""
    return bool(np.all(np.abs(value - other) <= margin[0] + margin[1] * np.abs(other)))


def _guessed(
    value: FloatArray, variant: Dataset, name: str, margin: tuple[float, float]
) -> BoolArray:
    """Per component (flattened): whether it lies within the margin of what is avoided."""
    options = _avoided(variant, name).reshape(1, -1)
    near = np.abs(value.reshape(-1, 1) - options) <= margin[0] + margin[1] * np.abs(options)
    found: BoolArray = np.any(near, axis=1)
    return found


def _fixed(variant: Dataset, name: str) -> BoolArray:
    """Per component (flattened): whether every variant has it, a function of θ alone: the
    inactive sample's ŷ = w4 and its zero gradient for w0 … w3."""
    fixed = np.zeros(np.shape(_SEED_ANSWERS[name]), dtype=bool)
    inactive = int(np.argmin(_hidden_input(variant.theta, variant.X)))
    if name == "y_hat":
        fixed[inactive] = True
    elif name == "grad_per_sample":
        fixed[inactive, :4] = True
    flat: BoolArray = fixed.ravel()
    return flat


def avoids_guesses(variant: Dataset) -> bool:
    """True if no component of a right answer lies within its margin of a guess (see
    :func:`guesses`) or of the homework's answer, but for those that every variant has (see
    :func:`_fixed`)."""
    right = _answers(variant)
    margins = _margins(variant, right)
    for name in ANSWERS:
        if np.any(_guessed(right[name], variant, name, margins[name]) & ~_fixed(variant, name)):
            return False
    return True


def mistakes_show(variant: Dataset) -> bool:
    """True if every form of every known mistake (:data:`MISTAKES`) changes its first answer
    and gives there what no other mistake tried on it (:data:`RIVALS`) gives; and if none of
    its answers is large, made of guesses only, or the homework's original answer."""
    right = _answers(variant)
    margins = _margins(variant, right)
    alone = {flag: _answers(variant, (flag,)) for flag in _TAG_OF}
    for tag, forms in MISTAKES.items():
        for flags, first in forms:
            chain = alone[flags[0]] if len(flags) == 1 else _answers(variant, flags)
            rivals = [alone[flag][first] for flag in RIVALS[first] if _TAG_OF[flag] != tag]
            if not _stands_out(chain[first], right[first], rivals, margins[first]):
                return False
            for name in ANSWERS[ANSWERS.index(first) :]:
                if not _is_sound(chain[name], variant, name, margins[name]):
                    return False
    return True


def _stands_out(
    value: FloatArray, right: FloatArray, rivals: list[FloatArray], margin: tuple[float, float]
) -> bool:
    """Whether a mistake's value differs from the right one and from every rival mistake's
    (those that give the right value cannot be mistaken for it)."""
    if _same(value, right, margin):
        return False
    return not any(_same(value, r, margin) and not _same(r, right, margin) for r in rivals)


def _is_sound(value: FloatArray, variant: Dataset, name: str, margin: tuple[float, float]) -> bool:
    """Whether a mistake's answer is not large, not made of guesses only, not the original's."""
    bound = MAX_MAGNITUDE**2 if name.startswith("loss") else MAX_MAGNITUDE
    if not np.all(np.abs(value) <= bound):
        return False
    if np.all(_guessed(value, variant, name, margin)):
        return False
    return not _same(value, _SEED_ANSWERS[name], margin)


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
        if candidate == SEED or not keeps_the_lesson(candidate):
            continue
        if avoids_guesses(candidate) and mistakes_show(candidate):
            return candidate
    raise RuntimeError(f"no variant found for student ID {student_id!r}")  # pragma: no cover
