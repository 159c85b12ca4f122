"""The instructor's class summary: score distribution and misconceptions per question.

``write_class_summary`` writes ``summary.html`` with two matplotlib plots beside it
as SVG files (each with alt text that states what it shows), and tables with the
same numbers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from html import escape
from pathlib import Path
from statistics import mean, median

from grader.feedback_html import STATUS_WORDS, STYLE
from grader.misconceptions import BY_TAG, MISCONCEPTIONS
from grader.report import Report

SCORE_PLOT = "score_distribution.svg"
MISCONCEPTION_PLOT = "misconceptions.svg"
PAGE = "summary.html"


def _text(value: object) -> str:
    return escape(str(value), quote=True)


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


def _question_table(reports: Mapping[str, Report], question_keys: list[str]) -> str:
    rows = []
    for key in question_keys:
        results = [r.questions[key] for r in reports.values() if key in r.questions]
        statuses = Counter(q.status for q in results)
        status_text = ", ".join(f"{n} {STATUS_WORDS.get(s, s)}" for s, n in statuses.most_common())
        average = mean(q.points for q in results) if results else 0.0
        top = results[0].max_points if results else 0.0
        rows.append(
            f"<tr><td>{_text(key)}</td><td>{average:.2f} / {top:g}</td>"
            f"<td>{_text(status_text)}</td></tr>"
        )
    return (
        "<table><caption>Points and status per question</caption><thead><tr>"
        '<th scope="col">Question</th><th scope="col">Mean points</th>'
        '<th scope="col">Students by status</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _misconception_table(counts: Mapping[str, Counter[str]], question_keys: list[str]) -> str:
    if not counts:
        return "<p>No misconception was recognised.</p>"
    head = "".join(f'<th scope="col">{_text(k)}</th>' for k in question_keys)
    rows = "".join(
        f'<tr><th scope="row">{_text(BY_TAG[tag].title if tag in BY_TAG else tag)} '
        f"<code>{_text(tag)}</code></th>"
        + "".join(f"<td>{per_question[k] or ''}</td>" for k in question_keys)
        + "</tr>"
        for tag, per_question in counts.items()
    )
    return (
        "<table><caption>Students per misconception and question</caption><thead><tr>"
        f'<th scope="col">Misconception</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def _student_table(reports: Mapping[str, Report], links: Mapping[str, str]) -> str:
    rows = []
    for student, report in sorted(reports.items()):
        name = _text(student)
        if student in links:
            name = f'<a href="{_text(links[student])}">{name}</a>'
        tags = ", ".join(report.tags)
        rows.append(
            f"<tr><td>{name}</td><td>{report.score:g} / {report.max_score:g}</td>"
            f"<td>{_text(tags)}</td></tr>"
        )
    return (
        "<table><caption>Students</caption><thead><tr><th scope='col'>Student</th>"
        "<th scope='col'>Score</th><th scope='col'>Misconceptions</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


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
    if scores:
        overview = (
            f"<p>{len(scores)} students; mean score {mean(scores):.2f}, median "
            f"{median(scores):g}, of {max_score:g} autograded points.</p>"
        )
        score_alt = _plot_scores(reports, max_score, out_dir / SCORE_PLOT)
        mis_alt = _plot_misconceptions(counts, question_keys, out_dir / MISCONCEPTION_PLOT)
        plots = (
            f'<figure><img src="{SCORE_PLOT}" alt="{_text(score_alt)}">'
            "<figcaption>Score distribution</figcaption></figure>"
            f'<figure><img src="{MISCONCEPTION_PLOT}" alt="{_text(mis_alt)}">'
            "<figcaption>Misconceptions per question</figcaption></figure>"
        )
    else:
        overview, plots = "<p>No reports were given.</p>", ""
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Homework 4: class summary</title>
<style>{STYLE} img {{ max-width: 100%; }}</style>
</head>
<body>
<main>
<h1>Homework 4: class summary</h1>
{overview}
{plots}
<h2>Per question</h2>
{_question_table(reports, question_keys)}
<h2>Misconceptions</h2>
{_misconception_table(counts, question_keys)}
<h2>Students</h2>
{_student_table(reports, links or {})}
</main>
</body>
</html>
"""
    path = out_dir / PAGE
    path.write_text(page, encoding="utf-8")
    return path
