"""``python -m grader grade hw4``: grade every submission in a sandbox, nbgrader-compatible."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from grader.course import Course, CourseError, refuse_if_busy
from grader.sandbox import Limits, SandboxPool, SandboxUnavailable, check_sandbox

if TYPE_CHECKING:
    from grader.course.batch import ClassResult
    from grader.course.grade_one import RunCells

MIB = 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``grade`` command's options."""
    parser.add_argument("assignment", help="assignment name, e.g. hw4")
    parser.add_argument(
        "--course", type=Path, default=Path.cwd(), help="nbgrader course root (default: here)"
    )
    parser.add_argument(
        "--zip",
        type=Path,
        help="an LMS zip of submissions: collected into submitted/ first, by nbgrader's "
        "zip_collect",
    )
    parser.add_argument(
        "--zip-regex",
        help="regular expression with a student_id group (and optionally file_id and "
        "timestamp) that nbgrader matches against each extracted file's path (default: the "
        "course's FileNameCollectorPlugin.named_regexp, else <student>/... or "
        "<student>_....ipynb inside the zip)",
    )
    parser.add_argument(
        "--roster",
        type=Path,
        help="the LMS's class list (Canvas's gradebook export; Moodle's grade export or "
        "grading worksheet): with a Canvas or Moodle --zip, which student ID each LMS user has",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        help="parallel sandboxes (default: all cores; with --dask, the workers' threads)",
    )
    parser.add_argument("--force", action="store_true", help="regrade students already graded")
    add_sandbox_arguments(parser)


def add_sandbox_arguments(parser: argparse.ArgumentParser) -> None:
    """Where and how students' code runs: options of ``grade`` and ``serve`` alike."""
    parser.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run student code WITHOUT isolation where bubblewrap is missing (trusted code only)",
    )
    parser.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the students' code on the Dask cluster whose scheduler is at ADDRESS "
        "(e.g. tcp://10.0.0.5:8786); verdicts and files stay here",
    )
    parser.add_argument("--cell-timeout", type=float, help="seconds one cell may take")
    parser.add_argument("--notebook-timeout", type=float, help="seconds one notebook may take")
    parser.add_argument("--memory-mb", type=int, help="memory one submission may use (MiB)")


def sandbox_arguments_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the options of :func:`add_sandbox_arguments` and ``--jobs``."""
    if args.jobs is not None and args.jobs < 1:
        return "--jobs must be at least 1"
    if args.dask is not None and args.unsafe_no_sandbox:
        return (
            "--dask runs students' code only in the workers' sandboxes; "
            "--unsafe-no-sandbox cannot be used with it"
        )
    return None


def run(args: argparse.Namespace) -> int:
    """Grade the class; 0 when every student's results were saved."""
    if (problem := sandbox_arguments_problem(args)) is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    limits = make_limits(args.cell_timeout, args.notebook_timeout, args.memory_mb)
    try:
        refuse_if_busy(Path(args.course), args.assignment)
        if args.dask is not None:
            course, result = _grade_on_cluster(args, limits)
        else:
            graded = _grade_here(args, limits)
            if graded is None:
                return 2
            course, result = graded
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: every student finished so far is saved; rerun to grade the rest",
            file=sys.stderr,
        )
        return 130
    _print_summary(result, course)
    return 1 if result.unsaved else 0


def _grade_here(args: argparse.Namespace, limits: Limits) -> tuple[Course, ClassResult] | None:
    """The class graded in sandboxes on this machine (None: refused, the reason printed)."""
    jobs = args.jobs or len(os.sched_getaffinity(0))
    # the sandboxes warm up while the course's configuration and nbgrader are loaded
    with SandboxPool(limits, workers=jobs, unsafe=args.unsafe_no_sandbox) as pool:
        course = Course.open(Path(args.course), args.assignment)
        from grader.course.prelude import release_prelude  # with nbgrader, loaded by now

        pool.set_prelude(release_prelude(course))
        if not args.unsafe_no_sandbox:
            reason = sandbox_missing_reason(pool)
            if reason is not None:
                print(f"error: refusing to grade: {reason}", file=sys.stderr)
                return None
        return course, _grade(args, course, pool.run_cells, jobs)


def _grade_on_cluster(args: argparse.Namespace, limits: Limits) -> tuple[Course, ClassResult]:
    """The class graded with the students' code run on the Dask cluster at ``--dask``."""
    from grader.course.dask_runner import DaskRunCells  # with distributed: loaded once needed

    course = Course.open(Path(args.course), args.assignment)
    with DaskRunCells(args.dask, limits) as cluster:
        jobs = args.jobs or cluster.threads
        print(
            f"grading on {len(cluster.workers())} Dask worker(s) at {args.dask}, "
            f"{jobs} notebook(s) at a time",
            file=sys.stderr,
        )
        return course, _grade(args, course, cluster, jobs)


def _grade(args: argparse.Namespace, course: Course, run: RunCells, jobs: int) -> ClassResult:
    """``--zip`` collected, then every submission graded with ``run``, ``jobs`` at a time."""
    if args.zip is not None:
        _collect(course, args.zip, args.zip_regex, args.roster)
    elif args.roster is not None:
        _check_roster(course, args.roster)
    from grader.course.batch import grade_class  # with nbgrader: loaded once needed

    return grade_class(course, run, jobs, force=args.force)


def make_limits(
    cell_seconds: float | None = None,
    notebook_seconds: float | None = None,
    memory_mib: int | None = None,
) -> Limits:
    """The sandbox's default limits, with the command line's overrides."""
    limits = Limits()
    if cell_seconds is not None:
        limits = replace(limits, cell_seconds=cell_seconds)
    if notebook_seconds is not None:
        limits = replace(limits, notebook_seconds=notebook_seconds)
    if memory_mib is not None:
        limits = replace(limits, memory_bytes=memory_mib * MIB)
    return limits


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


def _collect(course: Course, archive: Path, named_regexp: str | None, roster: Path | None) -> None:
    """The zip's submissions into ``submitted/``, saying what was collected and skipped:
    a Canvas or Moodle download by its names and ``roster``, any other by nbgrader's
    ``zip_collect``."""
    from grader.course.lms.collect import collect_download, lms_platform
    from grader.course.lms.roster import read_roster
    from grader.course.zip_collect import collect_zip

    notebook = f"{course.assignment}.ipynb"
    if named_regexp is None and lms_platform(archive) is not None:
        lms = collect_download(
            course, archive, notebook, None if roster is None else read_roster(roster)
        )
        print(f"collected {len(lms.students)} submission(s) from {archive}", file=sys.stderr)
        for line in lms.lines:
            print(f"  {line}", file=sys.stderr)
        return
    collected = collect_zip(course, archive, notebook, named_regexp)
    print(f"collected {len(collected.students)} submission(s) from {archive}", file=sys.stderr)
    for line in collected.warnings:
        print(f"  {line}", file=sys.stderr)
    if roster is not None:
        _check_roster(course, roster)


def _check_roster(course: Course, roster: Path) -> None:
    """The submission folders compared with ``roster``, a line for each that differs."""
    from grader.course.lms.collect import check_submitted
    from grader.course.lms.roster import read_roster

    for line in check_submitted(course, read_roster(roster)):
        print(f"  {line}", file=sys.stderr)


def _print_summary(result: ClassResult, course: Course) -> None:
    """Totals, the students with problems, and where everything was written."""
    results = [result.results[s] for s in sorted(result.results)]
    out = sys.stderr
    print(
        f"\n{len(results)} submission(s): {len(result.graded)} graded now, "
        f"{len(result.resumed)} already graded (use --force to regrade)",
        file=out,
    )
    if results:
        mean = sum(r.report.score for r in results) / len(results)
        print(f"mean automatic score {mean:.2f} / {results[0].report.max_score:g}", file=out)
    for graded in results:
        if graded.status != "ok":
            print(f"  {graded.student}: {graded.status}", file=out)
            for problem in graded.problems:
                print(f"      {problem.message}", file=out)
    for name in result.refused:
        print(f"  refused folder submitted/{name}: not a valid student ID", file=out)
    for student, reason in sorted(result.kept.items()):
        print(f"  {student}: {reason}; the previous results were kept", file=out)
    for student, error in sorted(result.unsaved.items()):
        print(f"  {student}: results NOT saved ({error}); rerun to retry", file=out)
    print(f"grades: {course.grades_csv}\nreports: {course.reports}", file=out)
