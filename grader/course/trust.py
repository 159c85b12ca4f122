"""What the exchange is trusted with: who wrote a submission, and when.

Students write nbgrader's ``inbound/`` themselves, so a folder's name (whose submission,
when) is only a claim. Two facts the file system keeps, that a student cannot forge, are
checked against it:

- **who**: the Unix account owning the folder and every file in it must be the claimed
  student's (nbgrader's ``ExchangeCollect.check_owner``), or the grader's own account, root
  or one of ``ExchangeTrust.trusted_accounts`` (a folder the instructor writes);
- **when**: a file's change time (ctime), which its owner cannot set back; a claimed time
  earlier than the newest change by more than ``ExchangeTrust.time_tolerance_seconds`` is
  not believed, and the observed time is used instead.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from traitlets import Dict, Float, List, Unicode
from traitlets.config import Configurable

TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"
"""How nbgrader writes a submission's time (``timestamp.txt``, the folder's name)."""


class ExchangeTrust(Configurable):
    """Who may submit for whom, and how far a claimed time is believed; set in
    ``nbgrader_config.py``, e.g. ``c.ExchangeTrust.student_accounts = {"u123": "ann"}``.
    The owner check itself is nbgrader's ``c.ExchangeCollect.check_owner`` (on by default)."""

    student_accounts = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="Unix account name -> student ID, for accounts whose name is not the student's "
        "ID (any other account is the student of its own name).",
    ).tag(config=True)
    trusted_accounts = List(
        Unicode(),
        help="Accounts that may write a submission for any student (besides the grader's "
        "own account and root), e.g. a teaching assistant's.",
    ).tag(config=True)
    time_tolerance_seconds = Float(
        120.0,
        help="Seconds a submission's claimed time may lie before the newest change of its "
        "files (clock differences, a slow copy); an earlier claim is not believed.",
    ).tag(config=True)


class Trust:
    """The rules of :class:`ExchangeTrust` for one course's configuration."""

    def __init__(self, config: Any) -> None:
        settings = ExchangeTrust(config=config)
        self.check_owner = _check_owner(config)
        self.student_accounts = dict(settings.student_accounts)
        self.trusted = {0, os.geteuid(), *(_uid(name) for name in settings.trusted_accounts)}
        self.tolerance = timedelta(seconds=settings.time_tolerance_seconds)

    def foreign_owner(self, owners: Iterable[int], student: str) -> str | None:
        """The first owner (an account name) that may not submit for ``student``; None if
        every owner may, or if the owner check is off."""
        if not self.check_owner:
            return None
        for uid in sorted(set(owners)):
            if uid in self.trusted:
                continue
            name = account_name(uid)
            if self.student_accounts.get(name, name) != student:
                return name
        return None

    def disbelieved(self, claimed: datetime, observed: datetime) -> bool:
        """Whether a claimed time is earlier than the observed one by more than the tolerance."""
        return claimed < observed - self.tolerance


def account_name(uid: int) -> str:
    """The account name of ``uid``, or ``uid 1234`` if it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def utc(seconds: float) -> datetime:
    """A time in seconds since the epoch as nbgrader keeps times: UTC, naive."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _uid(name: str) -> int:
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return -1  # an account that does not exist trusts nobody


def _check_owner(config: Any) -> bool:
    """nbgrader's ``ExchangeCollect.check_owner`` (default: on)."""
    section = config.get("ExchangeCollect", {}) if hasattr(config, "get") else {}
    value = section.get("check_owner", True) if hasattr(section, "get") else True
    return bool(value)
