"""A student who signals its own process group and leaves processes behind, graded by the
real ``python -m grader grade --jobs 1`` just before another student in the same worker.

The host's process table is watched from outside while the command runs: no process
the first student started may be alive while the second student's job runs, and the
second student hears nothing on the first one's abstract Unix sockets and earns
every point.
"""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from tests.conftest import Course
from tests.grader.sandbox.test_faults import host_processes_with
from tests.grader.sandbox.test_job_end import LEAVE, LINGER, LISTEN

from .builders import filled, insert_after, write
from .run_command import grade_rows, run_grade
from .submissions import Case

pytestmark = pytest.mark.slow

LATER = (
    LISTEN
    + """
import os, sys
os.waitpid(os.posix_spawn(sys.executable, [sys.executable, "-c",
           "import time; time.sleep(1.5)", {witness!r}], {{}}), 0)  # seen from outside
print(heard)
"""
)
"""The second student's extra cell: listens, and runs a witness process for 1.5 s."""


class Watch:
    """Samples the host's processes until stopped: when the witness ran, who else did."""

    def __init__(self, mark: str, witness: str) -> None:
        self.mark, self.witness = mark, witness
        self.seen_witness = 0
        self.seen_mark = 0
        self.overlaps: list[list[int]] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self) -> None:
        while not self.done.wait(0.02):
            witness = host_processes_with(self.witness)
            left = host_processes_with(self.mark)
            self.seen_witness += bool(witness)
            self.seen_mark += bool(left)
            if witness and left:
                self.overlaps.append(left)

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def test_a_student_who_outlives_their_job_leaves_nothing_for_the_next(
    released_course: Course, tmp_path: Path
) -> None:
    root = tmp_path / "course"
    shutil.copytree(released_course.root, root)
    course = Course(root)
    release = json.loads(nbformat.writes(course.notebook("release")))
    mark = f"hw4-linger-{uuid.uuid4().hex[:12]}"
    witness = f"hw4-witness-{uuid.uuid4().hex[:12]}"
    first, later = "a-lingers", "b-listens"
    leave = LEAVE.format(program=LINGER, mark=mark, busy="idle")  # no CPU stolen
    write(root, first, insert_after(filled(release, first), "variant", leave))
    listen = LATER.format(mark=mark, witness=witness)
    write(root, later, insert_after(filled(release, later), "variant", listen))

    watch = Watch(mark, witness)
    try:
        result = run_grade(root, "--jobs", "1")
    finally:
        watch.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    assert watch.seen_mark and watch.seen_witness  # both ran, while being watched
    assert watch.overlaps == []  # nothing of the first student ran beside the second
    assert host_processes_with(mark) == []

    rows = grade_rows(root)
    full = sum(Case(later, make=lambda *_: None).expected.values())
    for student in (first, later):
        assert rows[student]["status"] == "ok"
        assert float(rows[student]["score"]) == full
    graded = nbformat.read(root / "autograded" / later / "hw4" / "hw4.ipynb", as_version=4)
    (cell,) = [c for c in graded.cells if witness in c.source]
    printed = "".join(output.get("text", "") for output in cell.outputs)
    assert printed == "['ConnectionRefusedError', 'ConnectionRefusedError']\n"
