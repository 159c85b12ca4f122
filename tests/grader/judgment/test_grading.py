"""grade(): full marks for right answers, tolerances, partial credit, error carried forward."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import assume, given, settings

import solutions as s
from grader import RUBRIC, grade
from grader.judgment.report import QuantityResult
from grader.judgment.rubric import Rubric
from solutions import Dataset
from tests.grader.judgment.students import (
    SEED,
    Answers,
    by_hand,
    expected_points,
    guessed,
    reference,
    variants,
)


def test_the_seed_by_hand_gets_full_marks() -> None:
    """The homework's own numbers, as computed by hand in the seed: ŷ = (3, 0), 𝓛 = 3.25."""
    answers = {
        "y_hat": [3, 0],
        "loss": 3.25,
        "grad_per_sample": [[6.8, 3.4, 3.4, 10.2, 3.4], [0, 0, 0, 0, -3.8]],
        "grad": [3.4, 1.7, 1.7, 5.1, -0.2],
        "theta_new": [0.966, 0.983, -0.017, 0.949, 0.002],
        "loss_new": s.loss([0.966, 0.983, -0.017, 0.949, 0.002], SEED.X, SEED.y),
        "loss_decreased": True,
    }
    report = grade(answers, *SEED)
    assert report.score == report.max_score == 11
    assert all(q.status == "correct" and not q.tags for q in report.questions.values())


def test_max_points_follow_the_rubric() -> None:
    report = grade({}, *SEED)
    assert {k: q.max_points for k, q in report.questions.items()} == {
        "q1": 2,
        "q2": 1,
        "q4": 4,
        "q5": 2,
        "q6": 2,
    }
    assert [RUBRIC.max_points(k) for k in ("q1", "q2", "q4", "q5", "q6")] == [2, 1, 4, 2, 2]


@settings(max_examples=60, deadline=None)
@given(variant=variants())
def test_reference_answers_score_full_marks(variant: Dataset) -> None:
    report = grade(reference(*variant), *variant)
    assert report.score == report.max_score, report.to_dict()


@settings(max_examples=60, deadline=None)
@given(variant=variants())
def test_answers_rounded_to_3_decimals_score_full_marks(variant: Dataset) -> None:
    report = grade(by_hand(*variant), *variant)
    assert report.score == report.max_score, report.to_dict()


# -- tolerance edge cases ----------------------------------------------------------------


def test_exact_zeros_of_the_inactive_unit_accept_any_zero() -> None:
    answers = reference(*SEED)
    grads = answers["grad_per_sample"].astype(object)
    assert all(v == 0 for v in answers["grad_per_sample"][1, :4])  # the seed's inactive sample
    grads[1, :4] = [0, -0.0, 1e-12, np.float32(0)]
    report = grade({**answers, "grad_per_sample": grads.tolist()}, *SEED)
    assert report.questions["q4"].status == "correct"


def test_a_nonzero_where_zero_is_expected_is_wrong() -> None:
    answers = reference(*SEED)
    grads = answers["grad_per_sample"].copy()
    grads[1, 0] = 0.01
    part = grade({**answers, "grad_per_sample": grads}, *SEED).questions["q4"].parts[0]
    assert part.status == "partial"
    assert part.points == pytest.approx(2 * 9 / 10)
    assert "∂L/∂w0 for sample 2" in part.feedback


def test_tiny_relative_errors_are_accepted() -> None:
    answers = reference(*SEED)
    nudged = {
        k: v if isinstance(v, bool) else np.asarray(v) * (1 + 1e-7) for k, v in answers.items()
    }
    assert grade(nudged, *SEED).score == 11


def test_errors_beyond_the_tolerance_are_not() -> None:
    answers = reference(*SEED)
    y_hat = answers["y_hat"] + np.array([0.0, 0.01])
    q1 = grade({**answers, "y_hat": y_hat}, *SEED).questions["q1"]
    assert q1.points == pytest.approx(1.0)  # one of two components
    assert "ŷ for sample 2" in q1.feedback and "ŷ for sample 1" not in q1.feedback


def test_tolerances_come_from_the_rubric() -> None:
    loose = Rubric.from_dict(RUBRIC.to_dict())
    loose = replace(
        loose,
        questions=tuple(
            replace(q, quantities=tuple(replace(x, atol=0.1) for x in q.quantities))
            for q in loose.questions
        ),
    )
    answers = reference(*SEED)
    y_hat = answers["y_hat"] + np.array([0.0, 0.01])
    assert grade({**answers, "y_hat": y_hat}, *SEED, rubric=loose).questions["q1"].points == 2


# -- error carried forward -------------------------------------------------------------


def chain_from_y_hat(y_hat: np.ndarray, variant: Dataset) -> Answers:
    """Everything after ŷ computed right from the given (wrong) ŷ, by the homework's rules."""
    X, y, theta, eta = variant
    z, h, _ = s.forward(theta, X)
    d_out = 2 * (y_hat - y)
    d_hidden = d_out * theta[3] * s.relu_left_derivative(z)
    grads = np.stack([d_hidden * X[:, 0], d_hidden * X[:, 1], d_hidden, d_out * h, d_out], 1)
    grad = grads.mean(axis=0)
    theta_new = theta - eta * grad
    loss = float(np.mean((y_hat - y) ** 2))
    loss_new = float(s.loss(theta_new, X, y))
    return {
        "y_hat": y_hat,
        "loss": loss,
        "grad_per_sample": grads,
        "grad": grad,
        "theta_new": theta_new,
        "loss_new": loss_new,
        "loss_decreased": loss_new < loss,
    }


@pytest.mark.parametrize("penalty", [0.25, 0.5, 0.0])
def test_chain_from_a_wrong_y_hat_gets_the_configured_credit(penalty: float) -> None:
    rubric = replace(RUBRIC, ecf_penalty=penalty)
    y_hat = reference(*SEED)["y_hat"] + np.array([0.0, 3.0])  # a slip in sample 2 only
    answers = chain_from_y_hat(y_hat, SEED)
    report = grade(answers, *SEED, rubric=rubric)
    wanted = expected_points(answers, SEED, rubric)
    wanted["q1"] = 1.0  # the slip itself earns nothing
    assert {k: q.points for k, q in report.questions.items()} == pytest.approx(wanted)
    assert report.questions["q1"].status == "partial"
    for key in ("q2", "q4", "q5"):
        assert report.questions[key].status == "carried_forward"
        assert "error carried forward" in report.questions[key].feedback
    assert report.tags == ()


@settings(max_examples=30, deadline=None)
@given(variant=variants())
def test_chain_from_a_wrong_y_hat_on_random_variants(variant: Dataset) -> None:
    active = int(np.argmax(s.forward(variant.theta, variant.X).z))
    assume(not np.any(guessed("y_hat", reference(*variant)["y_hat"][active], variant)))
    slip = np.where(np.arange(2) == active, 0.0, 2.25)  # on the inactive sample: never 0, y
    y_hat = reference(*variant)["y_hat"] + slip
    answers = chain_from_y_hat(y_hat, variant)
    assume(not any(np.all(guessed(n, answers[n], variant)) for n in ("loss", "loss_new")))
    # the slip may mirror the sample's residual (w4 - y = -1.125): the loss is then right
    right_loss = reference(*variant)["loss"]
    assume(not np.isclose(answers["loss"], right_loss, rtol=1e-2, atol=1e-2))
    report = grade(answers, *variant)
    wanted = expected_points(answers, variant, RUBRIC)
    wanted["q1"] = 1.0
    got = {k: q.points for k, q in report.questions.items()}
    assert got["q1"] == wanted["q1"] and got["q2"] == pytest.approx(wanted["q2"])
    assert got["q4"] == pytest.approx(wanted["q4"]) and got["q5"] == pytest.approx(wanted["q5"])


def test_a_right_y_hat_of_the_inactive_sample_alone_earns_nothing() -> None:
    """ŷ of the inactive sample is w4 on every variant, a guess: alone it earns nothing."""
    y_hat = reference(*SEED)["y_hat"] + np.array([1.0, 0.0])  # a slip in the active sample
    assert y_hat[1] == SEED.theta[4]
    report = grade(chain_from_y_hat(y_hat, SEED), *SEED)
    assert report.questions["q1"].points == 0
    assert "ŷ = w4" in report.questions["q1"].feedback
    for key in ("q2", "q4", "q5"):  # the slip still carries forward
        assert report.questions[key].status == "carried_forward"


def test_a_slip_in_one_component_of_grad_keeps_the_rest_carried_forward() -> None:
    y_hat = reference(*SEED)["y_hat"] + np.array([1.0, 0.0])
    answers = chain_from_y_hat(y_hat, SEED)
    grad = answers["grad"].copy()
    grad[0] += 5
    answers["grad"] = grad
    part = grade(answers, *SEED).questions["q4"].parts[1]
    assert part.name == "grad" and part.status == "partial"
    right = np.isclose(grad, reference(*SEED)["grad"])
    assert part.points == pytest.approx(2 / 5 * (right.sum() + 0.75 * (4 - right.sum())))
    assert "∂𝓛/∂w0" in part.feedback


# -- attempts to game error carried forward ------------------------------------------


def consistent_chain(y_hat: np.ndarray, variant: Dataset) -> Answers:
    """A chain that follows correctly from an arbitrary ŷ: only a real ŷ deserves credit."""
    return chain_from_y_hat(np.asarray(y_hat, dtype=float), variant)


TRIVIAL_Y_HAT = {
    "y_hat equal to y": SEED.y,
    "y_hat a hair from y": SEED.y + np.array([0.004, -0.003]),
    "y_hat all zeros": np.zeros(2),
    "y_hat huge": np.array([1e9, 1e9]),
}


@pytest.mark.parametrize("which", list(TRIVIAL_Y_HAT))
def test_consistency_with_a_trivial_y_hat_earns_nothing(which: str) -> None:
    y_hat = TRIVIAL_Y_HAT
    answers = consistent_chain(y_hat[which], SEED)
    report = grade(answers, *SEED)
    for key in ("q1", "q2", "q4", "q5"):
        assert report.questions[key].points == 0, (key, report.questions[key].feedback)
    assert "no credit is carried forward" in report.questions["q2"].feedback


def test_zero_gradients_and_no_update_earn_nothing() -> None:
    X, y, theta, _ = SEED
    answers = {
        **reference(*SEED),
        "grad_per_sample": np.zeros((2, 5)),
        "grad": np.zeros(5),
        "theta_new": theta.copy(),
        "loss_new": s.loss(theta, X, y),
    }
    report = grade(answers, *SEED)
    assert report.questions["q4"].points == 0  # all zeros: not even the zero entries count
    assert report.questions["q5"].points == 0
    assert report.questions["q6"].parts[0].points == 0


def test_theta_unchanged_after_a_wrong_gradient_earns_nothing() -> None:
    _, _, theta, eta = SEED
    answers = {**reference(*SEED), "grad": np.ones(5), "theta_new": theta.copy()}
    report = grade(answers, *SEED)
    assert report.questions["q5"].points == 0
    answers["theta_new"] = theta - eta * np.ones(5)  # but the right step from it counts
    assert report.questions["q5"].points == 0
    assert grade(answers, *SEED).questions["q5"].status == "carried_forward"


@pytest.mark.parametrize("student_id", ["", "alice", "bob", "s123456", "Ødegård"])
def test_reference_answers_on_the_assignment_variants(student_id: str) -> None:
    from solutions.variant import make_variant

    v = make_variant(student_id)
    variant = (np.asarray(v.X), np.asarray(v.y), np.asarray(v.theta), float(v.eta))
    assert grade(reference(*variant), *variant).score == 11
    assert grade(by_hand(*variant), *variant).score == 11


# -- loss_decreased rests on the student's own 𝓛 and 𝓛′ --------------------------------

DECREASED = RUBRIC.quantity("loss_decreased")


def decreased_part(answers: Answers, variant: Dataset = SEED) -> QuantityResult:
    """The loss_decreased part of q6."""
    part = grade(answers, *variant).questions["q6"].parts[1]
    assert part.name == "loss_decreased"
    return part


def test_true_that_contradicts_the_students_own_losses_earns_nothing() -> None:
    part = decreased_part({"loss": 0.0, "loss_new": 0.0, "loss_decreased": True})
    assert (part.points, part.status) == (0, "incorrect")
    assert "True contradicts your own numbers" in part.feedback
    assert "not lower than" in part.feedback


def test_true_that_contradicts_losses_from_a_real_mistake_earns_nothing() -> None:
    answers = reference(*SEED)
    answers = {**answers, "loss_new": answers["loss"]}  # 𝓛′ with the old θ: a known mistake
    part = decreased_part({**answers, "loss_decreased": True})
    assert part.points == 0 and "contradicts" in part.feedback
    part = decreased_part({**answers, "loss_decreased": False})  # what the student's numbers say
    assert part.status == "carried_forward"
    assert part.points == pytest.approx(DECREASED.points * (1 - RUBRIC.ecf_penalty))


@pytest.mark.parametrize("missing", ["loss", "loss_new"])
def test_true_without_the_losses_it_compares_earns_nothing(missing: str) -> None:
    answers = {k: v for k, v in reference(*SEED).items() if k != missing}
    part = decreased_part(answers)
    assert part.points == 0
    assert missing in part.feedback


def test_true_that_agrees_with_an_unexplained_loss_new_earns_nothing() -> None:
    answers = reference(*SEED)
    assert answers["loss"] > 0.5
    part = decreased_part({**answers, "loss_new": 0.5, "loss_decreased": True})
    assert part.points == 0
    assert "agrees with your loss and loss_new" in part.feedback


def test_true_from_a_summed_loss_and_loss_new_earns_its_points() -> None:
    X, y, theta, _ = SEED
    answers = reference(*SEED)
    loss = 2 * float(s.loss(theta, X, y))  # the sum over the samples: a known mistake in q2
    loss_new = 2 * float(s.loss(answers["theta_new"], X, y))
    report = grade({**answers, "loss": loss, "loss_new": loss_new}, *SEED)
    assert report.questions["q2"].points == 0
    assert report.questions["q6"].parts[1].points == DECREASED.points


# -- zeros in a gradient, and the mean of gradients that earned nothing -------------------


def test_right_zeros_alone_earn_nothing_in_a_gradient() -> None:
    right = reference(*SEED)["grad_per_sample"]
    zeros = np.abs(right) < 1e-12
    assert zeros.any() and not zeros.all()
    guess = np.where(zeros, 0.0, 7.0)  # every zero of the seed's right, nothing else
    part = grade({"grad_per_sample": guess}, *SEED).questions["q4"].parts[0]
    assert part.points == 0
    assert "guess" in part.feedback and "zero gradients" in part.feedback
    one_more = guess.copy()
    index = tuple(np.argwhere(~zeros)[0])
    one_more[index] = right[index]
    part = grade({"grad_per_sample": one_more}, *SEED).questions["q4"].parts[0]
    shares = RUBRIC.quantity("grad_per_sample").points / right.size
    assert part.points == pytest.approx(shares * (zeros.sum() + 1))


def test_the_mean_of_gradients_that_earned_nothing_earns_nothing() -> None:
    _, _, theta, eta = SEED
    guess = np.array([[0, 0, 0, 0, 7.0], [0, 0, 0, 0, 7.0]])
    grad = guess.mean(axis=0)
    theta_new = theta - eta * grad
    answers = {**reference(*SEED), "grad_per_sample": guess, "grad": grad, "theta_new": theta_new}
    report = grade(answers, *SEED)
    assert report.questions["q4"].points == 0
    assert "no credit is carried forward" in report.questions["q4"].parts[1].feedback
    # the update uses the student's own θ and η: it still follows from their gradient
    assert report.questions["q5"].status == "carried_forward"


def test_a_carried_forward_value_a_guess_gives_earns_nothing_and_grounds_nothing() -> None:
    """ŷ off by 1 on both samples gives 𝓛 = 1 exactly: it follows from ŷ, but 1 is what anyone
    can write without working, so it earns nothing, nor does the False that rests on it."""
    answers = reference(*SEED)
    y_hat = SEED.y + 1.0
    loss = float(np.mean((y_hat - SEED.y) ** 2))
    assert loss == pytest.approx(1.0)
    answers = {**answers, "y_hat": y_hat, "loss": 1.0, "loss_decreased": False}
    assert answers["loss_new"] > 1.0  # False is what the student's own numbers say
    report = grade(answers, *SEED)
    q2 = report.questions["q2"]
    assert (q2.points, q2.status) == (0, "incorrect")
    assert "without working them out" in q2.feedback
    decreased = report.questions["q6"].parts[1]
    assert decreased.points == 0
    assert "loss is made only of numbers anyone can write down" in decreased.feedback
