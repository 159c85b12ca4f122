"""``python -m grader export hw4 --to canvas|moodle FILE``: the grades as the LMS imports
them; ``--feedback-zip FILE --to canvas|moodle``: the feedback pages as it takes them back.

Both read the roster given to ``grade`` (or ``--roster``) and what the collected download
said (:mod:`grader.course.lms`). The same export runs as ``nbgrader export --exporter
grader.course.lms.nbgrader_export.CanvasExport`` (or ``MoodleExport``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course import Course, CourseError

PLATFORMS = ("canvas", "moodle")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``export`` command's options."""
    parser.add_argument("assignment", help="assignment name, e.g. hw4")
    parser.add_argument(
        "--to",
        nargs="+",
        required=True,
        metavar=("LMS", "FILE"),
        help="canvas or moodle, then the CSV file to write (not with --feedback-zip)",
    )
    parser.add_argument(
        "--feedback-zip",
        type=Path,
        metavar="FILE",
        help="write the feedback pages into this zip, named so the LMS attaches each to its "
        "student",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        help="the LMS's class list (default: the one last given to grade --roster)",
    )
    parser.add_argument(
        "--assignment-id",
        help="Canvas's number of the assignment (default: from the roster's 'hw4 (<id>)')",
    )
    parser.add_argument(
        "--course", type=Path, default=Path.cwd(), help="nbgrader course root (default: here)"
    )


def _target(args: argparse.Namespace) -> tuple[str, Path]:
    """The LMS and the file to write, or :class:`CourseError` naming what is wrong."""
    platform, *rest = args.to
    if platform not in PLATFORMS:
        raise CourseError(f"--to must be canvas or moodle, not {platform!r}")
    if args.feedback_zip is not None:
        if rest:
            raise CourseError("with --feedback-zip FILE, --to takes only canvas or moodle")
        return platform, args.feedback_zip
    if len(rest) != 1:
        raise CourseError(f"--to {platform} needs the CSV file to write: --to {platform} FILE")
    return platform, Path(rest[0])


def run(args: argparse.Namespace) -> int:
    """Write the file; 0 when it was written (lines name the students left out)."""
    from grader.course.lms.exporting import export

    try:
        platform, target = _target(args)
        course = Course.open(Path(args.course), args.assignment)
        lines = export(course, platform, target, args.roster, args.assignment_id, args.feedback_zip)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    print(f"wrote {target}", file=sys.stderr)
    return 0
