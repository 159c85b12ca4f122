"""Benchmark: how long after a submission its feedback can be fetched, with ``serve`` running.

Builds a temporary course with hw4 released, starts ``python -m grader serve hw4`` on it
(``--jobs``, default all cores), and submits with nbgrader's own ``ExchangeSubmit`` into
its exchange, each student from a home and nbgrader cache of their own. A submission's
latency runs from the moment it is in ``inbound/`` to the moment its page is where the
student's ``fetch_feedback`` looks for it (the notebook's name hashed with the
submission's secret, in the exchange's ``feedback/``). Two phases:

1. ``--single`` submissions (default 10), one at a time, each waiting for its page;
2. a deadline rush: ``--rush`` submissions (default 200) by as many students, arriving
   evenly within ``--within`` seconds (default 10).

It prints p50, p95 and the maximum of each phase, checks that every submission of the
rush got its page (none lost) and how far the order of grading strays from the order of
arrival, and ends with ``p95: X s`` for the rush.

Usage: ``.venv/bin/python benchmarks/bench_serve.py [--single N] [--rush N] [--within S]``
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_grading import build_course, environment, write_submissions

BIN = Path(sys.executable).parent
REPOSITORY = Path(__file__).resolve().parents[1]


class Course:
    """The temporary course, its exchange, and students submitting into it."""

    def __init__(self, root: Path) -> None:
        from traitlets.config.loader import PyFileConfigLoader

        self.root = root
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        self.course_id = str(config.CourseDirectory.course_id)
        self.exchange = root / "exchange"
        self.feedback = self.exchange / self.course_id / "feedback"

    def prepare_students(self, count: int, prefix: str) -> list[str]:
        """``count`` students, each with a filled-in hw4 in a home of their own."""
        scratch = self.root.parent / f"{prefix}-scratch"
        shutil.copytree(self.root, scratch, ignore=shutil.ignore_patterns("exchange", "*.db"))
        write_submissions(scratch, count, prefix)
        names = []
        for folder in sorted((scratch / "submitted").iterdir()):
            name = folder.name
            home = self.root.parent / "homes" / name
            home.mkdir(parents=True)
            shutil.copytree(folder / "hw4", home / "hw4")
            names.append(name)
        shutil.rmtree(scratch)
        return names

    def submit(self, student: str) -> float:
        """Submit ``student``'s hw4 with nbgrader's ``ExchangeSubmit``; when it was done."""
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange.default import ExchangeSubmit
        from traitlets.config import Config

        home = self.root.parent / "homes" / student
        config = Config()
        config.Exchange.root = str(self.exchange)
        config.Exchange.cache = str(home / ".cache")
        config.Exchange.assignment_dir = str(home)
        config.CourseDirectory.course_id = self.course_id
        directories = CourseDirectory(config=config, student_id=student, assignment_id="hw4")
        authenticator = Authenticator(config=config)
        ExchangeSubmit(coursedir=directories, authenticator=authenticator, config=config).start()
        return time.monotonic()

    def page(self, student: str) -> Path | None:
        """Where ``fetch_feedback`` looks for the page of ``student``'s one submission."""
        from nbgrader.utils import notebook_hash

        cache = self.root.parent / "homes" / student / ".cache" / self.course_id
        secrets = list(cache.glob(f"{student}+hw4+*/submission_secret.txt"))
        if len(secrets) != 1:
            return None
        return (
            self.feedback
            / f"{notebook_hash(secret=secrets[0].read_text(), notebook_id='hw4')}.html"
        )


def wait_for_pages(course: Course, sent: dict[str, float], timeout: float) -> dict[str, float]:
    """Poll until every student in ``sent`` has a page; the seconds each one took."""
    pages = {student: course.page(student) for student in sent}
    latencies: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(latencies) < len(sent) and time.monotonic() < deadline:
        for student, page in pages.items():
            if student not in latencies and page is not None and page.exists():
                latencies[student] = time.monotonic() - sent[student]
        time.sleep(0.02)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(name: str, latencies: list[float]) -> float:
    p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
    print(
        f"{name}: {len(latencies)} submission(s): p50 {p50:.2f} s, p95 {p95:.2f} s, "
        f"max {max(latencies):.2f} s"
    )
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--single", type=int, default=10)
    parser.add_argument("--rush", type=int, default=200)
    parser.add_argument("--within", type=float, default=10.0)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    user = pwd.getpwuid(os.geteuid()).pw_name
    print(
        f"run by {user} ({'root' if os.geteuid() == 0 else 'a normal user'}), "
        f"{len(os.sched_getaffinity(0))} cores, serve --jobs {args.jobs}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        root = Path(scratch) / "course"
        build_course(root)
        subprocess.run(
            [str(BIN / "nbgrader"), "release_assignment", "hw4"],
            cwd=root,
            env=environment(),
            check=True,
            capture_output=True,
        )
        course = Course(root)
        singles = course.prepare_students(args.single, "one")
        rushers = course.prepare_students(args.rush, "rush")
        log_path = Path(scratch) / "serve.log"
        env = environment()
        env["PYTHONPATH"] = str(REPOSITORY)
        with open(log_path, "wb") as log:
            service = subprocess.Popen(
                [sys.executable, "-m", "grader", "serve", "hw4", "--jobs", str(args.jobs)],
                cwd=root,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        try:
            while "serving" not in log_path.read_text():
                if service.poll() is not None:
                    print(log_path.read_text())
                    return 1
                time.sleep(0.1)
            single: list[float] = []
            for student in singles:
                sent = {student: course.submit(student)}
                single.extend(wait_for_pages(course, sent, 60).values())
            report("one at a time", single)

            sent: dict[str, float] = {}
            gap = args.within / max(1, args.rush)
            start = time.monotonic()

            def submit_all() -> None:
                for index, student in enumerate(rushers):
                    delay = start + index * gap - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    sent[student] = course.submit(student)

            submitter = threading.Thread(target=submit_all)
            submitter.start()
            submitter.join()
            spread = max(sent.values()) - start
            latencies = wait_for_pages(course, sent, 600)
            lost = [s for s in rushers if s not in latencies]
            print(f"rush: {len(sent)} submissions arrived within {spread:.1f} s")
            order = graded_order(root)
            arrival = {student: index for index, student in enumerate(rushers)}
            ranks = [arrival[s] for s in order if s in arrival]
            stray = max((abs(rank - index) for index, rank in enumerate(ranks)), default=0)
            print(
                f"rush: {len(latencies)} released, {len(lost)} lost; grading order strays "
                f"at most {stray} place(s) from arrival order ({args.jobs + 1} in flight)"
            )
            p95 = report("rush", list(latencies.values()))
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait()
    print(f"p95: {p95:.2f} s")
    return 1 if lost else 0


def graded_order(root: Path) -> list[str]:
    """The students, in the order the service finished their submissions."""
    folder = root / "reports" / "hw4" / ".service" / "done"
    records = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    return [r["student"] for r in sorted(records, key=lambda r: r["graded_at"])]


if __name__ == "__main__":
    sys.exit(main())
