"""Time the collusion report for a class: ``python benchmarks/bench_collusion.py``.

Writes the grading records of ``--submissions`` students (default 2000: honest ones, right
or wrong in their own way, and three planted pairs) into a temporary course, then times
what ``python -m grader collusion`` does: read the records, compare every student with every
other's numbers and code, write ``collusion.html`` and ``collusion.csv``. Prints where the
planted pairs rank and how many pairs are flagged; the last line is ``seconds: …``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from grader import grade  # noqa: E402
from grader.course import Course  # noqa: E402
from grader.course.collusion import read_records, write_collusion_report  # noqa: E402
from grader.course.grade_one import Graded  # noqa: E402
from grader.course.writer import RECORD_NAME, write_atomic  # noqa: E402
from grader.judgment.collusion import plain_answers  # noqa: E402
from tests.grader.judgment.planted_class import TEMPLATE, planted_class  # noqa: E402


def write_records(course: Course, submissions: int) -> tuple[str, ...]:
    """The planted class's grading records; the planted pairs, as 'a and b'."""
    honest = submissions - 6
    planted = planted_class(honest_right=honest // 2, honest_wrong=honest - honest // 2)
    for submission in planted.submissions:
        variant = submission.variant
        report = grade(submission.answers, variant.X, variant.y, variant.theta, variant.eta)
        graded = Graded(
            submission.student,
            report,
            (),
            answers=plain_answers(submission.answers),
            code=tuple(submission.code),
        )
        folder = course.student_reports(submission.student)
        write_atomic(folder / RECORD_NAME, graded.record("0" * 64), durable=False)
    pairs = (planted.copied_right, planted.copied_mistake, planted.shared_code)
    return tuple(" and ".join(pair) for pair in pairs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--submissions", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        course = Course.open(Path(folder), "hw4")
        planted = write_records(course, args.submissions)
        start, cpu = time.perf_counter(), time.process_time()
        results, problems = read_records(course)
        read = time.perf_counter()
        report, page = write_collusion_report(course, results, TEMPLATE)
        end, cpu = time.perf_counter(), time.process_time() - cpu
        ranks = {" and ".join(p.students): n for n, p in enumerate(report.pairs, start=1)}
        print(f"students: {report.students} ({len(problems)} record(s) unreadable)")
        print(f"distinct variants: {report.variants}; ordered pairs compared: {report.comparisons}")
        for name, rate in report.chance.items():
            print(f"chance match rate {name}: {rate:.2e}")
        print(f"evidence threshold: {report.threshold:.2f}")
        for pair in planted:
            print(f"planted pair {pair}: rank {ranks.get(pair, 'not listed')}")
        print(f"flagged pairs: {len(report.flagged)} (planted: {len(planted)})")
        print(f"page: {page.stat().st_size} bytes, reading the records: {read - start:.2f} s")
        print(f"cpu seconds: {cpu:.2f} (the machine's load shows in the difference)")
        print(f"seconds: {end - start:.2f}")


if __name__ == "__main__":
    main()
