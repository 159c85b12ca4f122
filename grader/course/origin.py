"""Where a ``submitted/`` folder came from, checked before ``grade`` grades it.

``nbgrader collect`` copies a folder of the exchange's ``inbound/`` into
``submitted/<student>/<assignment>/``: the copy belongs to the instructor, so who wrote it
and when can only be read where it came from. :func:`check_submitted` looks, in order, at:

1. the service's note of what it graded (``.service/counted/<student>.json``): a
   ``submitted/`` notebook whose digest differs from the one graded is reported, and the
   copy the service kept is graded instead (``changed-after-grading``); the service's
   ``time-claimed-earlier`` stays;
2. else the inbound folders of the student whose ``timestamp.txt`` is the one in
   ``submitted/`` (what collect copied): if every one is owned by an account that may not
   submit for the student, the student is refused (nbgrader's check_owner, enforced); a
   claimed time earlier than the folder's newest change is flagged
   (``time-claimed-earlier``); a folder changed since it was collected is reported;
3. else (an instructor's folder, an LMS download): nothing to check.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course import Course
from grader.course.grade_one import Problem
from grader.course.keeper import CHANGED_PROBLEM, TIME_PROBLEM, parsed_time, time_text
from grader.course.provenance import notebook_digest, tree_state
from grader.course.trust import Trust, utc


@dataclass(frozen=True)
class Origin:
    """What ``grade`` does with a student's ``submitted/`` folder."""

    refusal: str | None = None
    """Why nothing is graded or written for the student (one line), if so."""
    problems: tuple[Problem, ...] = ()
    folder: Path | None = None
    """The folder to grade instead of ``submitted/`` (the copy the service graded)."""


def inbound_names(course: Course) -> dict[str, list[str]]:
    """The folders of ``inbound/`` by the student their name claims (listed once for a class)."""
    prefix = f"+{course.assignment}+"
    names: dict[str, list[str]] = {}
    try:
        entries = sorted(os.listdir(course.inbound))
    except OSError:
        return names
    for name in entries:
        student, found, _ = name.partition(prefix)
        if found:
            names.setdefault(student, []).append(name)
    return names


def check_submitted(
    course: Course,
    student: str,
    notebook_name: str,
    trust: Trust,
    inbound: dict[str, list[str]] | None = None,
) -> Origin:
    """The origin of ``submitted/<student>/<assignment>/`` (see the module's docstring);
    ``inbound``: :func:`inbound_names`, if already listed."""
    folder = course.submitted(student)
    stamp = _stamp(folder)
    digest = notebook_digest(folder, notebook_name)
    counted = _counted(course, student)
    if counted is not None and counted.get("timestamp") == stamp:
        problems = tuple(Problem.from_dict(p) for p in counted.get("problems", []))
        if digest == counted.get("digest"):
            return Origin(problems=problems)
        kept = course.service_folder / "kept" / str(counted.get("key"))
        where = f"submitted/{student}/{course.assignment}"
        if kept.is_dir() and notebook_digest(kept, notebook_name) == counted.get("digest"):
            why = (
                f"the notebook in {where} is not the one graded when it arrived "
                f"({counted.get('key')}): the one graded then is graded again"
            )
            return Origin(problems=(*problems, Problem(CHANGED_PROBLEM, why)), folder=kept)
        why = (
            f"the notebook in {where} is not the one graded when it arrived, and the copy "
            "graded then is gone: graded as it is now"
        )
        return Origin(problems=(*problems, Problem(CHANGED_PROBLEM, why)))
    if stamp is None:
        return Origin()
    names = (inbound if inbound is not None else inbound_names(course)).get(student, [])
    return _from_inbound(course, student, notebook_name, trust, stamp, digest, names)


def _from_inbound(
    course: Course,
    student: str,
    notebook_name: str,
    trust: Trust,
    stamp: str,
    digest: str,
    names: list[str],
) -> Origin:
    """Check the inbound folders (``names``) ``submitted/`` may have been collected from."""
    sources = []
    for path in (course.inbound / name for name in names):
        if _stamp(path) == stamp:
            try:
                sources.append((path, tree_state(path)))
            except OSError:
                continue
    if not sources:
        return Origin()
    own = [(p, s) for p, s in sources if trust.foreign_owner(s.owners, student) is None]
    if not own:
        path, state = sources[-1]
        owner = trust.foreign_owner(state.owners, student)
        return Origin(
            refusal=f"refused submitted/{student}/{course.assignment}: collected from "
            f"inbound/{path.name}, owned by {owner}, not by {student}; nothing graded or "
            f"written for {student}"
        )
    path, state = own[-1]
    problems = []
    observed = utc(state.newest_change)
    claimed_in_name = path.name[len(f"{student}+{course.assignment}+") :].split("+")[0]
    claims = [*parsed_time(claimed_in_name), *parsed_time(stamp)]
    if any(trust.disbelieved(claim, observed) for claim in claims):
        problems.append(
            Problem(
                TIME_PROBLEM,
                f"it claims to be submitted at {stamp}, but inbound/{path.name} was last "
                f"changed at {time_text(observed)}",
            )
        )
    try:
        changed = notebook_digest(path, notebook_name) != digest
    except OSError:
        changed = False  # unreadable: its change time said what it could
    if changed:
        problems.append(
            Problem(
                CHANGED_PROBLEM,
                f"inbound/{path.name} was changed after it was collected: the notebook "
                f"collected into submitted/{student}/{course.assignment} is graded",
            )
        )
    return Origin(problems=tuple(problems))


def _stamp(folder: Path) -> str | None:
    try:
        return (folder / "timestamp.txt").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None


def _counted(course: Course, student: str) -> dict[str, Any] | None:
    path = course.service_folder / "counted" / f"{student}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
