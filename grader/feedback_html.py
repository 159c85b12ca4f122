"""A student's feedback page: one self-contained HTML file, every text escaped.

The page shows points, status and feedback per question. It never shows numbers
of the student's variant (neither the reference answers nor the student's own
values), so it can be handed out as is. Its HTML is ``templates/feedback.html.j2``.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.misconceptions import BY_TAG
from grader.pages import render
from grader.report import Report

STATUS_WORDS = {
    "correct": "correct",
    "carried_forward": "error carried forward",
    "partial": "partly right",
    "incorrect": "not right",
    "invalid": "could not be read",
    "missing": "missing",
}

MISCONCEPTION_TITLES = {tag: misconception.title for tag, misconception in BY_TAG.items()}


def render_feedback_html(report: Report, student_id: str, problems: Sequence[str] = ()) -> str:
    """The feedback page of one student's report, as a complete HTML document.

    ``problems`` are sentences about the submission itself (an edited locked cell, a
    notebook that could not be read...), listed in a section of their own.
    """
    return render(
        "feedback.html.j2",
        student=student_id,
        score=report.score,
        max_score=report.max_score,
        notes=report.notes,
        questions=report.questions,
        problems=list(problems),
        status_words=STATUS_WORDS,
        titles=MISCONCEPTION_TITLES,
    )
