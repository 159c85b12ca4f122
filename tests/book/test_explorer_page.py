"""The explorer in Chromium, on the shared build: the learning rate's regimes, and practice.

Expected values come from ``solutions`` and, for the mistakes, from the homework's formulas
written here with the mistake made (no ReLU, ∂L/∂ŷ without its factor 2); the sentences
from ``grader.judgment.misconceptions``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import solutions
from grader.judgment.misconceptions import BY_TAG
from solutions import SEED, Dataset
from tests.book.builds import Build, Edition
from tests.book.modules import load_book_module
from tests.book.site_crawl import AXE_RUN, block_external, serve

pytestmark = pytest.mark.slow
worked = load_book_module("worked")
STEPS = 20
ORDER = ("y_hat", "loss", "grad_per_sample", "grad", "theta_new", "loss_new", "loss_decreased")


@pytest.fixture(scope="module")
def full_site(built: Build) -> Iterator[str]:
    with serve(built.out / "html") as base_url:
        yield base_url


@pytest.fixture(scope="module")
def student_site(built: Build) -> Iterator[str]:
    with serve(built.out / "html-student") as base_url:
        yield base_url


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """A browser context that reaches nothing but 127.0.0.1, with its page errors."""
    context = browser.new_context()
    context.route("**/*", block_external)
    yield context
    context.close()


def open_explorer(context: Any, base_url: str, page_path: str = "book/explorer.html") -> Any:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(base_url + page_path)
    page.wait_for_selector("div.hw4-explorer[data-ready]")
    page.errors = errors
    return page


def set_field(page: Any, label: str, value: float) -> None:
    page.locator(".hw4-explore").get_by_label(label, exact=True).fill(repr(value))


def regime(page: Any) -> tuple[str, str]:
    summary = page.locator(".hw4-summary")
    return summary.get_attribute("data-regime") or "", summary.inner_text()


def diverges(data: Dataset, eta: float) -> bool:
    """The run of STEPS steps ends above the loss before (or overflows), the unit still on."""
    with np.errstate(all="ignore"):
        history = solutions.train(data.theta, data.X, data.y, eta, STEPS)
        z = solutions.forward(history.thetas[-1], data.X).z
        final = float(history.losses[-1])
    return not np.all(z <= 0) and (not np.isfinite(final) or final > history.losses[0])


def test_moving_eta_past_the_critical_value_shows_divergence(context: Any, full_site: str) -> None:
    page = open_explorer(context, full_site)
    set_field(page, "steps k", STEPS)
    etas = [round(eta, 3) for eta in np.arange(0.3, 1.5, 0.005)]
    critical = next(eta for eta in etas if diverges(SEED, eta))
    below, above = round(critical - 0.005, 3), critical
    slider = page.locator(".hw4-explore").get_by_label("η (slider)")
    slider.fill(str(below))
    kind, text = regime(page)
    assert kind != "divergence" and "divergence" not in text, text
    slider.fill(str(above))
    kind, text = regime(page)
    assert kind == "divergence", text
    assert "too large: divergence" in text  # the chapter's name of the regime
    assert f"η = {above:g}" in text
    # the first step: it lowers the loss below the chapter's η*, and not above it
    eta_star = worked.largest_decreasing_eta()
    for eta, verdict in ((eta_star - 0.01, "lowers"), (eta_star + 0.01, "does not lower")):
        set_field(page, "η", round(eta, 4))
        assert f"the step {verdict} the loss" in page.locator(".hw4-loss-new").inner_text()
    assert page.errors == []


def practice_numbers(page: Any) -> Dataset:
    numbers = json.loads(page.locator(".hw4-problem").get_attribute("data-numbers"))
    return Dataset.build(numbers["X"], numbers["y"], numbers["theta"], numbers["eta"])


def step(page: Any, name: str) -> Any:
    return page.locator(f'fieldset.hw4-step[data-answer="{name}"]')


def answer(page: Any, name: str, value: Any) -> Any:
    """Type an answer into its step, check it; the step's feedback."""
    form = step(page, name)
    if name == "loss_decreased":
        form.locator("select").select_option("true" if value else "false")
    else:
        fields = form.locator("input.hw4-answer")
        values = np.ravel(np.asarray(value, dtype=float))
        assert fields.count() == len(values)
        for index, number in enumerate(values):
            fields.nth(index).fill(f"{number:.4f}")
    form.locator("button.hw4-check").click()
    return form.locator(".hw4-feedback")


def reference(data: Dataset) -> dict[str, Any]:
    return solutions.answers(data.theta, data.X, data.y, data.eta)


def test_practice_accepts_right_answers(context: Any, student_site: str) -> None:
    page = open_explorer(context, student_site)
    data = practice_numbers(page)
    assert not step(page, "loss").is_visible()  # one question at a time
    for name, value in reference(data).items():
        feedback = answer(page, name, value)
        assert feedback.get_attribute("data-status") == "correct", feedback.inner_text()
        assert feedback.inner_text().startswith("Right")
    assert page.errors == []


def test_practice_names_the_no_relu_mistake_and_the_missing_factor_2(
    context: Any, student_site: str, axe_script: Path
) -> None:
    page = open_explorer(context, student_site)
    data = practice_numbers(page)
    w0, w1, w2, w3, w4 = data.theta
    z = w0 * data.X[:, 0] + w1 * data.X[:, 1] + w2
    assert np.any(z < 0)  # practice numbers switch the hidden unit off for a sample
    feedback = answer(page, "y_hat", w3 * z + w4)  # h = z: the ReLU left out
    assert feedback.get_attribute("data-status") != "correct"
    assert BY_TAG["no_relu"].sentence in feedback.inner_text()
    assert BY_TAG["no_relu"].title in feedback.inner_text()
    right = reference(data)
    answer(page, "y_hat", right["y_hat"])
    answer(page, "loss", right["loss"])
    # ∂L/∂ŷ taken as ŷ − y: every entry of the per-sample gradients is halved
    feedback = answer(page, "grad_per_sample", np.asarray(right["grad_per_sample"]) / 2)
    assert BY_TAG["missing_factor_2"].sentence in feedback.inner_text()
    page.add_script_tag(path=str(axe_script))
    assert page.evaluate(AXE_RUN) == []
    assert page.errors == []


def spellings(value: float) -> set[str]:
    """How the page could write |value|: 2 to 6 decimals, with 3 significant digits or more."""
    found = set()
    for places in range(2, 7):
        text = f"{abs(value):.{places}f}".rstrip("0").rstrip(".")
        if len(text.replace(".", "").lstrip("0")) >= 3:
            found.add(text)
    return found


def shown(page: Any, values: Any) -> set[str]:
    text = page.locator(".hw4-practice").inner_text().replace("−", "-")
    spelled = set().union(*(spellings(v) for v in np.ravel(np.asarray(values, dtype=float))))
    return {s for s in spelled if s in text}


DISTINCTIVE = 20
"""Spellings of expected numbers a problem must have for the hidden-answers test to see many
(practice numbers in halves often give short exact answers, 0.5 or 1.25, that any page has)."""


def distinctive_problem(page: Any) -> Dataset:
    """New numbers until the expected answers (from ``solutions``) are spelt many ways."""
    for _ in range(100):
        data = practice_numbers(page)
        values = [np.ravel(np.asarray(v, dtype=float)) for v in reference(data).values()]
        found = set().union(*(spellings(v) for v in np.concatenate(values)))
        if len(found) >= DISTINCTIVE:
            return data
        page.locator("button.hw4-new").click()
    pytest.fail(f"no practice problem with {DISTINCTIVE} distinctive spellings in 100 draws")


def test_practice_shows_no_expected_number_before_the_reader_gives_up(
    context: Any, student_site: str
) -> None:
    page = open_explorer(context, student_site)
    data = distinctive_problem(page)
    right = reference(data)
    revealed: set[str] = set()
    for name in ORDER:
        value = right[name]
        for attempt in range(2):  # two wrong tries: off by one, then all zeros
            wrong = (not value) if name == "loss_decreased" else np.asarray(value) + 1 - attempt
            if name != "loss_decreased" and attempt:
                wrong = np.zeros_like(np.asarray(value, dtype=float))
            feedback = answer(page, name, wrong)
            assert feedback.get_attribute("data-status") != "correct"
            if name != "loss_decreased":
                assert shown(page, value) - revealed == set(), name
        step(page, name).locator("button.hw4-reveal").click()
        if name != "loss_decreased":
            now = shown(page, value)
            distinctive = any(spellings(v) for v in np.ravel(np.asarray(value, dtype=float)))
            assert now or not distinctive, f"the expected {name} is shown once asked for"
            revealed |= now
    assert len(revealed) > 10
    assert page.errors == []


def test_the_student_edition_computes_nothing_for_the_homework_s_numbers(
    context: Any, student_site: str, built: Build
) -> None:
    page = open_explorer(context, student_site)
    start = [float(page.locator(".hw4-explore").get_by_label(f"w{j}", exact=True).input_value())
             for j in range(5)]  # fmt: skip
    assert start != list(SEED.theta)
    assert page.locator(".hw4-explore table").count() > 0
    for n in range(2):
        for i in range(2):
            set_field(page, f"x{n + 1}[{i}]", float(SEED.X[n, i]))
        set_field(page, f"y{n + 1}", float(SEED.y[n]))
    for j in range(5):
        set_field(page, f"w{j}", float(SEED.theta[j]))
    assert page.locator(".hw4-explore table").count() == 0
    assert "student ID could give" in regime(page)[1]
    data = (built.out / "html-student" / "_static" / "explorer-data.js").read_text()
    assert '"homework"' not in data
    assert '"homework"' in (built.out / "html" / "_static" / "explorer-data.js").read_text()


@pytest.mark.parametrize("page", ["book/explorer.html", "book/q7_learning_rate.html"])
def test_the_explorer_page_and_question_7_hold_the_widget(edition: Edition, page: str) -> None:
    text = edition.pages[page].text  # as the site crawl saw it (no error, no axe violation)
    assert "Explore: change a number" in text and "Practice: fresh numbers" in text
    assert "after 20 steps with η =" in text  # computed in the page
