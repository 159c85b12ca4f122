"""Adversarial cells against the sandbox's confinement, checked from outside where possible.

Each test is one class of attack: the grader's environment, memory beyond the
limits, a reader that breaks, kernel keyrings, host paths, socket families, and
the kernel features a job never needs. Every test runs one-shot and in a warm
worker, and the suite runs both as root and as a normal user.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

import grader
from grader.sandbox import Limits, SandboxPool
from grader.sandbox import pool as pool_module
from grader.sandbox.channel import ChannelReader
from tests.grader.sandbox.conftest import Runner

REPOSITORY = Path(grader.__file__).resolve().parents[1]
GIB = 1024**3
MIB = 1024**2

SYSCALL = """
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(number, *args):
    result = libc.syscall(number, *[ctypes.c_long(a) if isinstance(a, int) else a for a in args])
    return "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
"""
"""``call(nr, ...)``: a raw system call (x86-64 numbers), giving "ok" or the errno's name."""


def as_dict(pairs: object) -> dict[str, object]:
    """A dict sent back from the sandbox as a sorted list of pairs."""
    assert isinstance(pairs, list)
    return {str(key): value for key, value in pairs}


def run_one(sandbox: Runner, cell: str, names: list[str], limits: Limits) -> dict[str, object]:
    result = sandbox([cell], names=names, limits=limits)
    assert result.cells[0].status == "ok", result.cells[0].traceback or result.problem
    return result.values()


# -- 1. the grader's environment and descriptors ------------------------------------


def test_nothing_of_the_graders_environment_or_descriptors_is_reachable(
    limits: Limits, sandbox: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "hw4-grader-token-7d1e"
    monkeypatch.setenv("HW4_GRADER_TOKEN", secret)
    cell = f"""
import os
found = []
for path in ("/proc/1/environ", "/proc/self/environ", "/proc/1/cmdline", "/proc/self/mountinfo"):
    try:
        found.append((path, {secret!r} in open(path, "rb").read().decode(errors="replace")))
    except OSError as error:
        found.append((path, type(error).__name__))
processes = os.listdir("/proc")
in_environ = any({secret!r} in value for value in os.environ.values())
"""
    values = run_one(sandbox, cell, ["found", "processes", "in_environ"], limits)
    assert values["processes"] == []  # no process, not even its own, is listed
    assert all(outcome == "FileNotFoundError" for _path, outcome in values["found"])  # type: ignore[union-attr]
    assert values["in_environ"] is False


def test_bubblewrap_and_its_init_hold_no_environment(limits: Limits) -> None:
    os.environ["HW4_GRADER_TOKEN"] = "hw4-grader-token-7d1e"
    try:
        with SandboxPool(limits, workers=1) as pool:
            pool.run_cells(["x = 1"], names=["x"])
            worker = pool.all[0]
            assert worker.process is not None and worker.init_pid is not None
            for pid in (worker.process.pid, worker.init_pid):
                assert Path(f"/proc/{pid}/environ").read_bytes() == b""
    finally:
        del os.environ["HW4_GRADER_TOKEN"]


# -- 2. memory beyond every limit --------------------------------------------------


def host_shmem() -> int:
    """Bytes of shared memory (tmpfs, shm, memfd) on the host, from /proc/meminfo."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Shmem:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no Shmem line in /proc/meminfo")


FILL = (
    SYSCALL
    + """
import mmap
CHUNK = b"x" * (1 << 20)
def fill(path):
    written = 0
    try:
        with open(path, "wb") as handle:
            while written < (1 << 30):
                handle.write(CHUNK)
                written += len(CHUNK)
    except BaseException as error:
        return type(error).__name__ + f" after {written >> 20} MiB"
    return "wrote 1 GiB"
attempts = {}
for place in ("/dev/shm/fill", "/tmp/fill", "/fill", "/sandbox/fill", "/proc/fill", "fill"):
    attempts[place] = fill(place)
    if os.path.exists(place):
        os.unlink(place)
attempts["memfd_create"] = call(319, b"fill", 0)
attempts["shmget"] = call(29, 0, 1 << 30, 0o1000 | 0o600)
attempts["unshare_user"] = call(272, 0x10000000)
attempts["mount_tmpfs"] = call(165, b"tmpfs", b"/sandbox/scratch", b"tmpfs", 0, b"size=2g")
attempts["clone_newuser"] = call(56, 0x10000000 | 17, 0, 0, 0, 0)
attempts = sorted(attempts.items())
"""
)


def test_no_write_anywhere_grows_host_shared_memory_beyond_the_scratch(
    limits: Limits, sandbox: Runner
) -> None:
    limits = replace(
        limits, scratch_bytes=16 * MIB, file_size_bytes=GIB, cell_seconds=60, notebook_seconds=90
    )
    baseline = host_shmem()
    peak = [baseline]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], host_shmem())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        values = run_one(sandbox, FILL, ["attempts"], limits)
    finally:
        done.set()
        watcher.join()
    attempts = as_dict(values["attempts"])
    assert attempts["fill"].startswith("OSError after 1")  # the 16 MiB scratch fills up
    for place in ("/dev/shm/fill", "/tmp/fill", "/fill", "/sandbox/fill", "/proc/fill"):
        assert attempts[place].endswith(" after 0 MiB"), (place, attempts[place])
    assert attempts["memfd_create"] == "EPERM" and attempts["shmget"] == "EPERM"
    assert attempts["unshare_user"] == "EPERM" and attempts["mount_tmpfs"] == "EPERM"
    assert attempts["clone_newuser"] == "EPERM"
    # other processes share the machine: allow a few MiB of their own on top of the scratch
    assert peak[0] - baseline <= limits.scratch_bytes + 8 * MIB


# -- 3. a reader that breaks ---------------------------------------------------------


class BreakingReader(ChannelReader):
    """A reader that fails, with no error of the channel's own, on its second read."""

    reads = 0

    def feed(self, data: bytes) -> list[dict[str, object]]:
        BreakingReader.reads += 1
        if BreakingReader.reads == 2:
            raise RuntimeError("the parser broke")
        return super().feed(data)


@pytest.mark.parametrize("pooled", [False, True])
def test_any_failure_reading_the_channel_ends_the_job_and_spares_the_next(
    limits: Limits, monkeypatch: pytest.MonkeyPatch, pooled: bool
) -> None:
    limits = replace(limits, notebook_seconds=20)
    with SandboxPool(limits, workers=1, warm=pooled) as pool:
        pool.run_cells(["x = 1"], names=["x"])
        starts = pool.starts
        BreakingReader.reads = 0
        monkeypatch.setattr(pool_module, "ChannelReader", BreakingReader)
        began = time.monotonic()
        broken = pool.run_cells(["x = 1", "y = 2", "z = 3"], names=["x", "y"])
        assert time.monotonic() - began < limits.notebook_seconds / 2  # not held to its deadline
        assert "result channel was corrupted: RuntimeError" in broken.problem
        assert not broken.completed
        monkeypatch.setattr(pool_module, "ChannelReader", ChannelReader)
        after = pool.run_cells(["a = 1", "b = a + 1"], names=["b"])
        assert after.completed and after.values() == {"b": 2}
        assert pool.starts == starts + 1  # the broken job's worker was replaced


# -- 4. kernel keyrings ----------------------------------------------------------------


def key_users() -> set[int]:
    try:
        lines = Path("/proc/key-users").read_text().splitlines()
    except OSError:
        return set()
    return {int(line.split(":")[0]) for line in lines if line.strip()}


def test_keyrings_are_closed_and_leave_nothing_on_the_host(limits: Limits, sandbox: Runner) -> None:
    before = key_users()
    cell = (
        SYSCALL
        + """
found = [
    call(248, b"user", b"hw4-left", b"secret", 6, -4),  # add_key to the user keyring
    call(250, 0, -4, 0, 0, 0),  # keyctl(KEYCTL_GET_KEYRING_ID, user keyring)
    call(249, b"user", b"hw4-left", 0, 0),  # request_key
]
"""
    )
    assert run_one(sandbox, cell, ["found"], limits)["found"] == ["EPERM"] * 3
    assert key_users() <= before


# -- 6. host paths ------------------------------------------------------------------------

WALK = """
import os, sys
hits, read = set(), 0
def look(text):
    hits.update(mark for mark in MARKS if mark in text)
for text in [repr(sys.path), repr(dict(os.environ)), sys.executable, os.getcwd()]:
    look(text)
for module in list(sys.modules.values()):
    look(str(getattr(module, "__file__", "")))
skipped = ("/usr", "/proc", "/dev", sys.base_prefix)
for directory, subdirectories, files in os.walk("/"):
    if directory != "/" and directory.startswith(skipped):
        subdirectories[:] = []
        continue
    look(directory)
    for name in [*subdirectories, *files]:
        path = os.path.join(directory, name)
        look(path)
        try:
            if os.path.islink(path):
                look(os.readlink(path))
            elif name in files and os.path.getsize(path) < 4 << 20:
                with open(path, "rb") as handle:
                    look(handle.read().decode("latin-1"))
                read += 1
        except OSError:
            pass
hits = sorted(hits)
"""


def test_no_host_path_of_the_project_or_course_is_visible(
    limits: Limits, sandbox: Runner, tmp_path: Path
) -> None:
    course = tmp_path / "course-root"
    course.mkdir()
    limits = replace(
        limits, cell_seconds=60, notebook_seconds=90, channel_bytes=1 << 30, cpu_seconds=60
    )
    names = ["read", "hits"]
    marks = [str(REPOSITORY), str(Path(sys.prefix).resolve()), str(course)]
    cell = f"MARKS = {marks!r}\n" + WALK
    previous = os.getcwd()
    os.chdir(course)  # as when an instructor grades from the course root
    try:
        values = run_one(sandbox, cell, names, limits)
    finally:
        os.chdir(previous)
    assert values["read"] > 100  # type: ignore[operator]  # site-packages were read
    assert values["hits"] == []


# -- 7. socket families and kernel features -----------------------------------------------


def test_only_unix_and_ip_sockets_can_be_made(limits: Limits, sandbox: Runner) -> None:
    cell = """
import socket
found = {}
for name in ("AF_UNIX", "AF_INET", "AF_INET6", "AF_VSOCK", "AF_NETLINK", "AF_PACKET",
             "AF_BLUETOOTH", "AF_ALG", "AF_KEY", "AF_TIPC"):
    try:
        socket.socket(getattr(socket, name), socket.SOCK_DGRAM if name != "AF_UNIX"
                      else socket.SOCK_STREAM).close()
        found[name] = "ok"
    except OSError as error:
        found[name] = error.errno
    except AttributeError:
        found[name] = "absent"
found = sorted(found.items())
"""
    found = as_dict(run_one(sandbox, cell, ["found"], limits)["found"])
    assert found["AF_UNIX"] == found["AF_INET"] == found["AF_INET6"] == "ok"
    refused = {
        name: code for name, code in found.items() if name[3:] not in ("UNIX", "INET", "INET6")
    }
    assert set(refused.values()) <= {97, "absent"} and 97 in refused.values()  # EAFNOSUPPORT


def test_kernel_features_a_notebook_never_needs_are_refused(
    limits: Limits, sandbox: Runner
) -> None:
    cell = (
        SYSCALL
        + """
found = {
    "unshare": call(272, 0x00020000),
    "setns": call(308, 0, 0),
    "chroot": call(161, b"/"),
    "ptrace": call(101, 16, 1, 0, 0),
    "bpf": call(321, 0, 0, 0),
    "userfaultfd": call(323, 0),
    "perf_event_open": call(298, 0, 0, -1, -1, 0),
    "io_uring_setup": call(425, 1, 0),
    "msgget": call(68, 0, 0o1000 | 0o600),
    "clone3": call(435, 0, 0),
    "pivot_root": call(155, b"/", b"/"),
}
found = sorted(found.items())
threads = []
import threading
worker = threading.Thread(target=lambda: threads.append(1))
worker.start()
worker.join()
child = os.fork()
if child == 0:
    os._exit(7)
forked = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
"""
    )
    values = run_one(sandbox, cell, ["found", "threads", "forked"], limits)
    found = as_dict(values["found"])
    assert found.pop("clone3") == "ENOSYS"  # so that threads and fork fall back to clone
    assert set(found.values()) == {"EPERM"}, found
    assert values["threads"] == [1] and values["forked"] == 7
