"""Cells that loop, exhaust memory, fork, flood, exit or die: each ends as expected.

Every run keeps what finished before the fault, and the parent is never hurt.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from grader.sandbox import Limits
from tests.grader.sandbox.conftest import Runner, fork_bomb_cell

QUICK = "x = 1\n"
AFTER = "after = 2\n"


def host_processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_an_infinite_loop_is_interrupted_and_the_notebook_goes_on(
    limits: Limits, sandbox: Runner
) -> None:
    limits = replace(limits, cell_seconds=1.0)
    loop = "y = 0\nwhile True:\n    try:\n        y += 1\n    except Exception:\n        pass\n"
    result = sandbox([QUICK, loop, AFTER], names=["x", "y", "after"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "timeout", "ok"]
    assert result.cells[1].error_name == "CellTimeoutError"
    assert "cell time limit (1 s) exceeded" in result.cells[1].detail
    assert "<cell 2>" in result.cells[1].traceback
    values = result.values()
    assert values["x"] == 1 and values["after"] == 2 and values["y"] > 0  # type: ignore[operator]
    assert result.problem == "" and result.completed


def test_a_cell_that_cannot_be_interrupted_is_killed_after_the_grace_period(
    limits: Limits, sandbox: Runner
) -> None:
    limits = replace(limits, cell_seconds=1.0, grace_seconds=0.5)
    blocked = "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGALRM])\n"
    loop = blocked + "while True:\n    pass\n"
    result = sandbox([QUICK, loop, AFTER], names=["x", "after"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "timeout", "skipped"]
    assert "did not stop when interrupted" in result.cells[1].detail
    assert result.values() == {"x": 1}
    assert not result.completed


def test_the_notebook_time_limit_stops_a_run_of_slow_cells(limits: Limits, sandbox: Runner) -> None:
    limits = replace(limits, cell_seconds=5.0, notebook_seconds=3.0)
    slow = "import time\ntime.sleep(0.6)\n"
    result = sandbox([QUICK, *[slow] * 8, AFTER], names=["x"], limits=limits)
    statuses = [cell.status for cell in result.cells]
    assert statuses[0] == "ok" and "timeout" in statuses and statuses[-1] == "skipped"
    assert "notebook time limit" in result.problem
    assert result.values() == {"x": 1}


def test_a_signal_handler_ignoring_the_timeout_does_not_survive(
    limits: Limits, sandbox: Runner
) -> None:
    marker = f"survivor-{uuid.uuid4()}"
    cell = f"""
import os, signal, sys
for sig in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(sig, signal.SIG_IGN)
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c",
        "import signal, time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
        "while True: time.sleep(1)", "{marker}"])
while True:
    pass
"""
    limits = replace(limits, cell_seconds=1.0, grace_seconds=0.5)
    result = sandbox([QUICK, cell, AFTER], names=["x"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "timeout", "skipped"]
    assert "did not stop when interrupted" in result.problem
    assert result.values() == {"x": 1}
    assert host_processes_with(marker) == []


def test_a_fork_bomb_is_bounded_and_leaves_no_process_behind(
    limits: Limits, sandbox: Runner
) -> None:
    marker = f"forkbomb-{uuid.uuid4()}"
    cell = fork_bomb_cell(marker)
    limits = replace(limits, cell_seconds=1.5, processes=8)
    result = sandbox([QUICK, cell], names=["x"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "timeout"]
    assert host_processes_with(marker) == []
    healthy = sandbox(
        [
            "import os\npid = os.fork()\nif pid == 0:\n    os._exit(0)\n"
            "os.waitpid(pid, 0)\nok = True"
        ],
        names=["ok"],
        limits=limits,
    )
    assert healthy.values() == {"ok": True}


def test_processes_are_limited_to_the_configured_number(limits: Limits, sandbox: Runner) -> None:
    cell = """
import os, time
children = []
try:
    for _ in range(100):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        children.append(pid)
except OSError as error:
    failure = type(error).__name__
started = len(children)
"""
    result = sandbox([cell], names=["started", "failure"], limits=replace(limits, processes=6))
    values = result.values()
    assert values["failure"] == "BlockingIOError"
    assert 0 < values["started"] < 6  # type: ignore[operator]


def test_a_memory_bomb_raises_memory_error_and_later_cells_run(
    limits: Limits, sandbox: Runner
) -> None:
    bombs = [
        "block = bytearray(4 * 1024 ** 3)\n",
        "import numpy as np\nhuge = np.ones((50_000, 50_000))\n",
        "grow = []\nwhile True:\n    grow.append(bytearray(10 ** 7))\n",
    ]
    result = sandbox([QUICK, *bombs, "del grow\n" + AFTER], names=["x", "after"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "error", "error", "error", "ok"]
    assert all(
        cell.error_name in ("MemoryError", "_ArrayMemoryError") for cell in result.cells[1:4]
    )
    assert result.values() == {"x": 1, "after": 2}


def test_the_cpu_limit_kills_a_busy_process(limits: Limits, sandbox: Runner) -> None:
    limits = replace(limits, cpu_seconds=1, cell_seconds=30.0)
    result = sandbox([QUICK, "while True:\n    pass\n", AFTER], names=["x"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "killed", "skipped"]
    assert "CPU time limit" in result.cells[1].detail
    assert result.values() == {"x": 1}


def test_an_output_flood_is_truncated(limits: Limits, sandbox: Runner) -> None:
    flood = "for i in range(200_000):\n    print('flood line', i)\n"
    raw = "import os\nfor i in range(2_000):\n    os.write(2, b'e' * 1000)\n"
    result = sandbox([flood, raw, AFTER], names=["after"], limits=limits)
    assert [cell.status for cell in result.cells] == ["ok", "ok", "ok"]
    stdout, stderr = result.cells[0].stdout, result.cells[1].stderr
    assert stdout.startswith("flood line 0\n") and "output truncated" in stdout
    assert len(stdout.encode()) < limits.output_bytes + 200
    assert f"output truncated: {2_000 * 1000 - limits.output_bytes} more bytes" in stderr
    assert result.values() == {"after": 2}


def test_an_endless_flood_times_out_with_bounded_output(limits: Limits, sandbox: Runner) -> None:
    limits = replace(limits, cell_seconds=1.0)
    result = sandbox([QUICK, "while True:\n    print('x' * 10_000)\n"], names=["x"], limits=limits)
    flood = result.cells[1]
    assert flood.status == "timeout"
    assert len(flood.stdout.encode()) < limits.output_bytes + 200
    assert result.values() == {"x": 1}


def test_sys_exit_is_an_error_and_the_notebook_goes_on(limits: Limits, sandbox: Runner) -> None:
    result = sandbox(
        [QUICK, "import sys\nsys.exit(3)\n", AFTER], names=["x", "after"], limits=limits
    )
    assert [cell.status for cell in result.cells] == ["ok", "error", "ok"]
    assert result.cells[1].error_name == "SystemExit" and result.cells[1].error_message == "3"
    assert result.values() == {"x": 1, "after": 2}
    assert result.completed


def test_os_exit_kills_the_run_and_keeps_earlier_values(limits: Limits, sandbox: Runner) -> None:
    result = sandbox(
        [QUICK, "import os\nos._exit(0)\n", AFTER], names=["x", "after"], limits=limits
    )
    assert [cell.status for cell in result.cells] == ["ok", "killed", "skipped"]
    assert "exited with code 0" in result.cells[1].detail
    assert result.values() == {"x": 1}
    assert not result.completed


def test_a_crash_by_signal_is_reported(limits: Limits, sandbox: Runner) -> None:
    cell = "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n"
    result = sandbox([QUICK, cell], names=["x"], limits=limits)
    assert result.cells[1].status == "killed" and "SIGSEGV" in result.cells[1].detail


def test_a_huge_file_hits_the_file_size_limit(limits: Limits, sandbox: Runner) -> None:
    cell = "with open('big.bin', 'wb') as f:\n    f.write(b'x' * (8 * 1024 * 1024))\n"
    result = sandbox([cell, AFTER], names=["after"], limits=limits)
    assert result.cells[0].status == "error"
    assert (
        result.cells[0].error_name == "OSError"
        and "File too large" in result.cells[0].error_message
    )
    assert result.values() == {"after": 2}


def test_many_files_fill_only_the_capped_scratch_directory(limits: Limits, sandbox: Runner) -> None:
    cell = (
        "block = b'x' * (512 * 1024)\n"
        "for i in range(1000):\n"
        "    with open(f'part{i}.bin', 'wb') as f:\n"
        "        f.write(block)\n"
    )
    result = sandbox([cell, AFTER], names=["after"], limits=limits)
    assert result.cells[0].status == "error"
    assert "No space left on device" in result.cells[0].error_message
    assert result.values() == {"after": 2}


def test_a_failing_run_does_not_affect_the_next_one(limits: Limits, sandbox: Runner) -> None:
    sandbox(["import os\nos._exit(1)\n"], names=[], limits=limits)
    result = sandbox([QUICK], names=["x"], limits=limits)
    assert result.values() == {"x": 1} and os.getpid() > 0


@pytest.mark.parametrize("call", ["run_cells", "SandboxPool(workers=1).run_cells"])
def test_killing_the_grader_kills_its_sandboxes(call: str) -> None:
    marker = f"orphan-{uuid.uuid4()}"
    script = f"""
import sys
from grader.sandbox import SandboxPool, run_cells
cell = '''
import os, sys
if os.fork() == 0:
    os.setsid()
    forever = "import time\\\\nwhile True: time.sleep(1)"
    os.execv(sys.executable, [sys.executable, "-c", forever, "{marker}"])
while True:
    pass
'''
{call}([cell], names=[])
"""
    grader_process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def sandboxed() -> list[int]:  # the marker is in the grader's own command line too
        return [pid for pid in host_processes_with(marker) if pid != grader_process.pid]

    try:
        assert wait_until(lambda: bool(sandboxed()))
    finally:
        grader_process.kill()
        grader_process.wait()
    assert wait_until(lambda: not sandboxed())


def wait_until(condition: Callable[[], bool], seconds: float = 30.0) -> bool:
    """Poll ``condition`` until it holds (True) or ``seconds`` pass (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_output_over_many_cells_is_capped_for_the_whole_run(
    limits: Limits, sandbox: Runner
) -> None:
    limits = replace(limits, output_bytes=4096, total_output_bytes=20_000)
    cells = ["print('y' * 3000)"] * 50
    result = sandbox(cells, names=[], limits=limits)
    assert all(cell.status == "ok" for cell in result.cells)
    notice = "\n[output truncated"
    kept = sum(len(cell.stdout.partition(notice)[0].encode()) for cell in result.cells)
    assert kept == 20_000
    assert "output truncated" in result.cells[-1].stdout
