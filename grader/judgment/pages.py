"""The HTML pages made from reports: Jinja2 templates in ``grader/judgment/templates``.

A student's feedback page (:func:`render_feedback_html`) is one self-contained file
showing points, status and feedback per question. It never shows numbers of the
student's variant (neither the reference answers nor the student's own values), so
it can be handed out as is. The class summary (:mod:`grader.judgment.summary`) uses
the same environment.

Autoescape is on for every template: any value put into a page, student-provided
text included, is HTML-escaped unless a template marks it otherwise (none does).
A teacher restyles the pages in ``templates/page.css`` and changes their wording in
the ``*.html.j2`` files, without reading Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from grader.judgment.misconceptions import BY_TAG
from grader.judgment.report import Report

STATUS_WORDS = {
    "correct": "correct",
    "carried_forward": "error carried forward",
    "partial": "partly right",
    "incorrect": "not right",
    "invalid": "could not be read",
    "missing": "missing",
}

MISCONCEPTION_TITLES = {tag: misconception.title for tag, misconception in BY_TAG.items()}


def points(value: float) -> str:
    """Points as short text: 2.0 → '2', 1.75 → '1.75'."""
    return f"{value:g}"


@cache
def environment() -> Environment:
    """The one environment of the grader's pages (autoescaped, strict about names)."""
    env = Environment(
        loader=PackageLoader("grader.judgment", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["points"] = points
    return env


def render_notice_html(student_id: str, title: str, sentences: Sequence[str]) -> str:
    """A page about a submission that has no grading to show (yet): waiting, refused."""
    return render("notice.html.j2", student=student_id, title=title, sentences=list(sentences))


def render(template: str, **values: Any) -> str:
    """The page ``template`` (a file in ``templates/``) filled in with ``values``."""
    return environment().get_template(template).render(**values)


def render_feedback_html(
    report: Report, student_id: str, problems: Sequence[str] = (), notices: Sequence[str] = ()
) -> str:
    """The feedback page of one student's report, as a complete HTML document.

    ``problems`` are sentences about the submission itself (an edited locked cell, a
    notebook that could not be read...), listed in a section of their own; ``notices``
    (when it was submitted, whether it counts for the grade) open the page.
    """
    return render(
        "feedback.html.j2",
        student=student_id,
        notices=list(notices),
        score=report.score,
        max_score=report.max_score,
        notes=report.notes,
        questions=report.questions,
        problems=list(problems),
        status_words=STATUS_WORDS,
        titles=MISCONCEPTION_TITLES,
    )
