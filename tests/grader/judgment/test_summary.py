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


SVG = "{http://www.w3.org/2000/svg}"


def svg_rects(path: Path) -> list[tuple[float, float, str]]:
    """Each drawn bar of a chart: its width, height and the sentence of its tooltip."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    return [
        (float(rect.get("width", 0)), float(rect.get("height", 0)), title.text or "")
        for rect in root.iter(f"{SVG}rect")
        if (title := rect.find(f"{SVG}title")) is not None
    ]


def test_the_histogram_draws_each_half_point_bin_at_its_height(tmp_path: Path) -> None:
    reports = class_reports()
    write_class_summary(reports, tmp_path)
    bins: dict[float, int] = {}
    for report in reports.values():
        low = int(report.score * 2) / 2
        bins[low] = bins.get(low, 0) + 1
    bars = svg_rects(tmp_path / "score_distribution.svg")
    assert sorted(text for *_, text in bars) == sorted(
        f"{n} student(s) scored from {low:g} to under {low + 0.5:g}" for low, n in bins.items()
    )
    unit = {round(height / int(text.split()[0]), 6) for _, height, text in bars}
    assert len(unit) == 1  # heights proportional to the counts
    assert len({round(width, 6) for width, _, _ in bars}) == 1


def test_the_misconception_bars_split_each_count_by_question(tmp_path: Path) -> None:
    reports = class_reports()
    write_class_summary(reports, tmp_path)
    segments = svg_rects(tmp_path / "misconceptions.svg")
    # no_relu in q1 for ben and cy; forget_eta in q5 for di
    assert sorted(text for *_, text in segments) == ["forget_eta: 1 in q5", "no_relu: 2 in q1"]
    widths = {text: width for width, _, text in segments}
    assert abs(widths["no_relu: 2 in q1"] - 2 * widths["forget_eta: 1 in q5"]) < 0.2
