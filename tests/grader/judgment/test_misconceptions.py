"""Each misconception is recognised, with its tag and sentence, where it first shows, and alone:
on the homework's numbers, on random ones, and on every student's own numbers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings

import solutions as s
from grader import RUBRIC, grade
from grader.judgment.misconceptions import BY_TAG, MISCONCEPTIONS, TAG_OF_MUTATION
from solutions import Dataset
from tests.grader.judgment.students import (
    FORMS,
    MISTAKES,
    SEED,
    Answers,
    expected_points,
    guessed,
    own_numbers,
    reference,
    variants,
)

STUDENT_IDS = [f"u{n:05d}" for n in range(200)]

QUESTION_ORDER = [q.key for q in RUBRIC.questions]


def visible(tag: str, variant: Dataset) -> bool:
    """Whether the mistake changes its first answer by well more than the tolerance."""
    builder, _, first = MISTAKES[tag]
    X, y = variant.X, variant.y
    student = np.asarray(builder(*variant)[first], dtype=float)
    right = np.asarray(reference(*variant)[first], dtype=float)
    quantity = RUBRIC.quantity(first)
    margin = 3 * (quantity.atol + quantity.rtol * np.abs(right))
    if first == "loss_new":  # its tolerance also allows for θ′ rounded by hand
        theta_new = reference(*variant)["theta_new"]
        margin = margin + 0.01 * np.abs(s.gradient(theta_new, X, y)).sum()
    if not np.any(np.abs(student - right) > margin):
        return False
    if tag == "old_theta_loss":  # 𝓛(θ) can happen to equal 2·𝓛(θ′), the summed loss at θ′
        summed = len(X) * float(s.loss(reference(*variant)["theta_new"], X, y))
        return bool(np.all(np.abs(student - summed) > margin))
    return True


def trivially_zero_later(tag: str, variant: Dataset) -> bool:
    """Whether a loss the mistake carries forward is zero within its tolerance.

    A loss of zero is what a constant answer gives too, so the grader gives it no
    credit even when it follows from the student's own numbers: such a variant cannot
    show carried-forward credit (see test_a_carried_forward_zero_loss_earns_nothing).
    """
    answers = MISTAKES[tag][0](*variant)
    return any(
        name in answers and abs(float(answers[name])) <= RUBRIC.quantity(name).atol
        for name in ("loss", "loss_new")
    )


def fits_the_seed(tag: str, variant: Dataset) -> bool:
    """Whether one of the mistake's answers happens to be the right one for the homework's
    original numbers: such an answer earns nothing and is named as that, whatever mistake
    might explain it (see test_constant_answers)."""
    answers = MISTAKES[tag][0](*variant)
    seed = reference(*SEED)
    for name, value in answers.items():
        if name == "loss_decreased":
            continue
        student, right = np.asarray(value, dtype=float), np.asarray(seed[name], dtype=float)
        quantity = RUBRIC.quantity(name)
        margin = 3 * (quantity.atol + quantity.rtol * np.abs(right))
        if student.shape == right.shape and np.all(np.abs(student - right) <= margin):
            return True
    return False


def lands_on_guesses(tag: str, variant: Dataset) -> bool:
    """Whether an answer of the mistake is made only of numbers anyone can write without
    working (0, ±1, entries of y or θ): such an answer earns nothing (see test_constant_answers),
    and what rests on it (loss_decreased) neither."""
    answers = MISTAKES[tag][0](*variant)
    return any(
        np.all(guessed(name, value, variant))
        for name, value in answers.items()
        if name != "loss_decreased"
    )


def implausibly_large(tag: str, variant: Dataset) -> bool:
    """Whether the mistake gives an answer beyond the rubric's bound of a sane one (a loss:
    beyond its square), as a per-sample update that diverges does: such an answer carries
    nothing forward (see test_checks)."""
    answers = MISTAKES[tag][0](*variant)
    bound = RUBRIC.absurd_magnitude
    return any(
        np.any(np.abs(np.asarray(value, dtype=float)) > (bound**2 if "loss" in name else bound))
        for name, value in answers.items()
        if name != "loss_decreased"
    )


def check_recognised(tag: str, variant: Dataset) -> None:
    builder, question, _ = MISTAKES[tag]
    check_named(tag, builder(*variant), question, variant)


def check_named(tag: str, answers: Answers, question: str, variant: Dataset) -> None:
    """The answers are graded as the mistake ``tag``, first seen in ``question``: named there
    only, everything before right, everything after credited as following from it."""
    report = grade(answers, *variant)
    assert report.tags == (tag,), {k: (q.tags, q.feedback) for k, q in report.questions.items()}
    result = report.questions[question]
    assert result.tags == (tag,)
    assert BY_TAG[tag].sentence in result.feedback
    assert result.points < result.max_points
    position = QUESTION_ORDER.index(question)
    for key in QUESTION_ORDER[:position]:
        assert report.questions[key].status == "correct", key
    for key in QUESTION_ORDER[position + 1 :]:
        later = report.questions[key]
        assert later.status in ("correct", "carried_forward"), (key, later.feedback)
        assert BY_TAG[tag].sentence not in later.feedback  # the root is named once
        assert later.points > 0


def test_every_misconception_has_a_test_student() -> None:
    assert set(MISTAKES) == {m.tag for m in MISCONCEPTIONS}


def test_sentences_give_no_numbers() -> None:
    for misconception in MISCONCEPTIONS:
        # digits only in names (w0 … w4), the factor 2 and "z ≤ 0": no decimals, no values
        assert not re.search(r"\d[.,]\d|\d\d", misconception.sentence), misconception.tag


def test_a_mistake_that_gives_the_seed_s_answer_is_named_as_that_mistake() -> None:
    """Forgetting the ReLU on this variant gives exactly the seed's ŷ: the mistake explains it
    before the guard against the original numbers does, and everything after carries forward."""
    variant = Dataset.build(X=[[0, 0], [-3, 0]], y=[0.1, 0.1], theta=[1, 0, 2, 1, 1], eta=0.01)
    assert fits_the_seed("no_relu", variant)
    answers = MISTAKES["no_relu"][0](*variant)
    check_named("no_relu", answers, "q1", variant)
    report = grade(answers, *variant)
    assert not any("original numbers" in q.feedback for q in report.questions.values())
    wanted = expected_points(answers, variant, RUBRIC)
    wanted["q1"] = 1.0  # the active sample's ŷ is right; the other is the mistake
    got = {key: q.points for key, q in report.questions.items()}
    assert got == pytest.approx(wanted)


def test_every_form_of_every_mistake_has_a_test_student() -> None:
    """Every mutation the grader knows, but g′(0) taken as 1, which no variant can show."""
    assert set(FORMS) | {"derivative_one_at_zero"} == set(TAG_OF_MUTATION)
    assert all(TAG_OF_MUTATION[form] == tag for form, (tag, _, _) in FORMS.items())
    for student_id in STUDENT_IDS:
        variant = own_numbers(student_id)
        assert np.all(s.forward(variant.theta, variant.X).z != 0)


@pytest.mark.parametrize("form", list(FORMS))
def test_every_mistake_is_named_on_every_student_s_own_numbers(form: str) -> None:
    """Over 200 student IDs, with no variant left out: each known mistake made on the
    student's own numbers is named as that mistake, and nothing else."""
    tag, builder, question = FORMS[form]
    for student_id in STUDENT_IDS:
        variant = own_numbers(student_id)
        check_named(tag, builder(*variant), question, variant)


def test_a_mistake_that_diverges_carries_nothing_forward() -> None:
    """Updating per sample diverges on this variant: 𝓛′ is implausibly large and earns nothing."""
    variant = Dataset.build(X=[[2, 3], [0, -3]], y=[0.1, 0.1], theta=[2, 2, 0, -2, 0], eta=0.05)
    assert implausibly_large("per_sample_update", variant)
    report = grade(MISTAKES["per_sample_update"][0](*variant), *variant)
    assert report.questions["q5"].tags == ("per_sample_update",)
    assert report.questions["q6"].points == 0
    assert "implausibly large" in report.questions["q6"].feedback


@pytest.mark.parametrize("tag", list(MISTAKES))
def test_recognised_on_the_seed(tag: str) -> None:
    assert visible(tag, SEED)
    check_recognised(tag, SEED)


@pytest.mark.parametrize("tag", list(MISTAKES))
@settings(max_examples=25, deadline=None)
@given(variant=variants())
def test_recognised_on_random_variants(tag: str, variant: Dataset) -> None:
    assume(visible(tag, variant) and not trivially_zero_later(tag, variant))
    assume(not implausibly_large(tag, variant))
    assume(not lands_on_guesses(tag, variant))
    check_recognised(tag, variant)


def test_a_worked_loss_near_a_guess_is_carried_forward() -> None:
    """The missing factor 2 on numbers where the step is large: 𝓛′ = 1.2385 follows from the
    student's θ′, and lies within the room for a hand-rounded θ′ of the guess 1. It is the
    student's work, not a guess: it is carried forward."""
    variant = Dataset(
        X=np.array([[1.0, 3.0], [0.0, -3.0]]),
        y=np.array([-1.9, -0.2]),
        theta=np.array([1.0, 2.0, 0.0, 2.0, 0.0]),
        eta=0.05,
    )
    answers = MISTAKES["missing_factor_2"][0](*variant)
    assert abs(float(answers["loss_new"]) - 1.0) > 3 * RUBRIC.quantity("loss_new").atol
    check_recognised("missing_factor_2", variant)
    report = grade(answers, *variant)
    assert [part.status for part in report.questions["q6"].parts] == ["carried_forward"] * 2
    # a typed 1 in its place is still a guess, and earns nothing
    guessed = grade({**answers, "loss_new": 1.0}, *variant)
    assert guessed.questions["q6"].parts[0].points == 0


def test_a_carried_forward_zero_loss_earns_nothing() -> None:
    """θ′ updated with one sample's gradient, on a variant where 𝓛′ at that θ′ is zero: the
    mistake is named in question 5, and question 6's zero loss earns no credit."""
    variant = Dataset(
        X=np.array([[0.0, 0.0], [2.0, 1.0]]),
        y=np.array([-0.9, -0.9]),
        theta=np.array([1.0, 0.0, -1.0, -2.0, -1.0]),
        eta=0.02,
    )
    answers = MISTAKES["per_sample_update"][0](*variant)
    assert abs(float(answers["loss_new"])) <= RUBRIC.quantity("loss_new").atol
    report = grade(answers, *variant)
    assert report.questions["q5"].tags == ("per_sample_update",)
    assert report.questions["q6"].parts[0].points == 0


def test_relu_derivative_one_at_zero_only() -> None:
    """g′(0) = 1 is the same misconception: found when the inactive unit has z = 0 exactly."""
    X, y, theta, eta = SEED
    theta = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
    X = np.array([[2.0, 1.0], [-3.0, 2.0]])  # z = (4, 0)
    result = s.backprop(theta, X, y)
    assert s.forward(theta, X).z[1] == 0
    grads = result.grads.copy()
    d_hidden = result.delta_y_hat[1] * theta[3]  # g′(0) taken as 1
    grads[1, :3] = d_hidden * X[1, 0], d_hidden * X[1, 1], d_hidden
    answers = {
        "y_hat": s.forward(theta, X).y_hat,
        "loss": s.loss(theta, X, y),
        "grad_per_sample": grads,
        "grad": grads.mean(axis=0),
    }
    report = grade(answers, X, y, theta, eta)
    assert report.questions["q4"].tags == ("relu_derivative",)
    assert report.questions["q4"].parts[1].status == "carried_forward"


def test_two_mistakes_that_fit_the_same_numbers_are_both_named() -> None:
    """The ReLU derivative taken as 1 *and* z used for h, with a right ŷ: exactly what a
    network without ReLU gives in backpropagation. Both are named, honestly."""
    X, y, theta, eta = SEED
    result = s.backprop(theta, X, y)
    z = s.forward(theta, X).z
    d_hidden = result.delta_y_hat * theta[3]
    d_out = result.delta_y_hat
    grads = np.stack([d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden, d_out * z, d_out], 1)
    report = grade({"grad_per_sample": grads}, X, y, theta, eta)
    q4 = report.questions["q4"]
    assert set(q4.tags) == {"relu_derivative", "z_instead_of_h"}
    assert BY_TAG["relu_derivative"].sentence in q4.feedback
    assert BY_TAG["z_instead_of_h"].sentence in q4.feedback


def test_mistake_in_grad_alone_is_found_without_per_sample_gradients() -> None:
    X, y, theta, eta = SEED
    grad = s.gradient(theta, X, y) / 2  # the missing factor 2, only ∇𝓛 given
    report = grade({"grad": grad}, X, y, theta, eta)
    assert report.questions["q4"].tags == ("missing_factor_2",)


@pytest.mark.parametrize(
    ("tag", "left_out", "seen_in"),
    [
        ("no_relu", ["y_hat"], "q2"),
        ("missing_factor_2", ["grad_per_sample", "grad"], "q5"),
        ("sum_instead_of_mean", ["loss"], "q4"),
    ],
)
def test_a_mistake_shows_where_its_own_answer_is_missing(
    tag: str, left_out: list[str], seen_in: str
) -> None:
    answers = {k: v for k, v in MISTAKES[tag][0](*SEED).items() if k not in left_out}
    report = grade(answers, *SEED)
    assert report.tags == (tag,)
    assert report.questions[seen_in].tags == (tag,)


def test_per_sample_update_in_either_order() -> None:
    X, y, theta, eta = SEED
    current = theta
    for n in (1, 0):  # the second sample first
        step = s.backprop(current, X[n : n + 1], y[n : n + 1]).grads[0]
        current = s.gd_step(current, step, eta)
    answers = {**reference(*SEED), "theta_new": current}
    assert grade(answers, *SEED).questions["q5"].tags == ("per_sample_update",)


def test_sum_in_the_gradient_only() -> None:
    X, y, theta, eta = SEED
    answers = reference(*SEED)
    grad = s.backprop(theta, X, y).grads.sum(axis=0)
    theta_new = s.gd_step(theta, grad, eta)
    answers = {**answers, "grad": grad, "theta_new": theta_new, "loss_new": s.loss(theta_new, X, y)}
    report = grade(answers, *SEED)
    assert report.tags == ("sum_instead_of_mean",)
    assert report.questions["q4"].tags == ("sum_instead_of_mean",)
    assert report.questions["q5"].status == "carried_forward"
