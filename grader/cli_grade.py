"""``python -m grader grade hw4``: grade every submission in a sandbox, nbgrader-compatible."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import threading
from pathlib import Path

from grader.batch.course import CourseError, CoursePaths
from grader.batch.course_config import configured_named_regexp
from grader.batch.executor import make_executor, make_limits
from grader.batch.preflight import sandbox_missing_reason
from grader.batch.runner import BatchResult, run_batch
from grader.batch.zip_input import collect_zip
from grader.sandbox import SandboxPool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``grade`` command's options."""
    parser.add_argument("assignment", help="assignment name, e.g. hw4")
    parser.add_argument(
        "--course", type=Path, default=Path.cwd(), help="nbgrader course root (default: here)"
    )
    parser.add_argument(
        "--zip",
        type=Path,
        help="an LMS zip of submissions: collected into submitted/ first (like zip_collect)",
    )
    parser.add_argument(
        "--zip-regex",
        help="regular expression with a student_id group (and optionally timestamp) matched "
        "against each path in the zip (default: the course's FileNameCollectorPlugin."
        "named_regexp, else <student>/... or <student>_....ipynb)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=len(os.sched_getaffinity(0)),
        help="parallel sandboxes (default: all cores)",
    )
    parser.add_argument("--force", action="store_true", help="regrade students already graded")
    parser.add_argument(
        "--unsafe-no-sandbox",
        action="store_true",
        help="run student code WITHOUT isolation where bubblewrap is missing (trusted code only)",
    )
    parser.add_argument("--cell-timeout", type=float, help="seconds one cell may take")
    parser.add_argument("--notebook-timeout", type=float, help="seconds one notebook may take")
    parser.add_argument("--memory-mb", type=int, help="memory one submission may use (MiB)")


def run(args: argparse.Namespace) -> int:
    """Grade the class; 0 when every student's results were saved."""
    paths = CoursePaths(Path(args.course).resolve(), args.assignment)
    if args.jobs < 1:
        print("error: --jobs must be at least 1", file=sys.stderr)
        return 2
    # nbgrader takes a second or two to import: let that overlap the sandbox's start
    threading.Thread(target=importlib.import_module, args=("nbgrader.api",), daemon=True).start()
    limits = make_limits(args.cell_timeout, args.notebook_timeout, args.memory_mb)
    with SandboxPool(limits, workers=args.jobs, unsafe=args.unsafe_no_sandbox) as pool:
        if not args.unsafe_no_sandbox:
            reason = sandbox_missing_reason(pool)
            if reason is not None:
                print(f"error: refusing to grade: {reason}", file=sys.stderr)
                return 2
        try:
            if args.zip is not None:
                collected = collect_zip(
                    args.zip,
                    paths.submitted,
                    paths.assignment,
                    f"{paths.assignment}.ipynb",
                    args.zip_regex or configured_named_regexp(paths.root),
                )
                print(
                    f"collected {len(collected.students)} submission(s) from {args.zip}",
                    file=sys.stderr,
                )
                for line in collected.skipped:
                    print(f"  skipped {line}", file=sys.stderr)
            execute = make_executor(
                sandboxed=not args.unsafe_no_sandbox,
                cell_seconds=args.cell_timeout,
                notebook_seconds=args.notebook_timeout,
                memory_mib=args.memory_mb,
                pool=pool,
            )
            result = run_batch(paths, execute, args.jobs, force=args.force)
        except CourseError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(
                "\ninterrupted: every student finished so far is saved; rerun to grade the rest",
                file=sys.stderr,
            )
            return 130
    _print_summary(result, paths)
    return 1 if result.store_errors else 0


def _print_summary(result: BatchResult, paths: CoursePaths) -> None:
    """Totals, the students with problems, and where everything was written."""
    records = [result.records[s] for s in sorted(result.records)]
    out = sys.stderr
    print(
        f"\n{len(records)} submission(s): {len(result.graded)} graded now, "
        f"{len(result.resumed)} already graded (use --force to regrade)",
        file=out,
    )
    if records:
        mean = sum(r.report.score for r in records) / len(records)
        print(f"mean automatic score {mean:.2f} / {records[0].report.max_score:g}", file=out)
    for record in records:
        if record.status != "ok":
            print(f"  {record.student}: {record.status}", file=out)
            for problem in record.problems:
                print(f"      {problem.message}", file=out)
    for name in result.refused:
        print(f"  refused folder submitted/{name}: not a valid student ID", file=out)
    for student, reason in sorted(result.kept.items()):
        print(f"  {student}: {reason}; the previous results were kept", file=out)
    for student, error in sorted(result.store_errors.items()):
        print(f"  {student}: results NOT saved ({error}); rerun to retry", file=out)
    print(f"grades: {paths.grades_csv}\nreports: {paths.reports}", file=out)
