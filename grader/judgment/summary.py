"""The instructor's class summary: score distribution and misconceptions per question.

``write_class_summary`` writes ``summary.html`` with two charts beside it as SVG files
(:mod:`.charts`; each with alt text that states what it shows), and tables with the
same numbers. :class:`ClassTally` gathers the same one report at a time, for a class
read from disk student by student. Its HTML is ``templates/summary.html.j2`` (see :mod:`.pages`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from statistics import mean, median
from typing import Any

from grader.judgment.charts import bars_svg, histogram_svg
from grader.judgment.misconceptions import MISCONCEPTIONS
from grader.judgment.pages import MISCONCEPTION_TITLES, STATUS_WORDS, render
from grader.judgment.report import Report

SCORE_PLOT = "score_distribution.svg"
MISCONCEPTION_PLOT = "misconceptions.svg"
PAGE = "summary.html"

Row = dict[str, Any]


def misconception_counts(reports: Mapping[str, Report]) -> dict[str, Counter[str]]:
    """For each misconception tag, how many students it was found for, per question."""
    tally = ClassTally()
    for student, report in reports.items():
        tally.add(student, report)
    return tally.misconception_counts()


def _plot_scores(scores: list[float], max_score: float, path: Path) -> str:
    listed = ", ".join(f"{s:g}" for s in sorted(scores))
    alt = f"Histogram of the autograded scores of {len(scores)} students: {listed}."
    path.write_text(histogram_svg(scores, max_score, alt), encoding="utf-8")
    return alt


def _plot_misconceptions(
    counts: Mapping[str, Counter[str]], question_keys: list[str], path: Path
) -> str:
    if not counts:
        alt = "Bar chart of misconceptions: none was found."
    else:
        described = "; ".join(
            f"{tag}: " + ", ".join(f"{n} in {key}" for key, n in sorted(per_question.items()))
            for tag, per_question in counts.items()
        )
        alt = f"Bar chart of the students per misconception, by question. {described}."
    path.write_text(bars_svg(counts, question_keys, alt), encoding="utf-8")
    return alt


class ClassTally:
    """What the summary shows, gathered one report at a time: a class of any size is
    summarised without holding its reports (see :meth:`add` and :meth:`write`)."""

    def __init__(self) -> None:
        self.scores: list[float] = []
        self.max_score = 0.0
        self.points: dict[str, list[float]] = {}
        """Per question key, in order of first appearance: each student's points."""
        self.max_points: dict[str, float] = {}
        self.statuses: dict[str, Counter[str]] = {}
        self.counts: dict[str, Counter[str]] = {}
        self.students: list[Row] = []

    def add(self, student: str, report: Report) -> None:
        """Count one student's report."""
        self.scores.append(report.score)
        self.max_score = max(self.max_score, report.max_score)
        for key, question in report.questions.items():
            self.points.setdefault(key, []).append(question.points)
            self.max_points.setdefault(key, question.max_points)
            self.statuses.setdefault(key, Counter())[question.status] += 1
            for tag in question.tags:
                self.counts.setdefault(tag, Counter())[key] += 1
        row: Row = {"name": student, "score": report.score, "max_score": report.max_score}
        row["tags"] = report.tags
        self.students.append(row)

    def misconception_counts(self) -> dict[str, Counter[str]]:
        """For each misconception tag, how many students it was found for, per question."""
        order = {m.tag: i for i, m in enumerate(MISCONCEPTIONS)}
        ranked = sorted(
            self.counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
        )
        return dict(ranked)

    def write(self, out_dir: Path, links: Mapping[str, str] | None = None) -> Path:
        """Write ``summary.html`` and its plots into ``out_dir``; return the page's path."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        question_keys = list(self.points)
        counts = self.misconception_counts()
        scores = self.scores
        plots = []
        if scores:
            plots = [
                {
                    "src": SCORE_PLOT,
                    "alt": _plot_scores(scores, self.max_score, out_dir / SCORE_PLOT),
                    "caption": "Score distribution",
                },
                {
                    "src": MISCONCEPTION_PLOT,
                    "alt": _plot_misconceptions(
                        counts, question_keys, out_dir / MISCONCEPTION_PLOT
                    ),
                    "caption": "Misconceptions per question",
                },
            ]
        page = render(
            "summary.html.j2",
            students=len(scores),
            mean=mean(scores) if scores else 0.0,
            median=median(scores) if scores else 0.0,
            max_score=self.max_score,
            plots=plots,
            questions=[self._question_row(key) for key in question_keys],
            question_keys=question_keys,
            misconceptions=_misconception_rows(counts),
            student_rows=[
                row | {"link": (links or {}).get(row["name"])}
                for row in sorted(self.students, key=lambda row: str(row["name"]))
            ],
        )
        path = out_dir / PAGE
        path.write_text(page, encoding="utf-8")
        return path

    def _question_row(self, key: str) -> Row:
        statuses = self.statuses[key]
        return {
            "key": key,
            "mean": mean(self.points[key]),
            "max_points": self.max_points[key],
            "statuses": ", ".join(
                f"{n} {STATUS_WORDS.get(s, s)}" for s, n in statuses.most_common()
            ),
        }


def _misconception_rows(counts: Mapping[str, Counter[str]]) -> list[Row]:
    return [
        {"tag": tag, "title": MISCONCEPTION_TITLES.get(tag, tag), "counts": per_question}
        for tag, per_question in counts.items()
    ]


def write_class_summary(
    reports: Mapping[str, Report], out_dir: Path, links: Mapping[str, str] | None = None
) -> Path:
    """Write ``summary.html`` and its plots into ``out_dir``; return the page's path.

    ``reports`` maps student IDs to reports; ``links`` optionally maps student IDs
    to the (relative) address of their feedback page.
    """
    tally = ClassTally()
    for student, report in reports.items():
        tally.add(student, report)
    return tally.write(out_dir, links)
