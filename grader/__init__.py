"""The homework's grader, in three layers (see the README's "Architecture").

- :mod:`grader.judgment`: what an answer set is worth, and the pages that say so;
- :mod:`grader.sandbox`: a student's code cells run in isolation, plain data back;
- :mod:`grader.course`: the nbgrader course: submissions in, grades and feedback out.

The course layer imports the other two; they import neither each other nor it.
This package's names are the judgment's public API: ``grade(answers, X, y, theta,
eta)`` gives a :class:`Report`; ``RUBRIC`` holds the points and tolerances;
``render_feedback_html`` and ``write_class_summary`` turn reports into a student's
feedback page and the instructor's class summary.
"""

from grader.judgment.grading import grade
from grader.judgment.pages import render_feedback_html
from grader.judgment.report import QuantityResult, QuestionResult, Report
from grader.judgment.rubric import RUBRIC, HandGraded, Quantity, Question, Rubric
from grader.judgment.summary import write_class_summary

__all__ = [
    "RUBRIC",
    "HandGraded",
    "Quantity",
    "QuantityResult",
    "Question",
    "QuestionResult",
    "Report",
    "Rubric",
    "grade",
    "render_feedback_html",
    "write_class_summary",
]
