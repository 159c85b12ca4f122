"""A job ends whole: nothing a student starts outlives the job or reaches a later one.

Each attack leaves processes behind in ways that escape a process group or a
session (double fork and ``setsid``, ``posix_spawn``, which forks with vfork,
threads, a process that forks anew to reset its CPU time), signals its own
process group and every process it can name, and listens on abstract Unix
sockets. What remains is checked from outside: the worker's process tree (the
pool's own sandbox init and its descendants) and the host's process table.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.sandbox import SandboxPool, SandboxResult
from tests.grader.sandbox.conftest import SMALL
from tests.grader.sandbox.test_faults import host_processes_with
from tests.grader.sandbox.test_pool import NAMES, NOTEBOOK, check_seed_notebook

LINGER = r"""
import os, signal, socket, sys, threading, time
for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(number, signal.SIG_IGN)
role, mark, busy = sys.argv[1], sys.argv[2], sys.argv[3] == "busy"

def answer(name):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("\0" + name)
    server.listen(8)
    while True:
        connection, _ = server.accept()
        connection.sendall(("heard from " + name).encode())
        connection.close()

def spin():
    while True:
        if not busy:
            time.sleep(1)

if role == "listener":
    answer(mark + "-listener")
elif role == "spinner":
    hoard = bytearray(64 * 1024 * 1024)
    hoard[::4096] = b"x" * len(range(0, len(hoard), 4096))  # memory really held
    threading.Thread(target=spin, daemon=True).start()
    answer(mark + "-spinner")
elif role == "hopper":  # a fresh process every 0.2 s: no CPU time limit ever reached
    while True:
        end = time.monotonic() + 0.2
        while time.monotonic() < end:
            if not busy:
                time.sleep(0.2)
        if os.fork() != 0:
            os._exit(0)
"""
"""A process left behind, named by the marker in its command line."""

LEAVE = """
import os, signal, socket, sys, threading, time
program, mark, busy = {program!r}, {mark!r}, {busy!r}
def run(role):
    os.execv(sys.executable, [sys.executable, "-c", program, role, mark, busy])

def hear(name):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect("\\0" + name)
            return client.recv(100).decode()
    except OSError as error:
        return type(error).__name__

def hear_all():
    return [hear(mark + "-" + role) for role in ("listener", "spinner")]

def spin():
    while True:
        pass

for role in ("listener", "hopper"):  # double fork and setsid: no parent, no group, no session
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            run(role)
        os._exit(0)
    os.waitpid(child, 0)
os.posix_spawn(sys.executable, [sys.executable, "-c", program, "spinner", mark, busy], {{}},
               setsid=True)  # vfork, then exec
if busy == "busy":
    threading.Thread(target=spin, daemon=True).start()
for _ in range(100):  # until they are up (and ignore signals)
    if all(message.startswith("heard") for message in hear_all()):
        break
    time.sleep(0.05)

for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(number, signal.SIG_IGN)
os.killpg(0, signal.SIGTERM)  # the driver and the job process, were they in this group
os.killpg(0, signal.SIGHUP)
os.kill(-1, signal.SIGTERM)  # every process this one can name
time.sleep(0.3)
heard = hear_all()
time.sleep(3)  # and keeps running: the job is not over
"""
"""A cell that leaves processes behind, then signals all it can, and carries on; with
``busy="busy"`` they use all the CPU they get (else they sleep)."""

LISTEN = """
import socket
def hear(name):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(2)
            client.connect("\\0" + name)
            return client.recv(100).decode()
    except OSError as error:
        return type(error).__name__
heard = [hear({mark!r} + "-" + role) for role in ("listener", "spinner")]
"""


def children(pid: int) -> list[int]:
    """The children of ``pid`` (of all its threads), from ``/proc``."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
        except OSError:
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``, parents first."""
    found: list[int] = []
    todo = children(pid)
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo += children(child)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has ended: it holds no memory and runs nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in (b"Z", b"X")


def worker_init(pool: SandboxPool) -> int:
    """The host pid of the pool's only worker's sandbox init."""
    (worker,) = pool.all
    assert worker.init_pid is not None
    return worker.init_pid


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def test_a_job_that_signals_its_own_group_leaves_no_process_and_no_listener(
    pool: SandboxPool,
) -> None:
    mark = f"hw4-linger-{uuid.uuid4().hex[:12]}"
    pool.run_cells(["x = 1"], names=["x"])
    starts = pool.starts
    init = worker_init(pool)
    (zygote,) = descendants(init)  # between jobs the worker holds its zygote only
    first = pool.run_cells(
        [
            LEAVE.format(program=LINGER, mark=mark, busy="busy"),
            "after = 'the notebook went on'",
        ],
        names=["heard", "after"],
    )
    left_in_worker = descendants(init)
    left_on_host = host_processes_with(mark)
    later = pool.run_cells([LISTEN.format(mark=mark), *NOTEBOOK], names=["heard", *NAMES])
    assert pool.starts == starts  # one worker ran all three jobs
    assert left_in_worker == [zygote]
    assert left_on_host == []
    assert later.completed and all(cell.status == "ok" for cell in later.cells)
    assert later.values()["heard"] == ["ConnectionRefusedError"] * 2
    check_seed_notebook(later.values())
    assert first.completed, first.problem or first.cells[0].traceback
    values = first.values()  # the processes were up and listening when the job ended
    assert values["heard"] == [f"heard from {mark}-{role}" for role in ("listener", "spinner")]
    assert values["after"] == "the notebook went on"


SLEEPER = """
import os, sys, time
os.posix_spawn(sys.executable, [sys.executable, "-c", "import time; time.sleep(60)", {mark!r}],
               {{}}, setsid=True)
time.sleep(20)
"""


def test_a_job_whose_supervising_process_dies_ends_whole_and_retires_its_worker(
    pool: SandboxPool,
) -> None:
    """The job process is killed from outside while the zygote cannot act: the driver's
    parent-death signal alone ends the job's pid namespace, every process in it."""
    mark = f"hw4-orphan-{uuid.uuid4().hex[:12]}"
    limits = replace(SMALL, cell_seconds=25.0, notebook_seconds=30.0)
    results: list[SandboxResult] = []
    pool.run_cells(["x = 1"], names=["x"])
    init = worker_init(pool)
    (zygote,) = descendants(init)
    sleeper = [SLEEPER.format(mark=mark)]
    running = threading.Thread(
        target=lambda: results.append(pool.run_cells(sleeper, names=[], limits=limits))
    )
    running.start()
    assert wait_for(lambda: host_processes_with(mark), 20)
    (job,) = children(zygote)
    tree = descendants(job)
    assert len(tree) >= 3  # driver, kernel, the spawned sleeper
    os.kill(zygote, signal.SIGSTOP)
    try:
        os.kill(job, signal.SIGKILL)
        ended = wait_for(lambda: not any(alive(pid) for pid in tree), 5)
    finally:
        os.kill(zygote, signal.SIGCONT)
    running.join(30)
    starts = pool.starts
    after = pool.run_cells(NOTEBOOK, names=NAMES)
    assert pool.starts == starts + 1  # the worker was retired, not reused
    assert ended, [pid for pid in tree if alive(pid)]
    (result,) = results
    assert result.cells[0].status == "killed" and not result.completed
    assert host_processes_with(mark) == []
    assert after.completed
    check_seed_notebook(after.values())


def test_each_job_has_a_network_of_its_own(pool: SandboxPool) -> None:
    """A fresh network namespace per job: its loopback is down, unlike the worker's."""
    cell = """
import errno, socket
def attempt(action):
    try:
        action()
    except OSError as error:
        return errno.errorcode.get(error.errno, type(error).__name__)
    return "succeeded"
loopback = attempt(lambda: socket.create_connection(("127.0.0.1", 9), timeout=2))
datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp = attempt(lambda: datagram.sendto(b"x", ("127.0.0.1", 9)))
"""
    values = [pool.run_cells([cell], names=["loopback", "udp"]) for _ in "ab"]
    for result in values:
        assert result.values() == {
            "loopback": "ENETUNREACH",
            "udp": "ENETUNREACH",
        }
