"""The instructor's class summary: score distribution and misconceptions per question.

``write_class_summary`` writes ``summary.html`` with two matplotlib plots beside it
as SVG files (each with alt text that states what it shows), and tables with the
same numbers. Its HTML is ``templates/summary.html.j2`` (see :mod:`.pages`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from statistics import mean, median
from typing import Any

from grader.judgment.misconceptions import MISCONCEPTIONS
from grader.judgment.pages import MISCONCEPTION_TITLES, STATUS_WORDS, render
from grader.judgment.report import Report

SCORE_PLOT = "score_distribution.svg"
MISCONCEPTION_PLOT = "misconceptions.svg"
PAGE = "summary.html"

Row = dict[str, Any]


def misconception_counts(reports: Mapping[str, Report]) -> dict[str, Counter[str]]:
    """For each misconception tag, how many students it was found for, per question."""
    counts: dict[str, Counter[str]] = {}
    for report in reports.values():
        for key, question in report.questions.items():
            for tag in question.tags:
                counts.setdefault(tag, Counter())[key] += 1
    order = {m.tag: i for i, m in enumerate(MISCONCEPTIONS)}
    return dict(sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))


def _plot_scores(reports: Mapping[str, Report], max_score: float, path: Path) -> str:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    scores = [report.score for report in reports.values()]
    figure = Figure(figsize=(6, 3), layout="constrained")
    axes = figure.add_subplot()
    bins = [i / 2 for i in range(int(max_score * 2) + 2)]
    axes.hist(scores, bins=bins, color="#3a6ea5", edgecolor="white")
    axes.set_xlabel(f"score (of {max_score:g} autograded points)")
    axes.set_ylabel("students")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.savefig(path, format="svg", metadata={"Date": None})
    listed = ", ".join(f"{s:g}" for s in sorted(scores))
    return f"Histogram of the autograded scores of {len(scores)} students: {listed}."


def _plot_misconceptions(
    counts: Mapping[str, Counter[str]], question_keys: list[str], path: Path
) -> str:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    tags = list(counts) or ["(none)"]
    figure = Figure(figsize=(7, 0.5 * len(tags) + 1.5), layout="constrained")
    axes = figure.add_subplot()
    left = [0] * len(tags)
    for key in question_keys:
        widths = [counts.get(tag, Counter())[key] for tag in tags]
        if any(widths):
            axes.barh(tags, widths, left=left, label=key)
            left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.set_xlabel("students")
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if counts:
        axes.legend(title="question", loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.savefig(path, format="svg", metadata={"Date": None})
    if not counts:
        return "Bar chart of misconceptions: none was found."
    described = "; ".join(
        f"{tag}: " + ", ".join(f"{n} in {key}" for key, n in sorted(per_question.items()))
        for tag, per_question in counts.items()
    )
    return f"Bar chart of the students per misconception, by question. {described}."


def _question_rows(reports: Mapping[str, Report], question_keys: list[str]) -> list[Row]:
    rows = []
    for key in question_keys:
        results = [r.questions[key] for r in reports.values() if key in r.questions]
        statuses = Counter(q.status for q in results)
        rows.append(
            {
                "key": key,
                "mean": mean(q.points for q in results) if results else 0.0,
                "max_points": results[0].max_points if results else 0.0,
                "statuses": ", ".join(
                    f"{n} {STATUS_WORDS.get(s, s)}" for s, n in statuses.most_common()
                ),
            }
        )
    return rows


def _misconception_rows(counts: Mapping[str, Counter[str]]) -> list[Row]:
    return [
        {"tag": tag, "title": MISCONCEPTION_TITLES.get(tag, tag), "counts": per_question}
        for tag, per_question in counts.items()
    ]


def _student_rows(reports: Mapping[str, Report], links: Mapping[str, str]) -> list[Row]:
    return [
        {
            "name": student,
            "link": links.get(student),
            "score": report.score,
            "max_score": report.max_score,
            "tags": report.tags,
        }
        for student, report in sorted(reports.items())
    ]


def write_class_summary(
    reports: Mapping[str, Report], out_dir: Path, links: Mapping[str, str] | None = None
) -> Path:
    """Write ``summary.html`` and its plots into ``out_dir``; return the page's path.

    ``reports`` maps student IDs to reports; ``links`` optionally maps student IDs
    to the (relative) address of their feedback page.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    question_keys = list(dict.fromkeys(k for r in reports.values() for k in r.questions))
    max_score = max((r.max_score for r in reports.values()), default=0.0)
    counts = misconception_counts(reports)
    scores = [r.score for r in reports.values()]
    plots = []
    if scores:
        plots = [
            {
                "src": SCORE_PLOT,
                "alt": _plot_scores(reports, max_score, out_dir / SCORE_PLOT),
                "caption": "Score distribution",
            },
            {
                "src": MISCONCEPTION_PLOT,
                "alt": _plot_misconceptions(counts, question_keys, out_dir / MISCONCEPTION_PLOT),
                "caption": "Misconceptions per question",
            },
        ]
    page = render(
        "summary.html.j2",
        students=len(scores),
        mean=mean(scores) if scores else 0.0,
        median=median(scores) if scores else 0.0,
        max_score=max_score,
        plots=plots,
        questions=_question_rows(reports, question_keys),
        question_keys=question_keys,
        misconceptions=_misconception_rows(counts),
        student_rows=_student_rows(reports, links or {}),
    )
    path = out_dir / PAGE
    path.write_text(page, encoding="utf-8")
    return path
