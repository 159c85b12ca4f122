"""The hidden tests of the nbgrader notebook: grade one question, print its feedback.

A hidden test cell ends with ``grade_question("q4", globals())``; the value it
returns becomes the cell's output, which nbgrader reads as the cell's partial
credit. The student ID that counts is the submission's folder name (autograding
runs the notebook in ``autograded/<student>/hw4/``); the notebook's own
``STUDENT_ID`` is used only outside an autograded folder, and a mismatch is
reported. Nothing here writes to stderr: nbgrader gives 0 points to a test cell
whose output has any.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from grader.judgment.rubric import ANSWER_NAMES, STUDENT_ID_NAME
from solutions.variant import make_variant

AUTOGRADED_FOLDER = "autograded"
ASSIGNMENT = "hw4"
STUDENT_ID_ENVIRONMENT = "HW4_STUDENT_ID"


def folder_student_id(cwd: Path) -> str | None:
    """The student of an ``autograded/<student>/hw4`` working directory, else None."""
    if cwd.name == ASSIGNMENT and cwd.parent.parent.name == AUTOGRADED_FOLDER:
        return cwd.parent.name
    return None


def student_id_that_counts(namespace: Mapping[str, Any], cwd: Path) -> tuple[str, str | None]:
    """The ID to grade for, and a note when the notebook's STUDENT_ID says otherwise.

    Order: the ``HW4_STUDENT_ID`` environment variable, the autograded folder's
    name, then the notebook's ``STUDENT_ID``.
    """
    notebook_id = namespace.get(STUDENT_ID_NAME)
    notebook_text = notebook_id.strip() if isinstance(notebook_id, str) else None
    official = os.environ.get(STUDENT_ID_ENVIRONMENT) or folder_student_id(cwd)
    if official is None:
        return (notebook_text or ""), None
    if notebook_text != official:
        note = (
            f"Note: graded for student ID {official!r} (your submission folder), "
            f"but the notebook's STUDENT_ID is {notebook_id!r}: the answers were checked "
            f"against the numbers of {official!r}."
        )
        return official, note
    return official, None


def _answers(namespace: Mapping[str, Any]) -> dict[str, Any]:
    return {name: namespace[name] for name in ANSWER_NAMES if name in namespace}


def _grade(question: str, namespace: Mapping[str, Any], cwd: Path) -> float:
    import grader

    student_id, note = student_id_that_counts(namespace, cwd)
    if note:
        print(note)
    variant = make_variant(student_id)
    report = grader.grade(_answers(namespace), variant.X, variant.y, variant.theta, variant.eta)
    result = report.questions[question]
    print(result.feedback)
    points = float(result.points)
    return min(max(points, 0.0), float(result.max_points))


def grade_question(question: str, namespace: Mapping[str, Any]) -> float:
    """Grade ``question`` ("q1", "q2", "q4", "q5" or "q6"), print feedback, return the points."""
    with (
        contextlib.redirect_stderr(sys.stdout),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        try:
            return _grade(question, namespace, Path.cwd())
        except Exception as error:  # one broken notebook must not stop the batch
            print(f"{question}: could not be graded ({type(error).__name__}: {error}); 0 points.")
            return 0.0
