"""``python -m grader serve hw4``: grade each submission as it arrives, feedback in seconds.

Run it as the instructor, in the course root (or with ``--course``), for as long as
submissions may come: alone, as a JupyterHub service or as a systemd unit (see the README).
``--once`` grades what is waiting and exits (for cron); ``--status`` says how many
submissions wait and when the last was graded. ``grade`` and ``serve`` never run on the
same assignment at once: each refuses while the other works.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import Course, CourseError, refuse_if_busy
from grader.course.cli import (
    add_sandbox_arguments,
    make_limits,
    sandbox_arguments_problem,
    sandbox_missing_reason,
)
from grader.sandbox import Limits, SandboxPool

if TYPE_CHECKING:
    from grader.course.grade_one import RunCells


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``serve`` command's options."""
    parser.add_argument("assignment", nargs="?", help="assignment name, e.g. hw4")
    parser.add_argument(
        "--course", type=Path, default=Path.cwd(), help="nbgrader course root (default: here)"
    )
    parser.add_argument("--once", action="store_true", help="grade what is waiting, then exit")
    parser.add_argument(
        "--status", action="store_true", help="print the queue and the last grading, then exit"
    )
    parser.add_argument("--jobs", type=int, help="parallel sandboxes (default: all cores)")
    add_sandbox_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Serve (or print the status); 2 on a course or sandbox that cannot be used."""
    if args.status:
        return print_status(Path(args.course), args.assignment)
    if not args.assignment:
        print("error: name the assignment to serve, e.g. hw4", file=sys.stderr)
        return 2
    if (problem := sandbox_arguments_problem(args)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    _configure_logging()
    limits = make_limits(args.cell_timeout, args.notebook_timeout, args.memory_mb)
    try:
        refuse_if_busy(Path(args.course), args.assignment)
        if args.dask is not None:
            return _serve_on_cluster(args, limits)
        return _serve_here(args, limits)
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _serve_here(args: argparse.Namespace, limits: Limits) -> int:
    """Serve with the sandboxes of this machine."""
    jobs = args.jobs or len(os.sched_getaffinity(0))
    with SandboxPool(limits, workers=jobs, unsafe=args.unsafe_no_sandbox) as pool:
        course = Course.open(Path(args.course), args.assignment)
        from grader.course.prelude import release_prelude  # with nbgrader, loaded by now

        pool.set_prelude(release_prelude(course))
        if not args.unsafe_no_sandbox and (reason := sandbox_missing_reason(pool)):
            print(f"error: refusing to grade: {reason}", file=sys.stderr)
            return 2
        _serve(course, pool.run_cells, jobs, args.once)
    return 0


def _serve_on_cluster(args: argparse.Namespace, limits: Limits) -> int:
    """Serve with the students' code run on the Dask cluster at ``--dask``."""
    from grader.course.dask_runner import DaskRunCells  # with distributed: loaded once needed

    course = Course.open(Path(args.course), args.assignment)
    with DaskRunCells(args.dask, limits) as cluster:
        _serve(course, cluster, args.jobs or cluster.threads, args.once)
    return 0


def _serve(course: Course, run: RunCells, jobs: int, once: bool) -> None:
    """The service, holding the assignment's lock (``grade`` refuses while it runs)."""
    from grader.course import exclusive_run
    from grader.course.service import Service

    with exclusive_run(course.reports, "python -m grader serve"):
        Service(course, run, jobs).serve(once=once)


def print_status(root: Path, assignment: str | None) -> int:
    """The queue length, the last grading and whether a service runs, per assignment."""
    from grader.course import lock_holder
    from grader.course.inbound import SubmissionError, identify, list_inbound
    from grader.course.service import STATUS_NAME

    reports = root.resolve() / "reports"
    names = (
        [assignment] if assignment else sorted(p.parent.name for p in reports.glob("*/.service"))
    )
    if not names:
        print(f"no assignment has been served in {root.resolve()}")
        return 1
    for name in names:
        try:
            course = Course.open(root, name)
        except CourseError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        done = set()
        for path in (course.service_folder / "done").glob("*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if record.get("final", True):
                done.add(record.get("key"))
        waiting = 0
        for key in list_inbound(course.inbound):
            try:
                if key not in done and identify(course.inbound, key).assignment == name:
                    waiting += 1
            except SubmissionError:
                continue
        holder = lock_holder(course.reports)
        try:
            status = json.loads((course.service_folder / STATUS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            status = {}
        last = status.get("last_graded")
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(float(last))) if last else "never"
        print(f"{name}: {'running: ' + holder if holder else 'not running'}")
        print(f"  waiting: {waiting} submission(s)")
        print(f"  last graded: {when}" + (f" ({status.get('last_student')})" if last else ""))
    return 0


def _configure_logging() -> None:
    """One line per event on stderr, with a UTC time stamp."""
    handler = logging.StreamHandler(sys.stderr)
    formatter = logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%dT%H:%M:%SZ")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logger = logging.getLogger("grader.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
