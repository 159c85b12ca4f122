"""The pages: every template loads, escapes what it is given and ships with the package; the
feedback page is readable, escaped, self-contained, and free of the variant's answers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path, PurePosixPath

import numpy as np
import pytest

from grader import grade, render_feedback_html
from grader.judgment.pages import environment, points
from tests.grader.judgment.html_page import parse
from tests.grader.judgment.students import MISTAKES, SEED, Answers, reference

REPOSITORY = Path(__file__).resolve().parents[3]
TEMPLATES = REPOSITORY / "grader" / "judgment" / "templates"
HOSTILE_ID = '<script>alert("x")</script>&"\''


def test_every_template_is_covered_by_the_package_data() -> None:
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["grader"]
    files = [path for path in TEMPLATES.rglob("*") if path.is_file()]
    assert files
    for path in files:
        relative = PurePosixPath(path.relative_to(REPOSITORY / "grader").as_posix())
        assert any(relative.match(pattern.removeprefix("**/")) for pattern in patterns), relative


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html.j2")))
def test_every_page_template_compiles(name: str) -> None:
    assert environment().get_template(name).name == name


def test_values_are_escaped_by_default() -> None:
    template = environment().from_string("<p>{{ text }}</p>")
    assert template.render(text="<b>&\"'") == "<p>&lt;b&gt;&amp;&#34;&#39;</p>"


def test_points_are_written_briefly() -> None:
    assert [points(2.0), points(1.75), points(0.5)] == ["2", "1.75", "0.5"]


def reference_number_texts(answers: Answers) -> set[str]:
    """The right answers as a student might see them written: 3 decimals, 2, or plainly."""
    texts = set()
    for name, value in answers.items():
        if name == "loss_decreased":
            continue
        for number in np.ravel(value):
            if number != 0 and abs(number) not in (1, 2, 3, 4, 5):  # too common in prose
                texts |= {f"{number:.3f}", f"{number:.2f}", f"{number:g}", repr(float(number))}
    return texts


@pytest.mark.parametrize("tag", ["none", *MISTAKES])
def test_page_parses_and_gives_no_reference_numbers(tag: str) -> None:
    answers = reference(*SEED) if tag == "none" else MISTAKES[tag][0](*SEED)
    page = render_feedback_html(grade(answers, *SEED), "student-1")
    collector = parse(page)
    visible = " ".join(collector.text)
    # points ("3.25 of 4 points", "1.5 / 2", "(1.75/2, ...") may equal an answer by chance
    visible = re.sub(r"[\d.]+ ?(of|/) ?[\d.]+", "", visible)
    for text in reference_number_texts(reference(*SEED)):
        assert not re.search(rf"(?<![\d.]){re.escape(text)}(?![\d])", visible), text
    assert "student-1" in visible


def test_student_controlled_text_is_escaped() -> None:
    page = render_feedback_html(grade({"loss": "<b>x</b>"}, *SEED), HOSTILE_ID)
    collector = parse(page)
    assert "script" not in collector.tags and "b" not in collector.tags
    assert HOSTILE_ID in "".join(collector.text)


def test_page_is_self_contained() -> None:
    page = render_feedback_html(grade(reference(*SEED), *SEED), "a")
    collector = parse(page)
    assert not re.search(r"https?://", page)
    assert "script" not in collector.tags and "link" not in collector.tags
    assert ("lang", "en") in collector.attrs


def test_page_names_the_mistake_and_the_points() -> None:
    report = grade(MISTAKES["z_instead_of_h"][0](*SEED), *SEED)
    visible = " ".join(parse(render_feedback_html(report, "a")).text)
    assert "z_instead_of_h" in visible
    assert f"{report.score:g} of 11" in visible
    assert "error carried forward" in visible


def test_problems_with_the_submission_are_listed_and_escaped() -> None:
    report = grade(reference(*SEED), *SEED)
    message = 'Cell "<img src=x onerror=alert(1)>" was edited & restored.'
    collector = parse(render_feedback_html(report, "a", [message]))
    assert "img" not in collector.tags
    visible = " ".join(collector.text)
    assert "About your submission" in visible and message in visible


def test_no_problem_section_without_problems() -> None:
    page = render_feedback_html(grade(reference(*SEED), *SEED), "a")
    assert "About your submission" not in " ".join(parse(page).text)
