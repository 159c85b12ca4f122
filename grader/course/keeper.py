"""The service's side of trusting the exchange: who wrote a folder, when, and what it held.

For each folder of ``inbound/`` the :class:`Keeper` notes when it first saw it; once the
folder is complete it takes a private copy (:func:`provenance.take`) and its record
(``.service/taken/``), refuses it if an account other than the claimed student's owns
any of it (:class:`UntrustedError`), and gives the service the copy to grade, with the
observed time in place of a claimed time it does not believe. It watches the folders it
took and reports a change once. When the copy becomes the one that counts, it notes in
``.service/counted/<student>.json`` what was graded, for ``grade`` to check
``submitted/`` against.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from grader.course import Course
from grader.course.grade_one import Problem
from grader.course.inbound import Submission, SubmissionError
from grader.course.provenance import Taken, content_digest, notebook_digest, take, tree_state
from grader.course.trust import TIME_FORMAT, Trust, account_name, utc
from grader.course.writer import write_atomic

log = logging.getLogger("grader.serve")

WATCH_SECONDS = 5.0
"""Least seconds between two looks at the folders already taken."""
TIME_PROBLEM = "time-claimed-earlier"
CHANGED_PROBLEM = "changed-after-grading"


class UntrustedError(Exception):
    """A folder owned (in part) by an account that may not submit for its claimed student."""


class Keeper:
    """The copies and records of one assignment's submissions (see the module's docstring)."""

    def __init__(
        self, course: Course, notebook_name: str, clock: Callable[[], float], max_bytes: int
    ) -> None:
        self.course = course
        self.max_bytes = max_bytes
        self.notebook_name = notebook_name
        self.clock = clock
        self.trust = Trust(course.directories.config)
        self.kept = course.service_folder / "kept"
        self.records = course.service_folder / "taken"
        self.first_seen: dict[str, float] = {}
        self.taken: dict[str, Taken] = {}
        self.watched_at = 0.0

    def load(self) -> None:
        """The records of the submissions taken before a restart."""
        for path in self.records.glob("*.json") if self.records.is_dir() else []:
            try:
                record = Taken.from_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, TypeError, KeyError):
                continue
            self.taken[record.key] = record
            self.first_seen.setdefault(record.key, record.first_seen)

    def seen(self, key: str) -> None:
        """Note when ``key`` was first seen in ``inbound/``."""
        self.first_seen.setdefault(key, self.clock())

    def take(self, submission: Submission) -> Submission | None:
        """The submission to grade: its private copy, at the time believed. None: not yet
        (it is being written); the original: it cannot be copied (reading it says why);
        :class:`UntrustedError` if another account owns any of it."""
        key = submission.key
        record = self.taken.get(key)
        copy = self.kept / key
        if record is None or not copy.is_dir():
            try:
                state = take(submission.path, copy, self.max_bytes)
            except SubmissionError as refusal:
                if refusal.code == "busy":
                    return None
                self._check_owners(submission)
                return submission
            except OSError:
                self._check_owners(submission)
                return submission
            now = self.clock()
            record = Taken(
                key=key,
                student=submission.student,
                owner=account_name(_owner(submission)),
                first_seen=self.first_seen.get(key, now),
                taken_at=now,
                newest_change=state.newest_change,
                observed=min(now, state.newest_change),
                claimed=submission.timestamp_text,
                digest=notebook_digest(copy, self.notebook_name),
                content=state.content,
            )
            try:
                self._refuse_foreign(submission, state.owners)
            except UntrustedError:
                shutil.rmtree(copy, ignore_errors=True)
                raise
            self._save(record)
        return replace(submission, path=copy, timestamp=self.counted_time(submission, record))

    def _check_owners(self, submission: Submission) -> None:
        """:class:`UntrustedError` if another account owns any of a folder not copied."""
        try:
            owners = tree_state(submission.path).owners
        except OSError:
            return  # unreadable: reading it says so
        self._refuse_foreign(submission, owners)

    def _refuse_foreign(self, submission: Submission, owners: frozenset[int]) -> None:
        foreign = self.trust.foreign_owner(owners, submission.student)
        if foreign is not None:
            raise UntrustedError(
                f"refused inbound/{submission.key}: owned by {foreign}, not by "
                f"{submission.student}, whose submission it claims to be; nothing graded or "
                f"released for {submission.student}"
            )

    def counted_time(self, submission: Submission, record: Taken) -> datetime:
        """The claimed time if it is believed, else the observed one."""
        return utc(record.observed) if self._disbelieved(record) else submission.timestamp

    def _disbelieved(self, record: Taken) -> bool:
        """Whether the folder's name or ``timestamp.txt`` claims a time earlier than the
        observed one by more than the tolerance."""
        observed = utc(record.observed)
        claims = [*parsed_time(record.claimed), *_claimed_in_file(self.kept / record.key)]
        return any(self.trust.disbelieved(claim, observed) for claim in claims)

    def disbelieved(self, submission: Submission) -> Problem | None:
        """The ``time-claimed-earlier`` problem, if the submission's claim is not believed."""
        record = self.taken.get(submission.key)
        if record is None or not self._disbelieved(record):
            return None
        observed = time_text(utc(record.observed))
        return Problem(
            TIME_PROBLEM,
            f"it claims to be submitted at {record.claimed}, but its files were last changed "
            f"at {observed} (the server's clock): it counts as submitted at {observed}",
        )

    def collected(self, submission: Submission) -> None:
        """The copy is now in ``submitted/``: its time there is the time it counts at, and
        ``.service/counted/<student>.json`` says what was graded."""
        record = self.taken.get(submission.key)
        if record is None:
            return
        folder = self.course.submitted(submission.student)
        problem = self.disbelieved(submission)
        try:
            stamp: str | None = (folder / "timestamp.txt").read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            stamp = None
        if problem is not None:
            stamp = time_text(submission.timestamp)
            write_atomic(folder / "timestamp.txt", stamp, durable=False)
        counted = {
            "key": submission.key,
            "digest": record.digest,
            "timestamp": stamp,
            "problems": [problem.to_dict()] if problem is not None else [],
        }
        path = self.course.service_folder / "counted" / f"{submission.student}.json"
        write_atomic(path, json.dumps(counted, sort_keys=True) + "\n", durable=False)

    def watch(self) -> None:
        """Report, once each, the taken folders changed since they were taken (at most
        every ``WATCH_SECONDS``)."""
        if time.monotonic() - self.watched_at < WATCH_SECONDS:
            return
        self.watched_at = time.monotonic()
        for key, record in list(self.taken.items()):
            if record.changed_at is not None:
                continue
            try:
                state = tree_state(self.course.inbound / key)
            except OSError:
                continue  # gone (the instructor cleared it) or unreadable
            if state.newest_change <= record.newest_change:
                continue
            try:
                content = content_digest(self.course.inbound / key, self.max_bytes)
            except OSError:
                content = "unreadable"
            if content == record.content:  # a chmod or a touch: nothing graded changed
                self._save(replace(record, newest_change=state.newest_change))
                continue
            log.warning(
                "%s: inbound/%s was changed at %s, after it was taken at %s: the change is "
                "not graded (the copy taken is what counts, at its own time)",
                record.student,
                key,
                time_text(utc(state.newest_change)),
                time_text(utc(record.taken_at)),
            )
            self._save(replace(record, changed_at=state.newest_change))

    def _save(self, record: Taken) -> None:
        self.taken[record.key] = record
        name = hashlib.sha256(record.key.encode()).hexdigest()[:40] + ".json"
        write_atomic(self.records / name, record.to_json(), durable=False)


def _owner(submission: Submission) -> int:
    try:
        return submission.path.lstat().st_uid
    except OSError:
        return -1


def _claimed_in_file(folder: Path) -> list[datetime]:
    """The time in a copy's ``timestamp.txt``, if it has one that parses."""
    try:
        text = (folder / "timestamp.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return parsed_time(text.strip())


def parsed_time(text: str) -> list[datetime]:
    """``[time]`` of a time as nbgrader writes it (UTC, naive); ``[]`` if it does not parse."""
    from nbgrader.utils import parse_utc

    try:
        moment = parse_utc(text)
    except (ValueError, TypeError, OverflowError):
        return []
    return [moment.replace(tzinfo=None) if moment.tzinfo is not None else moment]


def time_text(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)
