"""Issue 12, "Feedback in seconds", end to end: a student in Chromium and a real JupyterLab.

The student fetches hw4 in nbgrader's Assignment List, types a student ID and answers
(the forward pass without the ReLU), saves and submits; a few seconds later Fetch
Feedback brings the graded page, which names the mistake and gives no expected value.
A screenshot of each step goes to ``_build/e2e-student/``.

The instructor's side is ``python -m grader serve hw4``, running on the course (the
fixture ``instructor``): nobody runs a command between the submit and the feedback.
"""

from __future__ import annotations

import getpass
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
import pytest

import solutions
from grader.judgment.misconceptions import MISCONCEPTIONS
from solutions.variant import make_variant
from tests.course import REPOSITORY, Course
from tests.e2e.jupyterlab import StudentLab, student_jupyterlab
from tests.e2e.lab_pages import (
    AssignmentList,
    Notebook,
    chromium,
    frame_text,
    open_lab,
    screenshot,
)
from tests.grader.course.exchange import Service

pytestmark = [pytest.mark.slow, pytest.mark.exchange]


ASSIGNMENT = "hw4"
SCREENSHOTS = REPOSITORY / "_build" / "e2e-student"
FEEDBACK_TIMEOUT = 120.0
"""Most seconds from the submit to feedback ready to fetch (a generous bound for a busy
machine; the service usually takes one or two)."""

ANSWERS = {
    "answer_q1": (
        "def predict(theta, X):\n"
        "    z = theta[0] * X[:, 0] + theta[1] * X[:, 1] + theta[2]\n"
        "    return theta[3] * z + theta[4]\n"
        "\n"
        "\n"
        "y_hat = predict(theta, X)\n"
        "y_hat"
    ),
    "answer_q2": "loss = float(np.mean((predict(theta, X) - y) ** 2))\nloss",
}
"""The student's answers: a forward pass without the ReLU, and the loss it gives."""


@dataclass
class Instructor:
    """The instructor's side of the exchange: ``python -m grader serve`` running on it."""

    course: Course
    service: Service


@pytest.fixture
def instructor(course: Course, tmp_path: Path) -> Iterator[Instructor]:
    """hw4 released to the exchange, and the submission service running on the course
    (a subprocess in its own process group, stopped with SIGTERM at the end)."""
    service = Service(course, tmp_path / "serve.log", "--jobs", "1")
    try:
        yield Instructor(course, service)
        assert service.stop() == 0, service.log()[-3000:]
    finally:
        if service.process.poll() is None:
            service.kill()


@pytest.fixture
def starting_lab(tmp_path: Path) -> Iterator[StudentLab]:
    """The student's JupyterLab, started (it starts while the course is made)."""
    with student_jupyterlab(tmp_path / "student") as lab:
        yield lab


@pytest.fixture
def lab(starting_lab: StudentLab, course: Course, instructor: Instructor) -> StudentLab:
    """The student's JupyterLab, up, its Assignment List on the course's exchange."""
    starting_lab.join_course(course.root / "exchange", course.course_id)
    starting_lab.wait_until_up()
    return starting_lab


@pytest.fixture
def screenshots() -> Path:
    """``_build/e2e-student/``, emptied."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


def numbers_as_printed(value: Any) -> set[str]:
    """How a value may be printed, in forms that a page shows only for that value: numpy's
    and Python's reprs of an array (brackets included), a number's reprs and roundings
    with a decimal point."""
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        number = float(array)
        shown = {repr(number), f"{number:g}", f"{number:.3g}", f"{number:.4g}", f"{number:.3f}"}
        shown = {text for text in shown if "." in text}
    else:
        shown = {repr(array), str(array), repr(array.tolist())}
    return {" ".join(text.split()) for text in shown}


def shows(text: str, printed: str) -> bool:
    """Whether ``printed`` stands in ``text`` as a whole number (not inside a longer one)."""
    pattern = rf"(?<![\d.]){re.escape(printed)}(?![\d])"
    return re.search(pattern, " ".join(text.split())) is not None


def test_a_student_submits_in_jupyterlab_and_fetches_feedback_naming_the_mistake(
    lab: StudentLab, instructor: Instructor, screenshots: Path
) -> None:
    student = getpass.getuser()  # nbgrader's student ID is the Unix user name
    no_relu = next(m for m in MISCONCEPTIONS if m.tag == "no_relu")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        try:
            open_lab(page, lab.lab_url())
            assignments = AssignmentList(page)
            assignments.open()
            screenshot(page, screenshots, "01-assignment-list.png")

            assignments.fetch(ASSIGNMENT)
            screenshot(page, screenshots, "02-fetched.png")

            assignments.open_notebook(ASSIGNMENT, ASSIGNMENT)
            notebook = Notebook(page, f"{ASSIGNMENT}.ipynb")
            notebook.wait_until_loaded()
            notebook.replace_source(
                notebook.code_cell('STUDENT_ID = ""'), f"STUDENT_ID = {student!r}"
            )
            for source in ANSWERS.values():
                last_line = source.rsplit("\n", 1)[1]
                cell = notebook.code_cell("raise NotImplementedError()", last_line)
                notebook.replace_source(cell, source)
            notebook.save()
            saved = nbformat.read(lab.home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
            by_id = {
                cell.metadata.get("nbgrader", {}).get("grade_id"): cell.source
                for cell in saved.cells
            }
            assert by_id["student_id"] == f"STUDENT_ID = {student!r}"
            for grade_id, source in ANSWERS.items():
                assert by_id[grade_id] == source, grade_id
            screenshot(page, screenshots, "03-notebook-answered.png")

            assignments.show()
            submitted_at = time.monotonic()
            assignments.submit(ASSIGNMENT)
            screenshot(page, screenshots, "04-submitted.png")

            assignments.wait_for_feedback(ASSIGNMENT, FEEDBACK_TIMEOUT)
            seconds = time.monotonic() - submitted_at
            view_feedback = assignments.fetch_feedback(ASSIGNMENT)
            screenshot(page, screenshots, "05-feedback-fetched.png")

            view_feedback.click()
            listed = page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html")
            listed.dblclick()
            mistake = no_relu.sentence.split(":")[0]  # "The forward pass leaves out the ReLU"
            text = frame_text(page, ".jp-HTMLViewer:visible iframe", mistake)
            screenshot(page, screenshots, "06-feedback-page.png")
        except Exception as error:
            screenshot(page, screenshots, "failure.png")
            raise AssertionError(f"{error}\n\n{lab.failure_report()}") from error
        finally:
            page.close()

    assert no_relu.sentence in " ".join(text.split()), text[-3000:]

    variant = make_variant(student)
    reference = solutions.answers(variant.theta, variant.X, variant.y, variant.eta)
    for name in ("y_hat", "loss", "grad", "theta_new", "loss_new"):
        shown = [printed for printed in numbers_as_printed(reference[name]) if shows(text, printed)]
        assert not shown, f"the page shows the expected {name}: {shown}"
    log = instructor.service.log()
    assert f" graded {student} " in log, log[-3000:]  # the service's line for the submission
    print(f"feedback ready {seconds:.1f} s after the submit")
