"""Grading on a real Dask cluster: a ``dask scheduler`` and ``dask worker`` processes on
127.0.0.1, started from the venv, and the real ``python -m grader grade --dask`` command.

What counts is a local run of the same batch: the cluster's ``grades.csv`` and every
student's grading record must be the same, byte for byte, with hostile submissions in the
batch and with a worker killed in the middle of it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import nbformat
import pytest
from dask.utils import key_split

from grader.course.cli import make_limits
from grader.course.dask_runner import ClusterError, DaskRunCells
from grader.judgment.misconceptions import MISCONCEPTIONS
from tests.conftest import Course

from .builders import Notebook, filled, insert_after, solved_notebook, write
from .dask_cluster import Cluster, project_copy
from .exchange import WITHOUT_RELU, make_students, run_serve
from .run_command import environment, grade_command, run_grade
from .submissions import CASES, Case

pytestmark = pytest.mark.slow

HOSTILE = ("infinite-loop", "fork-bomb", "monkeypatch", "id-mismatch", "correct-code")


def _slow(course: Path, release: Notebook, solved: Notebook, env: dict[str, str]) -> None:
    """Right answers, after a cell that takes two seconds."""
    del solved
    notebook = filled(release, env["student"])
    write(course, env["student"], insert_after(notebook, "variant", "import time\ntime.sleep(2)"))


BATCH = (
    *(case for case in CASES if case.student in HOSTILE),
    *(Case(f"slow-{n}", _slow) for n in range(4)),
)
"""Hostile and broken submissions, and slow right ones: every worker is kept busy for a
while (a worker is killed while it runs one)."""
LIMITS = make_limits(6, 40, 768)
"""The limits of the grade commands here (run_command.TEST_LIMITS): their warm pools."""
WITHOUT_BWRAP = ("unshare", "--user", "--map-root-user", "--mount", "sh", "-c")
HIDE_BWRAP = 'mount --bind /dev/null /usr/bin/bwrap && exec "$@"'
FORGE = """
import json

from grader.course import dask_worker

if not hasattr(dask_worker, "honest_run_cells"):  # a preload may be imported twice
    dask_worker.honest_run_cells = dask_worker.run_cells


def run_cells(name, cells, names, files):
    data = json.loads(dask_worker.honest_run_cells(name, cells, names, files))
    data["result"]["verdict"] = {"score": 11, "max_score": 11}
    return json.dumps(data)


dask_worker.run_cells = run_cells
"""
TAMPER = """
_encode_honestly = encode_result


def encode_result(result):  # another version: every answer it returns is 0
    data = _encode_honestly(result)
    for answer in data["answers"]:
        if answer[1] == "ok":
            answer[2] = 0
    return data
"""


@dataclass(frozen=True)
class Setup:
    """The running cluster, the batch (not graded) and what a local run made of it."""

    cluster: Cluster
    batch: Path
    local: dict[str, str]


def outcome(course: Path) -> dict[str, str]:
    """``grades.csv`` and each student's grading record, as text."""
    found = {"grades.csv": (course / "grades.csv").read_text()}
    for case in BATCH:
        record = course / "reports" / "hw4" / case.student / "record.json"
        found[case.student] = record.read_text()
    return found


def copy_of(batch: Path, target: Path) -> Path:
    shutil.copytree(batch, target)
    return target


def start_unfit_workers(cluster: Cluster, copy: Path) -> None:
    """Two workers that must be refused: one runs a copy of the project that sets every
    answer it returns to 0, one runs on a host without bubblewrap."""
    other = project_copy(copy)
    with open(other / "grader" / "course" / "dask_worker.py", "a") as module:
        module.write(TAMPER)
    cluster.start_worker("other-version", env={**environment(), "PYTHONPATH": str(other)})
    cluster.start_worker("no-bwrap", prefix=(*WITHOUT_BWRAP, HIDE_BWRAP, "sh"))


@pytest.fixture(scope="module")
def setup(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A scheduler and two workers start while the batch is graded locally."""
    base = tmp_path_factory.mktemp("dask")
    cluster = Cluster(base / "cluster")
    cluster.start_scheduler()
    batch = base / "batch"
    shutil.copytree(released_course.root, batch)
    release = json.loads(nbformat.writes(released_course.notebook("release")))
    solved = solved_notebook(
        released_course.notebook("release"), released_course.notebook("source")
    )
    for case in BATCH:
        case.make(batch, release, solved, {"student": case.student})
    local = copy_of(batch, base / "local")
    try:
        with open(base / "local.log", "w") as log:
            grading = subprocess.Popen(
                grade_command(local, "--jobs", "2"),
                cwd=local,
                env=environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            cluster.connect()
            cluster.start_worker("good-1")
            cluster.start_worker("good-2")
            start_unfit_workers(cluster, base / "other-version")
            assert grading.wait(timeout=600) == 0, (base / "local.log").read_text()[-3000:]
        cluster.wait_for("good-1", "good-2", "other-version", "no-bwrap")
        yield Setup(cluster, batch, outcome(local))
    finally:
        cluster.close()


def test_the_cluster_grades_as_a_local_run_does_though_a_worker_is_killed(
    setup: Setup, tmp_path: Path
) -> None:
    cluster = setup.cluster
    cluster.start_worker("victim")
    victim = cluster.wait_for("victim")["victim"]
    course = copy_of(setup.batch, tmp_path / "course")
    grading = subprocess.Popen(
        grade_command(course, "--dask", cluster.address),
        cwd=course,
        env=environment(),
        stderr=subprocess.PIPE,
        text=True,
    )
    assert grading.stderr is not None
    lines: list[str] = []

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.append(line)

    reader = threading.Thread(target=read, args=(grading.stderr,), daemon=True)
    reader.start()
    # the first student is saved: the batch is under way; then the victim is running one
    client = cluster.connect()
    while not (
        any(line.startswith("[1/") for line in lines)
        and any(key_split(k) == "run_cells" for k in client.processing([victim])[victim])
    ):
        assert grading.poll() is None, "no notebook ran on the victim:\n" + "".join(lines)
        time.sleep(0.05)
    cluster.kill("victim")
    assert grading.wait(timeout=600) == 0, "".join(lines)[-3000:]
    reader.join()
    assert any("grading on 3 Dask worker(s)" in line for line in lines)
    for unfit in ("other-version", "no-bwrap"):
        address = cluster.wait_for(unfit)[unfit]
        assert any(f"refused Dask worker {address}: " in line for line in lines)
    assert outcome(course) == setup.local  # byte for byte, hostile submissions included


def test_workers_of_another_version_or_without_bubblewrap_are_refused(setup: Setup) -> None:
    workers = setup.cluster.wait_for("good-1", "good-2", "other-version", "no-bwrap")
    logged: list[str] = []
    with DaskRunCells(setup.cluster.address, LIMITS, log=logged.append) as run:
        refused = {workers["other-version"], workers["no-bwrap"]}
        assert set(run.refused) == refused
        assert {workers["good-1"], workers["good-2"]} <= set(run.workers())
        assert "bubblewrap is not installed" in run.refused[workers["no-bwrap"]]
        assert (
            "another version of the project: the project's sources differ"
            in (run.refused[workers["other-version"]])
        )
        for address in refused:
            assert [line for line in logged if address in line]
        with ThreadPoolExecutor(4) as threads:
            results = list(
                threads.map(lambda n: run([f"x = {n} * 7"], names=["x"], files={}), range(8))
            )
    assert [result.values() for result in results] == [{"x": n * 7} for n in range(8)]


def test_a_cluster_without_a_fit_worker_grades_nobody_and_forged_results_count_for_nothing(
    tmp_path: Path,
) -> None:
    cluster = Cluster(tmp_path / "cluster")
    cluster.start_scheduler()
    try:
        cluster.connect()
        cluster.start_worker("no-bwrap", prefix=(*WITHOUT_BWRAP, HIDE_BWRAP, "sh"))
        address = cluster.wait_for("no-bwrap")["no-bwrap"]
        with pytest.raises(ClusterError, match=f"no Dask worker .* can grade .*{address}.*"):
            DaskRunCells(cluster.address, LIMITS, log=lambda line: None)
        # the same files, but a preload replaces the task: it adds a verdict of its own
        forge = tmp_path / "forge.py"
        forge.write_text(FORGE)
        cluster.start_worker("forger", extra=("--preload", str(forge)))
        forger = cluster.wait_for("forger")["forger"]
        with DaskRunCells(cluster.address, LIMITS, log=lambda line: None) as run:
            assert run.workers() == [forger]
            result = run(["x = 6 * 7"], names=["x"], files={})
        assert result.values() == {}
        assert f"Dask worker {forger} sent a malformed result" in result.problem
        assert "unexpected keys" in result.problem
    finally:
        cluster.close()


def test_the_cluster_is_never_used_without_the_sandbox(
    released_course: Course, tmp_path: Path
) -> None:
    course = copy_of(released_course.root, tmp_path / "course")
    result = run_grade(course, "--dask", "tcp://127.0.0.1:9", "--unsafe-no-sandbox")
    assert result.returncode == 2
    assert "--unsafe-no-sandbox cannot be used with it" in result.stderr
    assert not (course / "grades.csv").exists()


def test_the_service_grades_on_the_cluster(setup: Setup, tmp_path: Path) -> None:
    course = Course(copy_of(setup.batch, tmp_path / "course"))
    course.run("release_assignment", "hw4")
    wrong, right = make_students(course, tmp_path, ["served-wrong", "served-right"])
    wrong.submit(WITHOUT_RELU)
    right.submit()
    served = run_serve(course, "--once", "--dask", setup.cluster.address)
    assert served.returncode == 0, served.stderr[-3000:]
    lines = served.stderr.splitlines()
    assert "score 11/11 status ok" in next(
        line for line in lines if " graded served-right " in line
    )
    for unfit in ("other-version", "no-bwrap"):  # never given a student's run
        assert f"refused Dask worker {setup.cluster.wait_for(unfit)[unfit]}: " in served.stderr
    no_relu = next(m for m in MISCONCEPTIONS if m.tag == "no_relu")
    (page,) = wrong.released_pages()
    assert no_relu.sentence in page.read_text(encoding="utf-8")
