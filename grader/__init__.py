"""Grading of the homework's answers against the reference in :mod:`solutions`."""
