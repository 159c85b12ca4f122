"""A student's feedback page: the grader's page plus what was wrong with the submission."""

from __future__ import annotations

import html
from collections.abc import Sequence

from grader import Report, render_feedback_html
from grader.batch.problems import Problem


def feedback_page(report: Report, student: str, problems: Sequence[Problem]) -> str:
    """The feedback HTML, with a section listing the submission's problems if there are any."""
    page = render_feedback_html(report, student)
    if not problems:
        return page
    items = "\n".join(f"  <li>{html.escape(problem.message)}</li>" for problem in problems)
    section = (
        '<section class="submission-problems">\n'
        "<h2>About your submission</h2>\n"
        f"<ul>\n{items}\n</ul>\n</section>\n"
    )
    marker = page.rfind("</body>")
    return page[:marker] + section + page[marker:] if marker >= 0 else page + section
