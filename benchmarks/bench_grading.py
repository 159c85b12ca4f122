"""Benchmark: ``python -m grader grade`` (sandboxed) against ``nbgrader autograde``.

Builds 40 submissions of hw4 (correct code, correct numbers typed in, wrong answers,
blank notebooks; several student IDs) in a temporary course directory, grades the
same batch with both commands on this machine, and prints each one's throughput
(submissions per second) and peak memory (largest resident set of any process it
started), then, on its last line, ``ratio: <ours / nbgrader's>``.

The command grades with its default sandbox, a pool of ``--jobs`` warm workers
(:class:`grader.sandbox.SandboxPool`). ``--breakdown`` also times the parts of
one submission's run, one-shot and in a warm worker.

With ``--dask``, it compares instead the local pool with Dask on this machine: one
``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1 (``--jobs`` threads
between them), the same 40 submissions graded by ``grader grade`` and by ``grader grade
--dask``: once while the workers' pools start, then three times each, taking turns (each
local run starts its own sandboxes, as the command does; the workers keep theirs warm);
its last line is ``overhead ratio (dask / local): <median seconds with Dask / median
seconds with the local pool>``.

Its first line says who ran it (root or a normal user). ``--submissions 2000`` also
times our command alone on 40, 400 and 2000 submissions, in milliseconds per
submission, to show that its cost does not grow per student.

Usage: ``.venv/bin/python benchmarks/bench_grading.py [--submissions N] [--jobs N] [--breakdown]
[--dask]``
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

import solutions
from grader.judgment.rubric import ANSWER_CELLS
from solutions.variant import make_variant

REPOSITORY = Path(__file__).resolve().parents[1]
COMPARED = 40
"""How many submissions both commands grade, side by side."""
BIN = Path(sys.executable).parent
MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "quiet = {'stdout': subprocess.DEVNULL, 'stderr': subprocess.DEVNULL}\n"
    "code = subprocess.run(sys.argv[1:], **quiet).returncode\n"
    "seconds = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(code, seconds, peak)\n"
)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def build_course(root: Path) -> None:
    """A course root with hw4 released (as ``make release`` does it)."""
    root.mkdir(parents=True)
    shutil.copyfile(REPOSITORY / "assignments" / "nbgrader_config.py", root / "nbgrader_config.py")
    subprocess.run(
        [sys.executable, str(REPOSITORY / "assignments" / "prepare_source.py"), str(root)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [str(BIN / "nbgrader"), "generate_assignment", "hw4", "--force"],
        cwd=root,
        env=environment(),
        check=True,
        capture_output=True,
    )


def typed_answers(student: str, wrong: bool) -> dict[str, str]:
    """Answer cells with numbers typed in (from ``solutions``; a few off when ``wrong``)."""
    v = make_variant(student)
    right = solutions.answers(v.theta, v.X, v.y, v.eta)
    if wrong:
        right["grad_per_sample"] = right["grad_per_sample"][:, ::-1]
        right["theta_new"] = v.theta + v.eta * right["grad"]
    values = {name: np.asarray(value).tolist() for name, value in right.items()}

    def literal(value: Any) -> str:
        return f"np.array({value!r})" if isinstance(value, list) else repr(value)

    return {
        cell: "\n".join(f"{name} = {literal(values[name])}" for name in names)
        for cell, names in ANSWER_CELLS.items()
    }


def write_submissions(root: Path, count: int, prefix: str = "student") -> None:
    """``count`` submissions (of ``<prefix>00``...): solved, typed-in, wrong and blank notebooks."""
    release = nbformat.read(root / "release" / "hw4" / "hw4.ipynb", as_version=4)
    source = nbformat.read(root / "source" / "hw4" / "hw4.ipynb", as_version=4)
    solution = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }
    for number in range(count):
        student = f"{prefix}{number:02d}"
        kind = ("solved", "typed", "wrong", "solved", "blank")[number % 5]
        notebook = nbformat.from_dict(json.loads(nbformat.writes(release)))
        sources = {"student_id": f"STUDENT_ID = {student!r}"}
        if kind == "solved":
            sources |= solution
        elif kind in ("typed", "wrong"):
            sources |= typed_answers(student, wrong=kind == "wrong")
        for cell in notebook.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in sources:
                cell.source = sources[gid]
        folder = root / "submitted" / student / "hw4"
        shutil.copytree(root / "release" / "hw4", folder)
        nbformat.write(notebook, folder / "hw4.ipynb")


def measure(command: list[str], cwd: Path) -> tuple[int, float, int]:
    """Exit code, wall-clock seconds and peak resident set (KiB) of ``command``."""
    output = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(output[0]), float(output[1]), int(output[2])


def sandbox_breakdown(root: Path, repeats: int = 3) -> None:
    """Where one submission's sandboxed run spends its time (median of ``repeats``)."""
    from grader.sandbox import SandboxPool, run_cells

    release = nbformat.read(root / "release" / "hw4" / "hw4.ipynb", as_version=4)
    solved = nbformat.read(root / "submitted" / "student00" / "hw4" / "hw4.ipynb", as_version=4)
    figure = next(c.source for c in release.cells if c.cell_type == "code")
    code = [
        c.source
        for c in solved.cells
        if c.cell_type == "code" and not c.metadata.get("nbgrader", {}).get("grade")
    ]
    files = {
        p.name: p.read_text() for p in (root / "release" / "hw4").iterdir() if p.suffix == ".py"
    }
    names = ["y_hat", "loss", "grad_per_sample", "grad", "theta_new", "loss_new"]
    cases = {
        "empty cell (bwrap + Python start)": (["pass"], False),
        "empty cell, no sandbox": (["pass"], True),
        "import numpy": (["import numpy"], False),
        "import matplotlib.pyplot": (["import matplotlib.pyplot"], False),
        "the notebook's figure cell": ([figure], False),
        "a whole solved notebook": (code, False),
    }
    print("sandboxed run of one submission (median wall-clock seconds):")
    for label, (cells, unsafe) in cases.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run_cells(cells, names=names, files=files, unsafe=unsafe)
            times.append(time.perf_counter() - start)
        print(f"  {label:<44} {sorted(times)[len(times) // 2]:.3f}")
    with SandboxPool(workers=1) as pool:
        start = time.perf_counter()
        pool.run_cells(["pass"], names=[])
        print(f"  {'warm worker: start + first job':<44} {time.perf_counter() - start:.3f}")
        for label in ("empty cell", "the notebook's figure cell", "a whole solved notebook"):
            cells = {"empty cell": ["pass"], "the notebook's figure cell": [figure]}.get(
                label, code
            )
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                pool.run_cells(cells, names=names, files=files)
                times.append(time.perf_counter() - start)
            print(f"  {'warm worker: ' + label:<44} {sorted(times)[len(times) // 2]:.3f}")


def mode() -> str:
    """Who runs the benchmark: root, or a normal user (as instructors do)."""
    if os.geteuid() == 0:
        return "root"
    return f"normal user ({pwd.getpwuid(os.geteuid()).pw_name})"


def grade_command(jobs: int) -> list[str]:
    return [sys.executable, "-m", "grader", "grade", "hw4", "--jobs", str(jobs)]


def scaling(sizes: list[int], jobs: int, temporary: Path) -> None:
    """Seconds per submission of our command alone, for each batch size, and how much the
    cost per submission of the largest batch is that of the one before it."""
    per_submission: list[float] = []
    for n in sizes:
        root = temporary / f"scale-{n}"
        build_course(root)
        write_submissions(root, n)
        code, seconds, peak = measure(grade_command(jobs), root)
        per_submission.append(seconds / n)
        print(
            f"grader grade, {n} submissions: {seconds:.1f} s, "
            f"{seconds / n * 1000:.1f} ms per submission, peak {peak / 1024:.0f} MiB (exit {code})"
        )
        shutil.rmtree(root)
    if len(sizes) > 1:
        growth = per_submission[-1] / per_submission[-2]
        print(f"cost per submission, {sizes[-1]} against {sizes[-2]}: {growth:.2f}x")


def start_cluster(folder: Path, threads: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """A scheduler and two workers (``threads`` between them) on 127.0.0.1; its address."""
    from distributed import Client

    scheduler_file = folder / "scheduler.json"
    dask = str(BIN / "dask")
    common = ["--host", "127.0.0.1", "--no-dashboard", "--scheduler-file", str(scheduler_file)]

    def start(*command: str) -> subprocess.Popen[bytes]:
        quiet = subprocess.DEVNULL
        return subprocess.Popen([dask, *command], stdout=quiet, stderr=quiet, env=environment())

    folder.mkdir(parents=True, exist_ok=True)
    processes = [start("scheduler", "--port", "0", *common)]
    while not scheduler_file.is_file():
        if processes[0].poll() is not None:
            raise RuntimeError(f"dask scheduler exited with {processes[0].returncode}")
        time.sleep(0.1)
    for number in range(2):
        share = str(max(1, (threads + 1 - number) // 2))
        scratch = str(folder / f"worker-{number}")
        options = ["--nthreads", share, "--memory-limit", "0", "--local-directory", scratch]
        processes.append(start("worker", *common, *options))
    address = str(json.loads(scheduler_file.read_text())["address"])
    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=300)
    return address, processes


def compare_with_dask(root: Path, jobs: int, temporary: Path, repeats: int = 3) -> None:
    """The same batch graded by the local pool and on two local Dask workers: once on the
    workers as they start, then ``repeats`` times each, taking turns (the median counts)."""
    address, processes = start_cluster(temporary / "cluster", jobs)
    try:
        n = COMPARED
        on_cluster = temporary / "dask"
        shutil.copytree(root, on_cluster)
        local_command = [*grade_command(jobs), "--force"]
        dask_command = [*local_command, "--dask", address]
        code, cold, _ = measure(dask_command, on_cluster)
        print(f"grader grade --dask, the workers' pools starting: {cold:.1f} s (exit {code})")
        times: dict[str, list[float]] = {"local": [], "dask": []}
        for _ in range(repeats):
            for mode, command, folder in (
                ("local", local_command, root),
                ("dask", dask_command, on_cluster),
            ):
                code, seconds, _ = measure(command, folder)
                times[mode].append(seconds)
                print(f"  {mode}: {seconds:.1f} s (exit {code})")
        local, dask = (sorted(times[mode])[repeats // 2] for mode in ("local", "dask"))
        print(f"grader grade, local pool (median): {local:.1f} s, {n / local:.2f} submissions/s")
        print(
            f"grader grade --dask, 2 workers (median): {dask:.1f} s, {n / dask:.2f} submissions/s"
        )
        print(f"overhead ratio (dask / local): {dask / local:.2f}")
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--submissions",
        type=int,
        default=40,
        help="more than 40: also time our command alone on 40, 400, ... up to this many",
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--breakdown", action="store_true", help="also time the parts of one sandboxed run"
    )
    parser.add_argument(
        "--dask",
        action="store_true",
        help="compare the local pool with Dask (a scheduler and two workers on 127.0.0.1)",
    )
    args = parser.parse_args()
    print(f"mode: {mode()}, {os.cpu_count()} cores, --jobs {args.jobs}")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as temporary:
        if args.submissions > COMPARED:
            sizes = [n for n in (COMPARED, 400, 2000) if n < args.submissions]
            scaling([*sizes, args.submissions], args.jobs, Path(temporary))
        ours_root = Path(temporary) / "ours"
        build_course(ours_root)
        write_submissions(ours_root, COMPARED)
        if args.dask:
            print(f"local pool against Dask on this machine, {COMPARED} submissions:")
            compare_with_dask(ours_root, args.jobs, Path(temporary))
            return 0
        theirs_root = Path(temporary) / "nbgrader"
        shutil.copytree(ours_root, theirs_root)
        n = COMPARED
        print(f"side by side, {n} submissions:")
        code, theirs, theirs_peak = measure(
            [str(BIN / "nbgrader"), "autograde", "hw4", "--create"], theirs_root
        )
        print(
            f"nbgrader autograde: {theirs:.1f} s, {n / theirs:.2f} submissions/s, "
            f"peak {theirs_peak / 1024:.0f} MiB (exit {code})"
        )
        code, ours, ours_peak = measure(grade_command(args.jobs), ours_root)
        print(
            f"grader grade (sandbox on): {ours:.1f} s, {n / ours:.2f} submissions/s, "
            f"peak {ours_peak / 1024:.0f} MiB (exit {code})"
        )
        if args.breakdown:
            sandbox_breakdown(ours_root)
        print(f"ratio: {theirs / ours:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
