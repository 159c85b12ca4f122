"""Time per submission of ``grader.sandbox.run_cells``, with and without bubblewrap.

Runs the code cells a student's hw4 notebook runs (the assignment's source
notebook without its test cells, solutions filled in, plots included) and a
numpy-only variant, one at a time and then ``--jobs`` at a time, and prints
wall-clock seconds per submission. Run::

    .venv/bin/python benchmarks/bench_sandbox.py [--runs 20] [--jobs 2]

``--pool`` times instead one job after another in a warm worker
(:class:`grader.sandbox.SandboxPool`, as ``grader grade`` runs them): the whole job,
and its part outside the cells (forking, confining and ending the job). To compare two
versions of the sandbox side by side, run it alternately with each checkout first on
``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext

from grader.judgment.rubric import ANSWER_NAMES, STUDENT_ID_NAME
from grader.sandbox import SandboxPool, SandboxResult, run_cells

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source" / "hw4" / "hw4.md"
NAMES = [STUDENT_ID_NAME, *ANSWER_NAMES]
SKIPPED = ("test_", "selfcheck")
CPU_NAME = "bench_cpu_seconds"
CPU_CELL = f"""
import resource as _resource
_usage = _resource.getrusage(_resource.RUSAGE_SELF)
{CPU_NAME} = _usage.ru_utime + _usage.ru_stime
"""


def notebook_cells() -> list[str]:
    """The code cells of the assignment that a submission runs (no test cells)."""
    notebook = jupytext.read(SOURCE)
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code"
        and not cell.metadata.get("nbgrader", {}).get("grade_id", "").startswith(SKIPPED)
    ]


def shipped_variant() -> str:
    """``hw4_variant.py`` as ``make release`` ships it: with ``solutions/data.py`` copied in."""
    path = ROOT / "assignments" / "prepare_source.py"
    spec = importlib.util.spec_from_file_location("prepare_source", path)
    assert spec is not None and spec.loader is not None
    prepare_source = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare_source)
    variant = (ROOT / "solutions" / "variant.py").read_text(encoding="utf-8")
    data = (ROOT / "solutions" / "data.py").read_text(encoding="utf-8")
    return str(prepare_source.standalone_variant(variant, data))


def without_plots(cells: list[str]) -> list[str]:
    """The same answers without matplotlib: the floor of a Python start plus numpy."""
    return ["import numpy as np"] + [cell for cell in cells if "plt" not in cell]


def timed(
    run: Callable[[], SandboxResult],
    overheads: list[float] | None = None,
    cpu: list[float] | None = None,
) -> float:
    """Wall-clock seconds of one run; ``overheads`` gets the time spent outside the cells,
    ``cpu`` the CPU seconds of the sandboxed Python (read by its last cell)."""
    start = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(float(result.values()[CPU_NAME]))  # type: ignore[arg-type]
    if not result.completed or any(cell.status != "ok" for cell in result.cells):
        failed = [
            (cell.index, cell.status, cell.detail or cell.error_name) for cell in result.cells
        ]
        sys.exit(f"a benchmark run did not complete: {result.problem} {failed}")
    if overheads is not None:
        overheads.append(elapsed - sum(cell.seconds for cell in result.cells))
    return elapsed


def warm_pool(notebooks: dict[str, list[str]], files: dict[str, str], runs: int) -> None:
    """Seconds per job in one warm worker, one job after another."""
    print(f"{runs} jobs each in one warm worker; seconds per job (grader: {grader_path()})")
    header = ["median", "mean", "min", "start"]
    print(f"{'notebook':<24} {'mode':<8}" + "".join(f"{word:>8}" for word in header))
    for label, cells in notebooks.items():
        for unsafe in (False, True):
            with SandboxPool(workers=1, unsafe=unsafe) as pool:

                def run(cells: list[str] = cells, pool: SandboxPool = pool) -> SandboxResult:
                    return pool.run_cells([*cells, CPU_CELL], names=[*NAMES, CPU_NAME], files=files)

                timed(run)  # the worker is up and its caches warm
                overheads: list[float] = []
                times = [timed(run, overheads) for _ in range(runs)]
            mode = "unsafe" if unsafe else "sandbox"
            figures = [
                statistics.median(times),
                statistics.mean(times),
                min(times),
                statistics.median(overheads),
            ]
            print(f"{label:<24} {mode:<8}" + "".join(f"{value:8.3f}" for value in figures))
    print("start: median time outside the cells (forking, confining and ending the job)")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


def grader_path() -> str:
    """Where the measured ``grader`` package comes from."""
    return str(Path(sys.modules[SandboxPool.__module__].__file__ or "?").parents[2])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="submissions per measurement")
    parser.add_argument(
        "--jobs", type=int, default=2, help="parallel runs in the batch measurement"
    )
    parser.add_argument("--pool", action="store_true", help="time jobs in a warm worker instead")
    args = parser.parse_args()
    files = {"hw4_variant.py": shipped_variant()}
    full = notebook_cells()
    notebooks = {"typical (with plots)": full, "numpy only (no pyplot)": without_plots(full)}
    if args.pool:
        warm_pool(notebooks, files, args.runs)
        return 0
    print(f"{args.runs} runs each; seconds of wall-clock time per submission")
    header = ["median", "mean", "min", "start", "cpu", "batch"]
    print(f"{'notebook':<24} {'mode':<8}" + "".join(f"{word:>8}" for word in header))
    for label, cells in notebooks.items():
        for unsafe in (False, True):

            def run(cells: list[str] = cells, unsafe: bool = unsafe) -> SandboxResult:
                return run_cells(
                    [*cells, CPU_CELL], names=[*NAMES, CPU_NAME], files=files, unsafe=unsafe
                )

            timed(run)  # warm caches (font cache, page cache)
            overheads: list[float] = []
            cpu: list[float] = []
            times = [timed(run, overheads, cpu) for _ in range(args.runs)]
            start = time.perf_counter()
            with ThreadPoolExecutor(args.jobs) as pool:
                list(pool.map(lambda _: timed(run), range(args.runs)))
            batch = (time.perf_counter() - start) / args.runs
            mode = "unsafe" if unsafe else "sandbox"
            figures = [
                statistics.median(times),
                statistics.mean(times),
                min(times),
                statistics.median(overheads),
                statistics.median(cpu),
                batch,
            ]
            print(f"{label:<24} {mode:<8}" + "".join(f"{value:8.3f}" for value in figures))
    print("start: median time outside the cells (Python start, sandbox set-up and teardown)")
    print("cpu: median CPU seconds (user + system) of the sandboxed Python; on N free cores")
    print("     a batch needs about cpu / N seconds per submission, whatever the load")
    print(f"batch: wall-clock time of {args.runs} runs, {args.jobs} at a time, per run")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
