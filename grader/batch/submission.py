"""Find the submissions of an assignment and the notebook inside each."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from grader.batch.problems import Problem

STUDENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class Submission:
    """One student's submitted assignment folder."""

    student: str
    folder: Path

    def notebook(self, expected_name: str) -> tuple[Path | None, list[Problem]]:
        """The submitted notebook: ``expected_name``, else the only notebook there is."""
        expected = self.folder / expected_name
        if expected.is_file():
            return expected, []
        found = sorted(p for p in self.folder.glob("*.ipynb") if p.is_file())
        if len(found) == 1:
            message = f"notebook found as {found[0].name}, not {expected_name}; graded anyway"
            return found[0], [Problem("notebook-renamed", message)]
        if not found:
            return None, [Problem("notebook-missing", f"no {expected_name} in the submission")]
        names = ", ".join(p.name for p in found)
        message = f"no {expected_name} but several notebooks ({names}); none graded"
        return None, [Problem("notebook-missing", message)]

    def digest(self, expected_name: str) -> str:
        """A fingerprint of the submitted notebook(s): a rerun regrades only what changed."""
        sha = hashlib.sha256()
        for path in sorted(self.folder.glob("*.ipynb")):
            if path.is_file():
                sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        sha.update(expected_name.encode())
        return sha.hexdigest()

    def timestamp(self) -> str | None:
        """nbgrader's ``timestamp.txt``, if the submission has one."""
        path = self.folder / "timestamp.txt"
        try:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
        return text or None


def find_submissions(submitted: Path, assignment: str) -> tuple[list[Submission], list[str]]:
    """All ``submitted/<student>/<assignment>/`` folders, sorted, and the names refused."""
    submissions: list[Submission] = []
    refused: list[str] = []
    if not submitted.is_dir():
        return submissions, refused
    for student_dir in sorted(submitted.iterdir()):
        folder = student_dir / assignment
        if not folder.is_dir():
            continue
        if STUDENT_ID_PATTERN.match(student_dir.name):
            submissions.append(Submission(student_dir.name, folder))
        else:
            refused.append(student_dir.name)
    return submissions, refused
