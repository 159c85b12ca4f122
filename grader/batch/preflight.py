"""Refuse to grade where the sandbox cannot isolate student code."""

from __future__ import annotations

from grader.sandbox import SandboxUnavailable
from grader.sandbox.bwrap import check_bwrap


def sandbox_missing_reason() -> str | None:
    """Why student code cannot be isolated here, or None if bubblewrap works."""
    try:
        check_bwrap()
    except SandboxUnavailable as error:
        return (
            f"{error} Student code would run with your own rights. "
            "Pass --unsafe-no-sandbox only for code you trust."
        )
    return None
