"""``python -m grader report FILE... --out DIR``: feedback pages and a class summary.

Each FILE is a JSON answer set::

    {"student_id": "...",
     "variant": {"X": [[..], [..]], "y": [..], "theta": [..], "eta": ..},
     "answers": {"y_hat": [..], "loss": .., ...}}

The command writes ``DIR/feedback/<student>.html`` and ``DIR/reports/<student>.json``
for every readable file and ``DIR/summary.html`` (with its plots) for the class.
A file that cannot be read is reported on stderr, by name, and skipped; the exit
status is then 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.judgment.grading import grade
from grader.judgment.pages import render_feedback_html
from grader.judgment.report import Report
from grader.judgment.summary import write_class_summary

VARIANT_KEYS = ("X", "y", "theta", "eta")


class AnswerFileError(Exception):
    """An answer file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class AnswerSet:
    """One student's answers and variant, read from a file."""

    student_id: str
    variant: Mapping[str, Any]
    answers: Mapping[str, Any]


def read_answer_set(path: Path) -> AnswerSet:
    """Read and check one answer file (raises AnswerFileError naming the file)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AnswerFileError(f"{path}: cannot be read ({error.strerror or error})") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnswerFileError(f"{path}: is not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise AnswerFileError(f"{path}: must hold a JSON object, not {type(data).__name__}")
    missing = [key for key in ("student_id", "variant", "answers") if key not in data]
    if missing:
        raise AnswerFileError(f"{path}: missing key(s) {', '.join(missing)}")
    variant, answers = data["variant"], data["answers"]
    if not isinstance(data["student_id"], str):
        raise AnswerFileError(f"{path}: student_id must be a string")
    if not isinstance(variant, dict) or any(key not in variant for key in VARIANT_KEYS):
        raise AnswerFileError(f"{path}: variant must be an object with keys X, y, theta, eta")
    if not isinstance(answers, dict):
        raise AnswerFileError(f"{path}: answers must be a JSON object of answer names")
    return AnswerSet(data["student_id"], variant, answers)


def grade_answer_set(path: Path, answer_set: AnswerSet) -> Report:
    """Grade one answer set; an unusable variant raises AnswerFileError."""
    v = answer_set.variant
    try:
        return grade(answer_set.answers, v["X"], v["y"], v["theta"], v["eta"])
    except ValueError as error:
        raise AnswerFileError(f"{path}: bad variant ({error})") from error


def file_stem(student_id: str, taken: set[str]) -> str:
    """A safe, unused file name stem for a student's pages."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", student_id).strip("._") or "student"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}"
    taken.add(candidate)
    return candidate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument("files", nargs="+", type=Path, help="JSON answer sets")
    parser.add_argument("--out", type=Path, required=True, help="directory for the pages")


def run(args: argparse.Namespace) -> int:
    """Grade every file, write the pages; 1 if some file could not be used, else 0."""
    out: Path = args.out
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(parents=True, exist_ok=True)
    reports: dict[str, Report] = {}
    links: dict[str, str] = {}
    taken: set[str] = set()
    failures = 0
    for path in args.files:
        try:
            answer_set = read_answer_set(path)
            report = grade_answer_set(path, answer_set)
        except AnswerFileError as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        stem = file_stem(answer_set.student_id, taken)
        key = answer_set.student_id if answer_set.student_id not in reports else stem
        page = render_feedback_html(report, answer_set.student_id)
        (out / "feedback" / f"{stem}.html").write_text(page, encoding="utf-8")
        data = {"student_id": answer_set.student_id, **report.to_dict()}
        (out / "reports" / f"{stem}.json").write_text(json.dumps(data, indent=2), "utf-8")
        reports[key] = report
        links[key] = f"feedback/{stem}.html"
        print(f"{answer_set.student_id}: {report.score:g} / {report.max_score:g}")
    summary = write_class_summary(reports, out, links)
    print(f"class summary: {summary}")
    print(f"feedback pages: {out / 'feedback'}")
    if failures:
        print(f"{failures} file(s) could not be used (see the errors above)", file=sys.stderr)
    return 1 if failures else 0
