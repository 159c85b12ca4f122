"""Refuse to grade where the sandbox cannot isolate student code."""

from __future__ import annotations

from grader.sandbox import SandboxPool, SandboxUnavailable
from grader.sandbox.run import check_sandbox


def sandbox_missing_reason(pool: SandboxPool | None = None) -> str | None:
    """Why student code cannot be isolated here, or None if the sandbox works.

    With ``pool``, the trial job runs on one of its workers (which the batch needs anyway).
    """
    try:
        check_sandbox(pool)
    except SandboxUnavailable as error:
        return (
            f"{error}\n(On the command line, --unsafe-no-sandbox grades without isolation: "
            "student code then runs with your own rights. Use it only for code you trust.)"
        )
    return None
