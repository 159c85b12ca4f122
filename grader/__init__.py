"""Grading of the homework's answers against the reference in :mod:`solutions`.

``grade(answers, X, y, theta, eta)`` gives a :class:`Report`; ``RUBRIC`` holds the
points and tolerances; ``render_feedback_html`` and ``write_class_summary`` turn
reports into a student's feedback page and the instructor's class summary.
"""

from grader.feedback_html import render_feedback_html
from grader.grading import grade
from grader.report import QuantityResult, QuestionResult, Report
from grader.rubric import RUBRIC, HandGraded, Quantity, Question, Rubric
from grader.summary import write_class_summary

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
