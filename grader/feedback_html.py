"""A student's feedback page: one self-contained HTML file, every text escaped.

The page shows points, status and feedback per question. It never shows numbers
of the student's variant (neither the reference answers nor the student's own
values), so it can be handed out as is.
"""

from __future__ import annotations

from html import escape

from grader.misconceptions import BY_TAG
from grader.report import QuestionResult, Report

STATUS_WORDS = {
    "correct": "correct",
    "carried_forward": "error carried forward",
    "partial": "partly right",
    "incorrect": "not right",
    "invalid": "could not be read",
    "missing": "missing",
}

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.5rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #999; padding: 0.3rem 0.6rem; text-align: left; }
th { background: #eee; }
section { border-left: 0.3rem solid #767676; padding: 0.2rem 1rem; margin: 1rem 0; }
section.correct { border-color: #1b7f3b; }
section.carried_forward, section.partial { border-color: #8a6100; }
section.incorrect, section.invalid, section.missing { border-color: #b3261e; }
.tag { font-family: monospace; background: #eee; padding: 0 0.3rem; }
"""


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _points(value: float) -> str:
    return f"{value:g}"


def _question_section(key: str, result: QuestionResult) -> str:
    title = f"{_text(key)}" + (f": {_text(result.title)}" if result.title else "")
    status = STATUS_WORDS.get(result.status, result.status)
    parts = result.parts or ()
    if len(parts) > 1:
        items = "".join(
            f"<li><code>{_text(p.name)}</code> ({_points(p.points)}/{_points(p.max_points)}, "
            f"{_text(STATUS_WORDS.get(p.status, p.status))}): {_text(p.feedback)}</li>"
            for p in parts
        )
        body = f"<ul>{items}</ul>"
    else:
        body = f"<p>{_text(result.feedback)}</p>"
    tags = ""
    if result.tags:
        names = ", ".join(
            f'<span class="tag">{_text(t)}</span> ({_text(BY_TAG[t].title if t in BY_TAG else t)})'
            for t in result.tags
        )
        tags = f"<p>Mistake recognised: {names}</p>"
    return (
        f'<section class="{_text(result.status)}" aria-labelledby="h-{_text(key)}">'
        f'<h2 id="h-{_text(key)}">{title}</h2>'
        f"<p><strong>{_points(result.points)} of {_points(result.max_points)} points</strong> "
        f"({_text(status)})</p>{body}{tags}</section>"
    )


def render_feedback_html(report: Report, student_id: str) -> str:
    """The feedback page of one student's report, as a complete HTML document."""
    rows = "".join(
        f"<tr><td>{_text(key)}</td><td>{_text(q.title)}</td>"
        f"<td>{_points(q.points)} / {_points(q.max_points)}</td>"
        f"<td>{_text(STATUS_WORDS.get(q.status, q.status))}</td></tr>"
        for key, q in report.questions.items()
    )
    sections = "".join(_question_section(key, q) for key, q in report.questions.items())
    notes = "".join(f"<p>{_text(note)}</p>" for note in report.notes)
    who = _text(student_id) if student_id else "(no student ID)"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Homework 4 feedback: {who}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Homework 4 feedback: {who}</h1>
<p>Autograded questions: <strong>{_points(report.score)} of {_points(report.max_score)}
points</strong>. Questions 3 and 7 are graded by hand.</p>
{notes}
<table>
<caption>Points per question</caption>
<thead><tr><th scope="col">Question</th><th scope="col">Topic</th>
<th scope="col">Points</th><th scope="col">Status</th></tr></thead>
<tbody>{rows}</tbody>
</table>
{sections}
<p>“Error carried forward” means the answer is wrong only because an earlier one was:
it follows correctly from your own numbers and earns most of its points. Credit always
rests on your own numbers: an answer that would be the same for every student earns
nothing on its own, and nothing is carried forward from it.</p>
</main>
</body>
</html>
"""
