"""The class summary: plots with alt text, and the counts of scores and misconceptions."""

from __future__ import annotations

import re
from pathlib import Path

from grader import Report, grade, write_class_summary
from grader.judgment.summary import misconception_counts
from tests.grader.judgment.html_page import parse
from tests.grader.judgment.students import MISTAKES, SEED, reference


def class_reports() -> dict[str, Report]:
    students = {"ann": reference(*SEED), "ben": MISTAKES["no_relu"][0](*SEED)}
    students["cy"] = MISTAKES["no_relu"][0](*SEED)
    students["di"] = MISTAKES["forget_eta"][0](*SEED)
    students["<ed>"] = {}
    return {name: grade(answers, *SEED) for name, answers in students.items()}


def test_summary_page_with_plots(tmp_path: Path) -> None:
    page = write_class_summary(class_reports(), tmp_path, links={"ann": "feedback/ann.html"})
    assert page == tmp_path / "summary.html"
    html = page.read_text(encoding="utf-8")
    collector = parse(html)
    images = [
        dict(collector.attrs[i : i + 2]) for i, a in enumerate(collector.attrs) if a[0] == "src"
    ]
    assert len(images) == 2
    for image in images:
        assert (tmp_path / str(image["src"])).read_text().lstrip().startswith("<?xml")
        assert len(str(image["alt"])) > 20
    assert "&lt;ed&gt;" in html and "<ed>" not in html
    assert 'href="feedback/ann.html"' in html
    assert not re.search(r"https?://(?!www\.w3\.org)", html)


def test_counts_per_question() -> None:
    counts = misconception_counts(class_reports())
    assert counts == {"no_relu": {"q1": 2}, "forget_eta": {"q5": 1}}


def test_alt_text_states_the_scores(tmp_path: Path) -> None:
    reports = class_reports()
    html = write_class_summary(reports, tmp_path).read_text(encoding="utf-8")
    for report in reports.values():
        assert f"{report.score:g}" in html
    assert "no_relu: 2 in q1" in html


def test_empty_class(tmp_path: Path) -> None:
    html = write_class_summary({}, tmp_path).read_text(encoding="utf-8")
    assert "No reports" in html
