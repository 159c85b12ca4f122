"""A page for one submission, released through nbgrader's own feedback channel.

``nbgrader release_feedback`` publishes ``feedback/<student>/<assignment>/<notebook>.html``
under a name made from the submission's secret, and the student's ``fetch_feedback`` (or
Fetch Feedback in the Assignment List) looks for exactly that name for each of their
submissions. The course's ``feedback/`` folder holds one submission per student, the one
``generate_feedback`` last saw; every submission gets its own page here, so each is staged
in a private folder of its own, laid out as ``release_feedback`` expects, and released by
nbgrader's :class:`~nbgrader.exchange.default.ExchangeReleaseFeedback` itself.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable
from pathlib import Path

from grader.course import Course
from grader.course.inbound import Submission


class ReleaseError(Exception):
    """The page could not be released (the message says why)."""


def release_page(
    course: Course, submission: Submission, secret: str, notebooks: Iterable[str], html: str
) -> None:
    """Release ``html`` as the feedback of each of ``submission``'s ``notebooks`` (file names)."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import ExchangeError
    from nbgrader.exchange.default import ExchangeReleaseFeedback

    staging = course.service_folder / "outbox" / submission.key
    shutil.rmtree(staging, ignore_errors=True)
    folder = staging / "feedback" / submission.student / course.assignment
    folder.mkdir(parents=True)
    try:
        for name in notebooks:
            (folder / f"{Path(name).stem}.html").write_text(html, encoding="utf-8")
        (folder / "timestamp.txt").write_text(submission.timestamp_text, encoding="utf-8")
        (folder / "submission_secret.txt").write_text(secret, encoding="utf-8")
        config = course.directories.config
        directories = CourseDirectory(
            config=config,
            root=str(staging),
            assignment_id=course.assignment,
            student_id=submission.student,
            feedback_directory="feedback",
        )
        releaser = ExchangeReleaseFeedback(
            coursedir=directories,
            authenticator=Authenticator(config=config),
            config=config,
            log=_QUIET,
        )
        releaser.start()
    except ExchangeError as error:
        raise ReleaseError(str(error)) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)


_QUIET = logging.getLogger("grader.course.feedback_channel.nbgrader")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False
