"""``python -m grader collusion hw4``: the collusion report rebuilt from the grading records."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course import Course, CourseError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``collusion`` command's options."""
    parser.add_argument("assignment", help="assignment name, e.g. hw4")
    parser.add_argument(
        "--course", type=Path, default=Path.cwd(), help="nbgrader course root (default: here)"
    )


def run(args: argparse.Namespace) -> int:
    """Rebuild ``collusion.html`` and ``collusion.csv``; 0 when written."""
    from grader.course.collusion import rebuild  # with nbgrader: loaded once needed

    try:
        course = Course.open(Path(args.course), args.assignment)
        report, page, problems = rebuild(course)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write the collusion report: {error}", file=sys.stderr)
        return 2
    for line in problems:
        print(f"warning: {line}", file=sys.stderr)
    flagged = report.flagged
    print(
        f"{report.students} student(s) compared, {len(flagged)} pair(s) flagged",
        file=sys.stderr,
    )
    for pair in flagged:
        signals = []
        if pair.matches:
            signals.append(f"answers {', '.join(pair.names)} (evidence {pair.score:.1f})")
        if pair.code is not None:
            signals.append(f"code {pair.code.similarity:.0%} alike")
        print(f"  {' and '.join(pair.students)}: {'; '.join(signals)}", file=sys.stderr)
    print(f"report: {page}\ntable: {page.with_name('collusion.csv')}", file=sys.stderr)
    return 0
