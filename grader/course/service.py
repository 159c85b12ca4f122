"""Grade each submission as it arrives: the loop behind ``python -m grader serve``.

The service watches nbgrader's exchange (``<exchange>/<course>/inbound/``) and takes each
new submission through the same path as ``grade``::

    inbound/<student>+hw4+<time>+<random>/
      keeper.py            copied out of the student's reach; its owner and time checked
      inbound.py           named, checked and read (links, sizes, permissions)
      grade_one.py         grade_notebook(bytes, student): the sandbox, then the verdict
      service.py           (here) is it the one the grade counts? nbgrader's collect copies
                           it into submitted/; late or not; the student's rate limit
      writer.py            autograded/, reports/, the gradebook, grades.csv
      feedback_channel.py  its own page, released by nbgrader's release_feedback

Every submission gets its page, resubmissions included. The gradebook and ``grades.csv``
hold the latest submission made before the due date (the latest of all if none was), as
``nbgrader collect --before-duedate`` chooses. A submission is done once its record is in
``reports/<assignment>/.service/done/``, written last: a service killed at any moment
grades again, on restart, exactly the submissions without a record, and grading one twice
changes nothing (each student has one row in the gradebook and in ``grades.csv``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from traitlets import Float, Integer
from traitlets.config import Configurable

from grader.course import Course
from grader.course.batch import (
    BATCH,
    SAVE_SECONDS,
    THREADS_PER_JOB,
    load_release,
    submission_digest,
)
from grader.course.collusion import write_collusion_safely
from grader.course.feedback_channel import release_page
from grader.course.grade_one import (
    Graded,
    Problem,
    Release,
    RunCells,
    grade_notebook,
    grading_failed,
)
from grader.course.inbound import (
    Contents,
    Submission,
    SubmissionError,
    identify,
    list_inbound,
    parse_name,
    read_contents,
)
from grader.course.keeper import Keeper, UntrustedError
from grader.course.writer import (
    RECORD_NAME,
    Writer,
    grades_csv,
    make_durable,
    write_atomic,
)
from grader.judgment.pages import render_feedback_html, render_notice_html

log = logging.getLogger("grader.serve")

HOUR = 3600.0
RETRY_SECONDS = 30.0
"""Wait before trying again a submission whose results could not be saved or released."""
STATUS_NAME = "status.json"
COMPLETE_SECONDS = 60.0
"""Age after which a submission without a secret is taken as completely written."""


class SubmissionService(Configurable):
    """The policy of ``python -m grader serve``, set in ``nbgrader_config.py``, e.g.
    ``c.SubmissionService.max_per_hour = 5``."""

    max_per_hour = Integer(
        0,
        help="Most submissions graded per student per hour (0: no limit). A submission "
        "over the limit waits in the queue, and its page says when it will be graded.",
    ).tag(config=True)
    max_submission_bytes = Integer(
        20_000_000,
        help="Largest submission graded (all its files together); a larger one gets a page "
        "saying so and is not graded.",
    ).tag(config=True)
    poll_seconds = Float(
        0.5, help="Seconds between two looks at the exchange when nothing is happening."
    ).tag(config=True)
    summary_seconds = Float(
        60.0,
        help="Least seconds between two rewrites of the class summary (it is also written "
        "when the service stops).",
    ).tag(config=True)


@dataclass
class Waiting:
    """A submission in the queue."""

    submission: Submission
    ready_at: float = 0.0
    """Wall-clock time before which it is not graded (the rate limit, a retry)."""
    told: bool = False
    """Whether its page already says it is waiting."""


@dataclass
class Finished:
    """A graded (or refused) submission whose results are being saved."""

    submission: Submission
    contents: Contents
    graded: Graded | None
    notices: list[str] = field(default_factory=list)
    counts: bool = False
    digest: str = ""


@dataclass
class Saved:
    """What saving a batch gave: the submissions recorded as done (with their records), and
    those to try again (what failed, and why)."""

    recorded: list[tuple[Finished, dict[str, Any]]] = field(default_factory=list)
    retries: list[tuple[Submission, str, object]] = field(default_factory=list)


class Service:
    """One assignment's submission service (see the module's docstring)."""

    def __init__(
        self, course: Course, run: RunCells, jobs: int, clock: Callable[[], float] = time.time
    ) -> None:
        self.course = course
        self.run = run
        self.jobs = max(1, jobs)
        self.clock = clock
        self.policy = SubmissionService(config=course.directories.config)
        self.release: Release = load_release(course)
        self.writer = Writer(course, self.release.notebook_name)
        self.reader = Writer(course, self.release.notebook_name)
        """A second gradebook connection: the loop reads the due date while a batch commits."""
        self.keeper = Keeper(
            course, self.release.notebook_name, clock, self.policy.max_submission_bytes
        )
        self.done_folder = course.service_folder / "done"
        self.done: set[str] = set()
        self.graded_times: dict[str, deque[float]] = {}
        self.queue: dict[str, Waiting] = {}
        self.busy: set[str] = set()
        """Submissions being graded or saved."""
        self.skipped: set[str] = set()
        self.results: dict[str, Graded] = {}
        self.last_graded: tuple[float, str] | None = None
        self.summary_due: float | None = None
        self.stopping = False

    # -- the loop ----------------------------------------------------------------------------

    def serve(self, once: bool = False) -> int:
        """Grade what arrives until stopped (SIGTERM, SIGINT), or, with ``once``, until
        nothing is ready; the number of submissions finished."""
        self._load_state()
        finished_count = 0
        previous = [signal.signal(s, self._stop) for s in (signal.SIGTERM, signal.SIGINT)]
        log.info(
            "serving %s of course %s from %s (%d sandbox(es))",
            self.course.assignment,
            self.course.course_id,
            self.course.inbound,
            self.jobs,
        )
        running: dict[Future[Finished], Waiting] = {}
        pending: list[Finished] = []
        held: list[tuple[Waiting, Future[Finished]]] = []
        """Graded while a batch of the same student's is being saved: settled after it."""
        saving: Future[Saved] | None = None
        saving_students: set[str] = set()
        oldest = 0.0
        threads_count = THREADS_PER_JOB * self.jobs  # the sandboxes busy while this one saves
        with (
            self.writer,
            self.reader,
            ThreadPoolExecutor(max_workers=threads_count) as threads,
            ThreadPoolExecutor(max_workers=1) as saver,
        ):
            try:
                while not self.stopping:
                    self._scan()
                    self.keeper.watch()
                    room = threads_count + 1 - len(running) - len(held)
                    for waiting in self._next(room):
                        running[threads.submit(self._grade, waiting.submission)] = waiting
                    if saving is not None and saving.done():
                        finished_count += self._saved(saving.result())
                        saving, saving_students = None, set()
                        for waiting, future in held:
                            finished = self._settle(waiting, future)
                            if finished is not None:
                                oldest = oldest if pending else time.monotonic()
                                pending.append(finished)
                        held = []
                    if not running and not pending and saving is None:
                        if once and not self._ready_soon():
                            break
                        self._write_status(running)
                        self._summary_if_due()
                        time.sleep(self.policy.poll_seconds)
                        continue
                    watched: list[Future[Any]] = [*running, *([saving] if saving else [])]
                    done, _ = wait(watched, timeout=SAVE_SECONDS, return_when=FIRST_COMPLETED)
                    for future in done:
                        if future not in running:
                            continue  # the batch saved: taken at the loop's top
                        waiting = running.pop(future)
                        if waiting.submission.student in saving_students:
                            held.append((waiting, future))
                            continue
                        finished = self._settle(waiting, future)
                        if finished is not None:
                            oldest = oldest if pending else time.monotonic()
                            pending.append(finished)
                    full = len(pending) >= BATCH or time.monotonic() - oldest >= SAVE_SECONDS
                    if pending and saving is None and (full or not running):
                        saving = saver.submit(self._save, pending)
                        saving_students = {f.submission.student for f in pending}
                        pending = []
                        self._write_status(running)
            finally:
                if saving is not None:
                    finished_count += self._saved(saving.result())
                for waiting, future in held:
                    if (finished := self._settle(waiting, future)) is not None:
                        pending.append(finished)
                if pending:
                    finished_count += self._saved(self._save(pending))
                for future in running:
                    future.cancel()
                for number, handler in zip((signal.SIGTERM, signal.SIGINT), previous, strict=True):
                    signal.signal(number, handler)
                self._summary_if_due(force=True)
                self._write_status({})
        log.info("stopped: %d submission(s) finished, %d waiting", finished_count, len(self.queue))
        return finished_count

    def _stop(self, number: int, frame: Any) -> None:
        log.info("stopping on signal %d; what is not finished is graded on restart", number)
        self.stopping = True

    # -- finding submissions -----------------------------------------------------------------

    def _load_state(self) -> None:
        """The done records (and from them each student's recent gradings) and the results."""
        self.done_folder.mkdir(parents=True, exist_ok=True)
        self.keeper.load()
        since = self.clock() - HOUR
        for path in self.done_folder.glob("*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a torn record: that submission is graded again
            if not record.get("final", True):
                continue
            self.done.add(str(record["key"]))
            graded_at = float(record.get("graded_at") or 0)
            if record.get("graded") and graded_at > since:
                times = self.graded_times.setdefault(str(record["student"]), deque())
                times.append(graded_at)
        for times in self.graded_times.values():
            sorted_times = sorted(times)
            times.clear()
            times.extend(sorted_times)
        for folder in self.course.reports.iterdir() if self.course.reports.is_dir() else []:
            try:
                graded = Graded.from_record((folder / RECORD_NAME).read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            self.results[graded.student] = graded

    def _scan(self) -> None:
        """New folders in ``inbound/`` into the queue; those that cannot be graded answered."""
        try:
            names = list_inbound(self.course.inbound)
        except OSError as error:
            if "inbound" not in self.skipped:
                log.error("cannot list %s: %s", self.course.inbound, error.strerror)
                self.skipped.add("inbound")
            return
        self.skipped.discard("inbound")
        for key in names:
            if key in self.done or key in self.queue or key in self.busy or key in self.skipped:
                continue
            try:
                student, assignment, _ = parse_name(key)
            except SubmissionError as refusal:
                log.warning("ignored %r in inbound: %s", key, refusal.message)
                self.skipped.add(key)
                continue
            if assignment != self.course.assignment:
                self.skipped.add(key)  # another assignment's: left for nbgrader collect
                log.info(
                    "left %s to nbgrader: %s is not %s", key, assignment, self.course.assignment
                )
                continue
            try:
                submission = identify(self.course.inbound, key)
            except SubmissionError as refusal:
                log.warning("%s: cannot grade %r: %s", student, key, refusal.message)
                self.skipped.add(key)
                continue
            except Exception as error:  # whatever it is, one folder never stops the service
                log.error("%s: cannot grade %r: %s: %s", student, key, type(error).__name__, error)
                self.skipped.add(key)
                continue
            self.keeper.seen(key)
            if not _complete(submission.path):
                continue  # nbgrader submit is still copying it
            try:
                taken = self.keeper.take(submission)
            except UntrustedError as refusal:
                self._refuse(submission, str(refusal))
                continue
            if taken is not None:  # None: still being written
                self.queue[key] = Waiting(taken)

    def _next(self, room: int) -> list[Waiting]:
        """Up to ``room`` submissions to grade now: in order of submission, but each
        student's n-th waiting submission after everyone's (n-1)-th, and none over the
        student's rate limit (whose pages say when they will be graded)."""
        if room <= 0 or not self.queue:
            return []
        now = self.clock()
        seen: Counter[str] = Counter()
        ranked = []
        for waiting in sorted(
            self.queue.values(), key=lambda w: (w.submission.timestamp, w.submission.key)
        ):
            student = waiting.submission.student
            ranked.append((seen[student], waiting))
            seen[student] += 1
        ranked.sort(key=lambda pair: pair[0])
        chosen: list[Waiting] = []
        for rank, waiting in ranked:
            if waiting.ready_at > now:
                continue
            limit_at = self._limited_until(waiting.submission.student, rank, now)
            if limit_at is not None:
                self._tell_waiting(waiting, limit_at)
            elif len(chosen) < room:
                chosen.append(waiting)
                del self.queue[waiting.submission.key]
                self.busy.add(waiting.submission.key)
        return chosen

    def _limited_until(self, student: str, ahead: int, now: float) -> float | None:
        """When ``student`` may have one more submission graded, if not now, given the
        ``ahead`` submissions of theirs waiting before it."""
        limit = self.policy.max_per_hour
        if limit <= 0:
            return None
        times = self.graded_times.setdefault(student, deque())
        while times and times[0] <= now - HOUR:
            times.popleft()
        index = len(times) + ahead - limit
        if index < 0:
            return None
        if index < len(times):
            return times[index] + HOUR
        return now + HOUR * (1 + (index - len(times)) // limit)

    def _ready_soon(self) -> bool:
        """Whether some waiting submission can be graded now (``--once`` leaves the others)."""
        now = self.clock()
        return any(
            w.ready_at <= now and self._limited_until(w.submission.student, 0, now) is None
            for w in self.queue.values()
        )

    # -- grading -------------------------------------------------------------------------------

    def _grade(self, submission: Submission) -> Finished:
        """Read and grade one submission (in a worker thread)."""
        contents = read_contents(submission, self.policy.max_submission_bytes)
        if contents.refusal is not None:
            return Finished(submission, contents, None)
        name = self.release.notebook_name
        notebook = contents.notebooks.get(name)
        problems: list[Problem] = []
        if notebook is None and len(contents.notebooks) == 1:
            name, notebook = next(iter(contents.notebooks.items()))
            message = f"notebook found as {name}, not {self.release.notebook_name}; graded anyway"
            problems.append(Problem("notebook-renamed", message))
        if notebook is None:
            found = ", ".join(contents.notebooks) or "no notebook"
            problems.append(
                Problem("notebook-missing", f"no {self.release.notebook_name} ({found})")
            )
        try:
            graded = grade_notebook(notebook, submission.student, self.release, self.run, name=name)
        except Exception as error:  # the grader failed: this student is told, nobody else
            log.exception("%s: grading %r failed", submission.student, submission.key)
            then = "the instructor has been told, and it is graded again when the service restarts"
            graded = grading_failed(submission.student, error, then)
        return Finished(
            submission, contents, replace(graded, problems=(*problems, *graded.problems))
        )

    def _settle(self, waiting: Waiting, future: Future[Finished]) -> Finished | None:
        """A graded submission's late flag and whether it counts for the grade; if it does,
        nbgrader's collect copies it into ``submitted/`` and its files are written."""
        submission = waiting.submission
        try:
            finished = future.result()
            refusal = finished.contents.refusal
            if refusal is not None and refusal.code == "unreadable":
                log.error(
                    "%s: cannot grade %r: %s; left in inbound until the service restarts",
                    submission.student,
                    submission.key,
                    refusal.message,
                )
                self.busy.discard(submission.key)
                self.skipped.add(submission.key)
                return None
            if finished.graded is None:
                return finished
            due = self._due_date()
            late = due is not None and submission.timestamp > due
            graded = finished.graded
            if (disbelieved := self.keeper.disbelieved(submission)) is not None:
                graded = replace(graded, problems=(*graded.problems, disbelieved))
            if late and due is not None:
                lateness = _duration(submission.timestamp - due)
                message = f"submitted {lateness} after the due date ({_utc(due)})"
                graded = replace(graded, problems=(*graded.problems, Problem("late", message)))
            finished.graded = graded
            finished.counts = self._counts(submission, late, due)
            finished.notices = self._notices(submission, late, finished.counts)
            if finished.counts and graded.final:
                self._collect(submission)
                self.keeper.collected(submission)
                folder = self.course.submitted(submission.student)
                finished.digest = submission_digest(folder, self.release.notebook_name)
                self.writer.write(graded)
            return finished
        except Exception as error:
            self._retry(waiting, "could not grade or write", error)
            return None

    def _counts(self, submission: Submission, late: bool, due: datetime | None) -> bool:
        """Whether ``submission`` replaces the one now in ``submitted/``: the latest before
        the due date counts, or the latest of all if none was before it."""
        from nbgrader.utils import parse_utc

        try:
            path = self.course.submitted(submission.student) / "timestamp.txt"
            current = parse_utc(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError, OverflowError, TypeError):
            return True
        current = current.replace(tzinfo=None) if current.tzinfo is not None else current
        current_late = due is not None and current > due
        return (not late, submission.timestamp) >= (not current_late, current)

    def _collect(self, submission: Submission) -> None:
        """Copy the submission into ``submitted/<student>/<assignment>/`` with nbgrader's own
        collect (its ignore list and size caps), replacing the one there."""
        from nbgrader.auth import Authenticator
        from nbgrader.exchange.default import ExchangeCollect

        config = self.course.directories.config
        collector = ExchangeCollect(
            coursedir=self.course.directories,
            authenticator=Authenticator(config=config),
            config=config,
            log=_quiet_log(),
        )
        collector.update, collector.before_duedate = True, True
        collector.inbound_path = str(submission.path.parent)  # the copy taken
        collector.src_records = [
            {
                "username": submission.student,
                "filename": submission.key,
                "timestamp": submission.timestamp,
            }
        ]
        collector.copy_files()

    def _due_date(self) -> datetime | None:
        """The assignment's due date in the gradebook (UTC, naive), if it has one."""
        from nbgrader.api import MissingEntry

        session = self.reader.gradebook.db
        session.expire_all()
        try:
            due = self.reader.gradebook.find_assignment(self.course.assignment).duedate
        except MissingEntry:
            return None
        finally:
            session.rollback()  # no read lock held while the saving thread commits
        return due if isinstance(due, datetime) else None

    def _notices(self, submission: Submission, late: bool, counts: bool) -> list[str]:
        """What the page says about this submission before its feedback."""
        notices = [f"Submitted {_utc(submission.timestamp)}."]
        if self.keeper.disbelieved(submission) is not None:
            notices = [
                f"Submitted {_utc(submission.timestamp)}, as this server's clock saw it: "
                "your submission claims an earlier time, but its files were written then."
            ]
        if counts:
            notices.append("This is the submission your grade is based on, for now.")
        elif late:
            notices.append(
                "It came after the due date; your grade is based on your last submission "
                "made before it."
            )
        else:
            notices.append("A later submission of yours is the one your grade is based on.")
        return notices

    # -- saving --------------------------------------------------------------------------------

    def _save(self, batch: list[Finished]) -> Saved:
        """One gradebook commit for the counting ones, ``grades.csv``, then each one's page
        and, last, its done record; a failure leaves that submission to be tried again.

        Runs in the saving thread, one batch at a time, while the loop grades on: it changes
        nothing of the loop's own state (the queue, the done set), which :meth:`_saved` updates
        from its result on the loop's thread.
        """
        saved = Saved()
        counting = [f for f in batch if f.counts and f.graded is not None and f.graded.final]
        failures: dict[str, str] = {}
        if counting:
            try:
                failures = self.writer.save([(f.graded, f.digest) for f in counting if f.graded])
            except Exception as error:  # the gradebook itself: nothing of the batch is done
                failures = {
                    f.submission.student: f"{type(error).__name__}: {error}" for f in counting
                }
            for finished in counting:
                if finished.submission.student not in failures and finished.graded is not None:
                    # without its executed notebook: the tables need the report only
                    graded = replace(finished.graded, notebook=None)
                    self.results[finished.submission.student] = graded
            try:
                write_atomic(self.course.grades_csv, grades_csv(self.results.values()))
                self.summary_due = self.summary_due or time.monotonic()
            except OSError as error:
                failures = {f.submission.student: f"grades.csv: {error}" for f in counting}
        released: list[Finished] = []
        for finished in batch:
            submission = finished.submission
            if finished.counts and submission.student in failures:
                saved.retries.append((submission, "could not save", failures[submission.student]))
                continue
            try:
                self._answer(finished)
            except Exception as error:
                saved.retries.append((submission, "could not release the page of", error))
                continue
            released.append(finished)
        make_durable()  # the batch's files and pages on disk before a record vouches for them
        for finished in released:
            try:
                saved.recorded.append((finished, self._record(finished)))
            except Exception as error:
                saved.retries.append((finished.submission, "could not record", error))
        return saved

    def _saved(self, saved: Saved) -> int:
        """The loop's state after a batch was saved; the number of submissions done."""
        for submission, what, error in saved.retries:
            self._retry(Waiting(submission), what, error)
        for finished, record in saved.recorded:
            self._finish(finished, record)
        return len(saved.recorded)

    def _answer(self, finished: Finished) -> None:
        """Release the submission's page: its feedback, or why it was not graded."""
        submission, graded = finished.submission, finished.graded
        student = submission.student
        if graded is None:
            refusal = finished.contents.refusal
            assert refusal is not None
            html = render_notice_html(
                student,
                "submission not graded",
                [
                    f"Your submission of {_utc(submission.timestamp)} was not graded: "
                    f"{refusal.message}.",
                    "Submit again with your notebook alone.",
                ],
            )
        else:
            problems = [problem.message for problem in graded.problems]
            html = render_feedback_html(graded.report, student, problems, finished.notices)
        self._release(finished, html)

    def _record(self, finished: Finished) -> dict[str, Any]:
        """The submission's done record, written (a lost one costs a regrading)."""
        submission, graded = finished.submission, finished.graded
        now = self.clock()
        refusal = finished.contents.refusal
        status = graded.status if graded is not None else refusal.code if refusal else "refused"
        record = {
            "key": submission.key,
            "student": submission.student,
            "graded": graded is not None,
            "graded_at": now,
            "final": graded is None or graded.final,
            "counts": finished.counts,
            "score": None if graded is None else graded.report.score,
            "status": status,
        }
        text = json.dumps(record, sort_keys=True) + "\n"
        write_atomic(self._done_path(submission.key), text, durable=False)
        return record

    def _finish(self, finished: Finished, record: dict[str, Any]) -> None:
        """The loop's state once the submission's done record is written, and its log line."""
        submission, graded = finished.submission, finished.graded
        student, now, status = submission.student, float(record["graded_at"]), record["status"]
        self.busy.discard(submission.key)
        if record["final"]:
            self.done.add(submission.key)
        else:
            self.skipped.add(submission.key)  # retried on restart, not in a loop now
        if graded is not None:
            self.graded_times.setdefault(student, deque()).append(now)
        self.last_graded = (now, student)
        latency = max(0.0, now - submission.timestamp.replace(tzinfo=UTC).timestamp())
        score = "-" if graded is None else f"{graded.report.score:g}/{graded.report.max_score:g}"
        log.info(
            "graded %s submitted %s score %s status %s%s latency %.1f s",
            student,
            _utc(submission.timestamp),
            score,
            status,
            "" if finished.counts else " (not counted)",
            latency,
        )

    def _release(self, finished: Finished, html: str) -> None:
        """The page into nbgrader's feedback channel, where the student can fetch it."""
        contents = finished.contents
        if contents.secret is None or not contents.notebooks:
            log.warning(
                "%s: no page for %r: it has no %s",
                finished.submission.student,
                finished.submission.key,
                "submission_secret.txt" if contents.notebooks else "notebook",
            )
            return
        release_page(self.course, finished.submission, contents.secret, contents.notebooks, html)

    def _tell_waiting(self, waiting: Waiting, ready_at: float) -> None:
        """Once: a page saying that this submission waits, and until when."""
        waiting.ready_at = max(waiting.ready_at, ready_at)
        if waiting.told:
            return
        waiting.told = True
        submission = waiting.submission
        when = datetime.fromtimestamp(ready_at, UTC).replace(tzinfo=None)
        sentences = [
            f"Your submission of {_utc(submission.timestamp)} is waiting: at most "
            f"{self.policy.max_per_hour} submissions per student are graded each hour.",
            f"It will be graded at about {_utc(when)}; fetch your feedback again after that.",
        ]
        log.info(
            "%s: %r waits until %s (rate limit)", submission.student, submission.key, _utc(when)
        )
        try:
            contents = read_contents(submission, self.policy.max_submission_bytes)
            html = render_notice_html(submission.student, "submission waiting", sentences)
            self._release(Finished(submission, contents, None), html)
        except Exception as error:
            log.warning(
                "%s: could not release the waiting page of %r: %s",
                submission.student,
                submission.key,
                error,
            )

    def _retry(self, waiting: Waiting, what: str, error: object) -> None:
        """Log why, and put the submission back in the queue for a later try."""
        submission = waiting.submission
        log.error(
            "%s: %s %r: %s; trying again in %.0f s",
            submission.student,
            what,
            submission.key,
            error,
            RETRY_SECONDS,
        )
        waiting.ready_at = self.clock() + RETRY_SECONDS
        self.busy.discard(submission.key)
        self.queue[submission.key] = waiting
        if waiting.told:
            return
        waiting.told = True
        sentences = [
            f"Your submission of {_utc(submission.timestamp)} has arrived, but its results "
            "could not be saved yet; the instructor has been told.",
            "It is graded again automatically: fetch your feedback again in a few minutes.",
        ]
        html = render_notice_html(submission.student, "grading delayed", sentences)
        try:
            contents = read_contents(submission, self.policy.max_submission_bytes)
            self._release(Finished(submission, contents, None), html)
        except Exception as failure:  # the exchange may be on the full disk too
            log.error("%s: no page for %r either: %s", submission.student, submission.key, failure)

    def _refuse(self, submission: Submission, why: str) -> None:
        """A folder that another account wrote: one log line, a done record, nothing else."""
        log.warning("%s", why)
        record = {
            "key": submission.key,
            "student": submission.student,
            "graded": False,
            "graded_at": self.clock(),
            "final": True,
            "counts": False,
            "score": None,
            "status": "wrong-owner",
        }
        try:
            write_atomic(self._done_path(submission.key), json.dumps(record, sort_keys=True))
        except OSError as error:
            log.error("could not record the refusal of %r: %s", submission.key, error)
        self.done.add(submission.key)

    def _done_path(self, key: str) -> Path:
        return self.done_folder / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    # -- status ----------------------------------------------------------------------------

    def _summary_if_due(self, force: bool = False) -> None:
        """The class summary, at most every ``summary_seconds`` and when idle (it is slow)."""
        if self.summary_due is None or not self.results:
            return
        if not force and time.monotonic() - self.summary_due < self.policy.summary_seconds:
            return
        try:
            self.writer.write_tables(self.results)
            write_collusion_safely(self.course, self.results, self.release.cells)
            self.summary_due = None
        except Exception as error:
            log.error("could not write the class summary: %s", error)

    def _write_status(self, running: dict[Any, Waiting]) -> None:
        """``status.json``, read by ``serve --status``."""
        status = {
            "pid": os.getpid(),
            "waiting": len(self.queue) + len(running),
            "last_graded": self.last_graded[0] if self.last_graded else None,
            "last_student": self.last_graded[1] if self.last_graded else None,
        }
        try:
            path = self.course.service_folder / STATUS_NAME
            write_atomic(path, json.dumps(status, sort_keys=True) + "\n", durable=False)
        except OSError as error:
            log.error("could not write the status: %s", error)


def _complete(folder: Path) -> bool:
    """Whether ``nbgrader submit`` has finished writing ``folder``: it writes the secret
    last; a folder without one (an older nbgrader) is complete once a minute old."""
    try:
        return (folder / "submission_secret.txt").stat().st_size > 0 or _age(
            folder
        ) > COMPLETE_SECONDS
    except FileNotFoundError:
        return _age(folder) > COMPLETE_SECONDS
    except OSError:
        return True  # unreadable: reading it says so


def _age(folder: Path) -> float:
    return time.time() - folder.lstat().st_mtime


def _quiet_log() -> logging.Logger:
    quiet = logging.getLogger("grader.serve.nbgrader")
    quiet.propagate = False
    if not quiet.handlers:
        quiet.addHandler(logging.NullHandler())
    return quiet


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"]
    return " ".join(parts) if seconds >= 60 else f"{seconds} s"
