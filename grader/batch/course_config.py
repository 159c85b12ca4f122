"""The course settings the batch honours, read without running the instructor's config file.

The course id is the one ``nbgrader generate_assignment`` recorded for the assignment in
the gradebook; the zip collector's ``named_regexp`` is taken from ``nbgrader_config.py``
when it is set there as a plain string (``c.FileNameCollectorPlugin.named_regexp = r"..."``).
Loading the config file the way nbgrader does would import nbconvert: seconds per run.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

CONFIG_NAME = "nbgrader_config.py"
DEFAULT_COURSE_ID = "default_course"


def gradebook_course_id(gradebook: Path, assignment: str) -> str:
    """The course id stored with ``assignment`` in the gradebook (nbgrader's default if none)."""
    try:
        with sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True) as connection:
            row = connection.execute(
                "SELECT course_id FROM assignment WHERE name = ?", (assignment,)
            ).fetchone()
    except sqlite3.Error:
        return DEFAULT_COURSE_ID
    return str(row[0]) if row and row[0] else DEFAULT_COURSE_ID


def configured_named_regexp(root: Path) -> str | None:
    """``c.FileNameCollectorPlugin.named_regexp`` from the course's config, if a literal string."""
    try:
        tree = ast.parse((root / CONFIG_NAME).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    found: str | None = None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and ast.unparse(node.targets[0]) == "c.FileNameCollectorPlugin.named_regexp"
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            found = node.value.value or None
    return found
