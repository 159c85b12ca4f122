"""A student's feedback page: the grader's page plus what was wrong with the submission."""

from __future__ import annotations

from collections.abc import Sequence

from grader import Report, render_feedback_html
from grader.batch.problems import Problem


def feedback_page(report: Report, student: str, problems: Sequence[Problem]) -> str:
    """The feedback HTML, with a section listing the submission's problems if there are any."""
    return render_feedback_html(report, student, [problem.message for problem in problems])
