"""The glued numbers are where they belong, and the student edition has no solution.

Expected values come from ``hand_computation`` (the seed's formulas in plain
Python), never from the build.
"""

from __future__ import annotations

import pytest

import grader
from tests.book import hand_computation as hand
from tests.book.builds import Edition
from tests.book.site_crawl import toc_pages

pytestmark = pytest.mark.slow
CHAPTERS = [page for page in toc_pages() if page.startswith("book/q")]


def column(table: list[list[str]], index: int) -> list[str]:
    """One column of a table's body rows."""
    return [row[index] for row in table[1:]]


def test_the_loss_page_shows_the_loss(full_edition: Edition) -> None:
    report = full_edition.pages["book/q2_loss.html"]
    assert f"{hand.LOSS:.2f}" in report.pasted  # 3.25
    per_sample = [(y_hat - y) ** 2 for y_hat, y in zip(hand.Y_HAT, hand.Y, strict=True)]
    assert [f"{term:.2f}" for term in per_sample] == report.pasted[:2]


def test_the_forward_table(full_edition: Edition) -> None:
    table = full_edition.pages["book/q1_forward.html"].tables["tbl-forward"]
    expected = [hand.predict(hand.THETA, x) for x in hand.X]
    assert column(table, 1) == [f"{z:.2f}" for z, _, _ in expected]
    assert column(table, 2) == [f"{h:.2f}" for _, h, _ in expected]
    assert column(table, 3) == [f"{y_hat:.2f}" for y_hat in hand.Y_HAT]


def test_the_per_sample_gradients(full_edition: Edition) -> None:
    table = full_edition.pages["book/q4_gradient.html"].tables["tbl-backprop"]
    # rows: δŷ, δh, then ∂L/∂w0 … ∂L/∂w4; columns: sample 1, sample 2
    # (+ 0.0 turns the −0.0 of 0 · (−3) into 0.0: the page shows no signed zero)
    for index, sample in enumerate(hand.GRADS, start=1):
        assert column(table, index)[2:] == [f"{g + 0.0:.2f}" for g in sample]


def test_the_mean_gradient_and_its_check(full_edition: Edition) -> None:
    table = full_edition.pages["book/q4_gradient.html"].tables["tbl-gradient-check"]
    assert column(table, 1) == [f"{g:.4f}" for g in hand.GRAD]
    assert column(table, 2) == [f"{g:.4f}" for g in hand.GRAD]


def test_the_update(full_edition: Edition) -> None:
    table = full_edition.pages["book/q5_update.html"].tables["tbl-update"]
    assert column(table, 1) == [f"{w:.3f}" for w in hand.THETA]
    assert column(table, 2) == [f"{w:.3f}" for w in hand.THETA_NEW]


def test_the_loss_after_the_update(full_edition: Edition) -> None:
    report = full_edition.pages["book/q6_loss_after.html"]
    assert f"{hand.LOSS_NEW:.6f}" in report.pasted  # 2.855647
    assert f"{hand.LOSS - hand.LOSS_NEW:.6f}" in report.pasted
    first_order = hand.ETA * sum(g * g for g in hand.GRAD)
    assert f"{first_order:.4f}" in report.pasted


def test_the_largest_learning_rate_that_lowers_the_loss(full_edition: Edition) -> None:
    report = full_edition.pages["book/q7_learning_rate.html"]
    shown = [text for text in report.pasted if text.startswith("0.") and len(text) == 6]
    assert len(shown) == 1, report.pasted
    eta_star = float(shown[0])  # printed with 4 decimals
    assert hand.loss_after_first_step(eta_star - 1e-4) < hand.LOSS
    assert hand.loss_after_first_step(eta_star + 1e-4) > hand.LOSS


@pytest.mark.parametrize("page", CHAPTERS)
def test_the_full_edition_has_a_worked_solution_per_chapter(
    full_edition: Edition, page: str
) -> None:
    assert full_edition.pages[page].solution_count == 1


@pytest.mark.parametrize("page", toc_pages())
def test_the_student_edition_shows_no_worked_solution(student_edition: Edition, page: str) -> None:
    report = student_edition.pages[page]
    assert report.solution_count == 0
    assert "Solution to" not in report.text


def test_the_student_edition_hides_the_answers(student_edition: Edition) -> None:
    assert f"{hand.LOSS:.2f}" not in student_edition.pages["book/q2_loss.html"].text
    assert "tbl-forward" not in student_edition.pages["book/q1_forward.html"].tables


def test_the_student_edition_keeps_the_exercises(student_edition: Edition) -> None:
    for page in CHAPTERS:
        assert "Exercise" in student_edition.pages[page].text, page


# The points fixed for the assignment (q1, q2, q3, q4, q5, q6, q7, then the total).
ASSIGNMENT_POINTS = [2, 1, 5, 4, 2, 2, 3]


def test_the_students_page_gives_the_points(edition: Edition) -> None:
    table = edition.pages["book/assignment.html"].tables["tbl-points"]
    expected = [*ASSIGNMENT_POINTS, sum(ASSIGNMENT_POINTS)]
    assert column(table, 1) == [str(points) for points in expected]


@pytest.mark.parametrize("name", ["hw4.ipynb", "hw4_variant.py", "hw4_selfcheck.py"])
def test_the_students_page_links_the_released_files(edition: Edition, name: str) -> None:
    links = edition.pages["book/assignment.html"].links
    assert any(link.endswith(f"/{name}") for link in links)


def test_each_edition_says_what_it_is(full_edition: Edition, student_edition: Edition) -> None:
    marker = "This is the student edition"
    assert marker in student_edition.pages["book/intro.html"].text
    assert marker not in full_edition.pages["book/intro.html"].text


def test_the_students_page_states_the_grader_s_carried_error_credit(
    full_edition: Edition,
) -> None:
    share = round(100 * (1 - grader.RUBRIC.ecf_penalty))
    assert str(share) in full_edition.pages["book/assignment.html"].pasted
