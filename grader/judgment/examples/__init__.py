"""Example answer sets for ``python -m grader report`` (written by :mod:`.generate`)."""
