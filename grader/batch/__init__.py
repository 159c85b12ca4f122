"""Batch grading of a class: each submission run in a sandbox, judged outside it.

The entry point is :func:`grader.batch.runner.run_batch`, used by ``python -m grader grade``.
"""
