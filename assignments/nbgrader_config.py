"""nbgrader configuration of the course (run nbgrader from this directory)."""

import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from grader.course.nbgrader_feedback import HideHiddenTests

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

COURSE_ROOT = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "inf264-hw4"
c.CourseDirectory.root = COURSE_ROOT
# Never copied (release, autograde): the notebook's text source, which holds the solutions,
# and files in a submission that would shadow the grading code in the autograde kernel.
c.CourseDirectory.ignore = [
    *(".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"),  # nbgrader's defaults
    "*.md",
    *("grader", "grader.py", "solutions", "solutions.py"),
    *("sitecustomize.py", "usercustomize.py"),
]

# An exchange inside the course root, not nbgrader's system-wide default.
c.Exchange.root = os.path.join(COURSE_ROOT, "exchange")
# A submission counts for a student only if their Unix account owns its folder and files
# (nbgrader's owner check; `grade` and `serve` refuse any other). Where accounts are not
# student IDs, map them (c.ExchangeTrust.student_accounts = {"account": "student ID"}); turn
# it off only where one account writes for everyone (README: "What the exchange trusts").
c.ExchangeCollect.check_owner = True

# Autograding runs the notebooks in the course's Python (the one nbgrader runs in).
c.Execute.kernel_name = "python3"
c.Execute.timeout = 60  # seconds per cell
c.Execute.startup_timeout = 120

# Feedback shows each test's output (the grader's feedback) but never a hidden test's code
# (nbgrader 0.9 shows hidden tests by default, and tracebacks quote the lines around an error).
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]

# Canvas and Moodle (README: "With Canvas", "With Moodle"): `nbgrader export --exporter
# grader.course.lms.nbgrader_export.CanvasExport --assignment hw4 --to canvas.csv` (or
# MoodleExport) writes the LMS's grade import from the roster `grade --roster` kept; set
# c.CanvasExport.roster (a path) or c.CanvasExport.assignment_id here to choose others.
