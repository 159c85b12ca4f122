"""The bytes graded are the bytes kept: a submission taken out of the student's reach.

The service copies each folder of ``inbound/`` into ``reports/<assignment>/.service/kept/``
before grading it (:func:`take`): only regular files and folders, none followed through a
link, every file opened once, its owner and change time read from the open file. It
records (:class:`Taken`) who owned what it copied, when it first saw the folder, the
newest change time (ctime) of the folder and its files, and a digest of the notebooks; it
grades the copy, and nbgrader's collect copies the copy into ``submitted/``. A change to
the inbound folder afterwards shows as a newer change time (:func:`tree_state`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from grader.course.inbound import MAX_ENTRIES, SubmissionError

CHUNK = 1 << 20


@dataclass(frozen=True)
class TreeState:
    """What the file system says of a folder: who owns its entries, when they last changed."""

    owners: frozenset[int]
    newest_change: float
    """The newest ctime of the folder and everything in it (seconds since the epoch)."""
    content: str = ""
    """A digest of every name and byte copied (:func:`take` only)."""


@dataclass(frozen=True)
class Taken:
    """The record of a submission taken from ``inbound/``."""

    key: str
    student: str
    owner: str
    """The account owning the folder."""
    first_seen: float
    """When the service first saw the folder (its own clock)."""
    taken_at: float
    newest_change: float
    observed: float
    """The earliest the submission can have been complete: its newest change, at the latest
    when it was taken."""
    claimed: str
    """The time its name claims."""
    digest: str
    """:func:`notebook_digest` of the copy."""
    content: str = ""
    """:func:`content_digest` of the copy: every file, not only the notebooks."""
    changed_at: float | None = None
    """When a change to the inbound folder after it was taken was seen."""

    def to_json(self) -> str:
        """The record as JSON."""
        return json.dumps(asdict(self), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Taken:
        """Read back :meth:`to_json`."""
        data = json.loads(text)
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def take(source: Path, target: Path, max_bytes: int) -> TreeState:
    """Copy the folder ``source`` to ``target`` (replaced) and return the state of what was
    copied; :class:`SubmissionError` for a link, a special file, too many entries or bytes,
    or a folder that changed while it was copied (``busy``); OSError if unreadable."""
    staging = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        state = _copy_tree(source, staging, max_bytes)
        after = tree_state(source)
        if after.newest_change != state.newest_change or after.owners != state.owners:
            raise SubmissionError("busy", "it changed while it was being copied")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return state


def tree_state(folder: Path) -> TreeState:
    """The owners and newest change time of ``folder`` and everything under it (links are
    not followed; at most ``MAX_ENTRIES`` entries are looked at)."""
    info = os.lstat(folder)
    owners, newest = {info.st_uid}, info.st_ctime
    count = 0
    for parent, folders, files in os.walk(folder):
        for name in [*folders, *files]:
            count += 1
            if count > MAX_ENTRIES:
                return TreeState(frozenset(owners), newest)
            try:
                entry = os.lstat(os.path.join(parent, name))
            except FileNotFoundError:
                continue
            owners.add(entry.st_uid)
            newest = max(newest, entry.st_ctime)
    return TreeState(frozenset(owners), newest)


def content_digest(folder: Path, max_bytes: int) -> str:
    """A digest of every name and byte under ``folder`` as :func:`take` computes it while
    copying (read without following a link; a link or special file gives its own value)."""
    sha = hashlib.sha256()
    size = 0
    for parent, folders, files in os.walk(folder, onerror=_raise):
        folders.sort()
        relative = Path(parent).relative_to(folder)
        for name in sorted([*folders, *files]):
            entry = os.lstat(os.path.join(parent, name))
            sha.update(f"{relative / name}\0{stat.S_IFMT(entry.st_mode)}\0".encode())
            if not stat.S_ISREG(entry.st_mode):
                continue
            descriptor = os.open(os.path.join(parent, name), os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(descriptor, "rb") as stream:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        return "too-large"
                    sha.update(chunk)
    return sha.hexdigest()


def notebook_digest(folder: Path, expected: str) -> str:
    """The digest of a submission's notebooks, as ``batch.submission_digest`` computes it."""
    from grader.course.batch import submission_digest

    return submission_digest(folder, expected)


def _copy_tree(source: Path, target: Path, max_bytes: int) -> TreeState:
    """Copy ``source`` into the existing folder ``target``; the state of what was read."""
    info = os.lstat(source)
    if not stat.S_ISDIR(info.st_mode):
        raise SubmissionError("not-a-folder", f"{source} is not a folder (a link or a file)")
    owners, newest = {info.st_uid}, info.st_ctime
    sha = hashlib.sha256()
    size, count = 0, 0
    for parent, folders, files in os.walk(source, onerror=_raise):
        folders.sort()
        relative = Path(parent).relative_to(source)
        for name in sorted([*folders, *files]):
            count += 1
            if count > MAX_ENTRIES:
                raise SubmissionError("too-many-files", f"it holds more than {MAX_ENTRIES} files")
            path = Path(parent, name)
            entry = os.lstat(path)
            if stat.S_ISLNK(entry.st_mode):
                raise SubmissionError("link", f"{name!r} is a link, and links are not accepted")
            sha.update(f"{relative / name}\0{stat.S_IFMT(entry.st_mode)}\0".encode())
            if stat.S_ISDIR(entry.st_mode):
                (target / relative / name).mkdir()
                owners.add(entry.st_uid)
                newest = max(newest, entry.st_ctime)
                continue
            if not stat.S_ISREG(entry.st_mode):
                raise SubmissionError("special-file", f"{name!r} is not a regular file")
            size += entry.st_size
            if size > max_bytes:
                raise SubmissionError(
                    "too-large", f"it is larger than the {max_bytes:,} bytes allowed"
                )
            read = _copy_file(path, target / relative / name, max_bytes, sha)
            owners.add(read.st_uid)
            newest = max(newest, read.st_ctime)
    return TreeState(frozenset(owners), newest, sha.hexdigest())


def _copy_file(path: Path, target: Path, limit: int, sha: Any) -> os.stat_result:
    """Copy one regular file, opened without following a link, adding its bytes to ``sha``;
    its state once read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise SubmissionError("special-file", f"{path.name!r} is not a regular file")
        copied = 0
        with open(target, "xb") as out:
            while chunk := stream.read(CHUNK):
                copied += len(chunk)
                if copied > limit:
                    raise SubmissionError(
                        "too-large", f"it is larger than the {limit:,} bytes allowed"
                    )
                out.write(chunk)
                sha.update(chunk)
        return os.fstat(descriptor)


def _raise(error: OSError) -> None:
    raise error
