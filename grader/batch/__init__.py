"""Batch grading of a class: each submission run in a sandbox, judged outside it.

The entry point is :func:`grader.batch.runner.run_batch`, used by ``python -m grader grade``.
"""

import sys

# nbformat (and so nbgrader) imports jsonschema, whose optional checker of the "iri"
# string format compiles its grammars at import time: a second or more of every run.
# Notebook validation never uses that format, so the batch keeps the checker unloaded.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
