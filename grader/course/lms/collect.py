"""An LMS download collected into nbgrader's ``submitted/``, each notebook under the
student ID the roster gives its LMS user.

:func:`lms_platform` says whether a zip is a Canvas or Moodle download (its names, see
:mod:`names`); :func:`collect_download` files each submitter's notebook (a resubmitted
one, ``hw4-1.ipynb``, over the first; one inside an uploaded zip too) as
``submitted/<student>/<assignment>/<notebook>`` and records what the LMS said
(:mod:`record`). The student ID comes from the roster: Canvas's user ID, Moodle's
participant id or full name; under Canvas's anonymous grading, the ``STUDENT_ID`` the
notebook types, checked against the roster. Whatever does not fit (a name in no known
form, a user the roster lacks or lists twice, a notebook typing another student's ID, a
roster student with no submission) gets one line, and nothing is dropped silently: a
notebook whose LMS user the roster lacks is filed under the ID it types, and flagged.
"""

from __future__ import annotations

import ast
import io
import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.course import STUDENT_ID_PATTERN, Course, CourseError
from grader.course.lms.names import CANVAS, DownloadName, parse_download_name
from grader.course.lms.record import Collected, keep_roster, write_record
from grader.course.lms.roster import Member, Roster
from grader.judgment.rubric import STUDENT_ID_NAME

MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
PLATFORM_NAMES = {"canvas": "Canvas", "moodle": "Moodle"}


@dataclass
class Download:
    """What a download held: each student's notebook, and a line for everything else."""

    platform: str
    students: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Found:
    name: DownloadName
    member: str
    data: bytes


def _members(bundle: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of a zip, without folders, macOS's resource forks and hidden files."""
    return [
        info
        for info in bundle.infolist()
        if not info.is_dir()
        and not any(
            part.startswith(".") or part == "__MACOSX"
            for part in PurePosixPath(info.filename.replace("\\", "/")).parts
        )
    ]


def lms_platform(archive: Path) -> str | None:
    """``canvas`` or ``moodle`` if the zip's files are named as that LMS names them."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            names = [parse_download_name(info.filename) for info in _members(bundle)]
    except (zipfile.BadZipFile, OSError):
        return None
    platforms = [name.platform for name in names if name is not None]
    return max(set(platforms), key=platforms.count) if platforms else None


def collect_download(
    course: Course, archive: Path, notebook: str, roster: Roster | None
) -> Download:
    """File the download's notebooks into ``submitted/``; raise :class:`CourseError` (one
    line) when the zip cannot be read or nobody can be identified without a roster."""
    platform = lms_platform(archive) or CANVAS
    label = PLATFORM_NAMES[platform]
    if roster is None:
        raise CourseError(
            f"{archive} is a {label} download, which names students by their {label} "
            f"user: give --roster, {label}'s "
            + (
                "gradebook export (Grades → Export)"
                if platform == CANVAS
                else "grade export or grading worksheet"
            )
        )
    if roster.platform != platform:
        raise CourseError(
            f"{archive} is a {label} download but {roster.source} is a "
            f"{PLATFORM_NAMES[roster.platform]} roster"
        )
    result = Download(platform, lines=[f"roster: {line}" for line in roster.problems])
    by_user = _read(archive, notebook, result)
    entries: dict[str, Collected] = {}
    for found in by_user.values():
        chosen = _choose(found, notebook, result)
        student, flags = _identify(chosen, roster, result)
        if student is None:
            continue
        if student in entries:
            result.lines.append(
                f"{chosen.name.who} and {entries[student].name} both map to {student}: "
                f"only the first is collected; {chosen.member} left in the zip"
            )
            continue
        _write(course, student, notebook, chosen.data)
        entries[student] = _entry(student, chosen.name, flags)
    for listed in roster.members:
        if listed.student_id not in entries:
            result.lines.append(
                f"no submission from {listed.name or listed.student_id} ({listed.student_id})"
            )
    write_record(course, entries)
    keep_roster(course, roster.source)
    result.students = sorted(entries)
    return result


def _read(archive: Path, notebook: str, result: Download) -> dict[tuple[str, str], list[_Found]]:
    """Each LMS user's notebooks (from uploaded zips too); a line for every other file."""
    by_user: dict[tuple[str, str], list[_Found]] = {}
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = _members(bundle)
            if sum(info.file_size for info in members) > MAX_TOTAL_BYTES:
                raise CourseError(f"{archive} unpacks to more than {MAX_TOTAL_BYTES} bytes")
            for info in members:
                name = parse_download_name(info.filename)
                if name is None or name.platform != result.platform:
                    result.lines.append(
                        f"{info.filename}: not named as {PLATFORM_NAMES[result.platform]} "
                        "names a submission; skipped"
                    )
                    continue
                data = _notebook_bytes(bundle, info, notebook, result)
                if data is not None:
                    key = (name.lms_id, "anon" if name.anonymous else "user")
                    by_user.setdefault(key, []).append(_Found(name, info.filename, data))
    except (zipfile.BadZipFile, OSError) as error:
        raise CourseError(f"cannot read the zip {archive}: {error}") from error
    return by_user


def _notebook_bytes(
    bundle: zipfile.ZipFile, info: zipfile.ZipInfo, notebook: str, result: Download
) -> bytes | None:
    """The notebook a member is, or holds (an uploaded zip of the folder); None, with a
    line, for anything else."""
    suffix = PurePosixPath(info.filename).suffix.lower()
    if info.file_size > MAX_NOTEBOOK_BYTES:
        result.lines.append(f"{info.filename}: larger than {MAX_NOTEBOOK_BYTES} bytes; skipped")
        return None
    if suffix == ".ipynb":
        return bundle.read(info)
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(bundle.read(info))) as inner:
                notebooks = [
                    i
                    for i in _members(inner)
                    if i.filename.endswith(".ipynb") and i.file_size <= MAX_NOTEBOOK_BYTES
                ]
                exact = [i for i in notebooks if PurePosixPath(i.filename).name == notebook]
                chosen = exact if len(exact) == 1 else notebooks
                if len(chosen) == 1:
                    return inner.read(chosen[0])
        except (zipfile.BadZipFile, OSError):
            pass
        result.lines.append(f"{info.filename}: an uploaded zip without one {notebook}; skipped")
        return None
    result.lines.append(f"{info.filename}: not a notebook; skipped")
    return None


def _choose(found: list[_Found], notebook: str, result: Download) -> _Found:
    """The notebook that counts: the released name's latest resubmission, else the latest."""
    named = [f for f in found if PurePosixPath(f.name.original_name).name == notebook]
    pool = named or found
    chosen = max(pool, key=lambda f: (f.name.resubmission, f.member))
    if len(found) > 1:
        others = ", ".join(f.name.file_name for f in found if f is not chosen)
        result.lines.append(
            f"{chosen.name.who}: several notebooks; {chosen.name.file_name} collected, not {others}"
        )
    return chosen


def _identify(
    found: _Found, roster: Roster, result: Download
) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The student ID to file a notebook under, and the problems to grade it with."""
    name = found.name
    typed = typed_student_id(found.data)
    member: Member | None = None
    if name.anonymous:
        member = roster.by_student(typed) if typed else None
    else:
        member = roster.by_lms_id(name.lms_id)
        if member is None and not any(m.lms_id for m in roster.members):
            same = roster.by_name(name.name)
            member = same[0] if len(same) == 1 else None
            if len(same) > 1:
                ids = [m.student_id for m in same]
                member = next((m for m in same if m.student_id == typed), None)
                result.lines.append(
                    f"{name.who}: the roster has {len(same)} students of this name "
                    f"({', '.join(ids)})"
                    + (f"; the one the notebook types, {typed}, taken" if member else "")
                )
    if member is not None:
        if typed is not None and typed.strip() != member.student_id:
            result.lines.append(
                f"{name.who}: the notebook types STUDENT_ID = {typed!r}, the roster says "
                f"{member.student_id!r}: filed and graded as {member.student_id}, flagged"
            )
        return member.student_id, ()
    if typed and STUDENT_ID_PATTERN.match(typed.strip()):
        sentence = (
            f"{name.who} is not in the roster: filed under the STUDENT_ID its notebook "
            f"types, {typed.strip()}; check it"
        )
        result.lines.append(sentence)
        return typed.strip(), (("not-in-roster", sentence),)
    result.lines.append(
        f"{name.who} ({found.member}) is not in the roster and its notebook types no valid "
        "STUDENT_ID: not collected"
    )
    return None, ()


def typed_student_id(data: bytes) -> str | None:
    """The ``STUDENT_ID = "…"`` a notebook's code sets (None if none can be read)."""
    try:
        cells = json.loads(data.decode("utf-8-sig")).get("cells", [])
    except (ValueError, UnicodeDecodeError, AttributeError):
        return None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if STUDENT_ID_NAME not in str(source):
            continue
        try:
            tree = ast.parse(str(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == STUDENT_ID_NAME for t in node.targets)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                return node.value.value
    return None


def _write(course: Course, student: str, notebook: str, data: bytes) -> None:
    """The notebook as the student's only file in ``submitted/<student>/<assignment>/``."""
    target = course.submitted(student)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / notebook).write_bytes(data)


def _entry(student: str, name: DownloadName, flags: tuple[tuple[str, str], ...]) -> Collected:
    late: tuple[tuple[str, str], ...] = ()
    if name.late:
        late = (("late", f"{PLATFORM_NAMES[name.platform]} marks this submission late"),)
    return Collected(
        student=student,
        platform=name.platform,
        lms_id=name.lms_id,
        name=name.name,
        prefix=name.prefix,
        file_name=name.file_name,
        attachment_id=name.attachment_id,
        late=name.late,
        anonymous=name.anonymous,
        flags=(*late, *flags),
    )


def check_submitted(course: Course, roster: Roster) -> list[str]:
    """Without a download: the submission folders the roster lacks and the roster's
    students with none, a line each; the roster is kept for ``export``."""
    students, _ = course.submitters()
    lines = [f"roster: {line}" for line in roster.problems]
    known = {member.student_id for member in roster.members}
    lines += [f"{s}: a submission, but not in the roster" for s in students if s not in known]
    lines += [
        f"no submission from {member.name or member.student_id} ({member.student_id})"
        for member in roster.members
        if member.student_id not in students
    ]
    keep_roster(course, roster.source)
    return lines
