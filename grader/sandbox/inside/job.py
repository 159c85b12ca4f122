"""One job, from the zygote's fork to its exit status: three processes.

::

    zygote ──fork──▶ job ──fork──▶ driver ──fork──▶ kernel
                     │              │               │
                     confines,      pid 1 of the    runs the student's
                     writes files,  job's pid       cells; may be hostile
                     sets limits    namespace;
                                    writes the
                                    result channel

The *job* process takes the five descriptors the grader made for this job
(stdin, stdout, stderr, result channel, ack) as 0-4, reads the job from stdin,
confines itself (:mod:`.confine`: namespaces, a fresh scratch tmpfs, no
capabilities, the system-call filter), writes the job's files, sets the resource
limits and forks the *driver* (:mod:`.driver`), the only writer of the result
channel, which forks the *kernel* (:mod:`.kernel`). The kernel gets its own two
pipes to the driver as descriptors 3 and 4 and never holds the grader's. When the
driver exits, the kernel dies with the pid namespace, and with it every process
the student started: nothing of a job outlives it.

The student's processes cannot reach the job process: it is in the worker's pid
namespace (they cannot name it) and in a session of its own, while the driver
starts another session before it forks the kernel (a signal to a process group
or session reaches the driver's at most, and the driver, as the namespace's init,
is deaf to signals sent from inside it). Should the job process die all the same,
the driver gets SIGKILL (a parent-death signal) and the whole pid namespace
with it.

Without confinement (the grader's ``unsafe`` mode) the same processes run with
the grader's rights, in a plain directory of their own.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import resource
import shutil
import signal
import sys
import traceback
from typing import Any, NoReturn

from . import kernel
from .confine import confine, die_with_parent, set_dumpable
from .driver import Driver, ignore_signals
from .messages import Channel

JOB_FDS = 5
"""stdin, stdout, stderr, channel, ack: placed at descriptors 0 to 4."""
CHANNEL_FD, ACK_FD = 3, 4
MAX_FD = 1 << 16
HELPERS = 2
"""The job and driver processes, counted by RLIMIT_NPROC besides the student's own."""
SETUP_FAILED = 71
RLIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "address_space": resource.RLIMIT_AS,
    "file_size": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
    "message_queues": resource.RLIMIT_MSGQUEUE,
}

_exit = os._exit  # bound now: a cell may replace os._exit


def use_matplotlib_config(config: str, cache: str | None, mode: int = 0o700) -> None:
    """Point matplotlib at ``config``, first copying the prepared font cache into it."""
    os.makedirs(config, mode=mode, exist_ok=True)
    if cache and os.path.isdir(cache):
        for entry in os.listdir(cache):
            if entry.endswith(".json"):
                with open(os.path.join(cache, entry), "rb") as src:
                    data = src.read()
                with open(os.path.join(config, entry), "wb") as dst:
                    dst.write(data)
    os.environ["MPLCONFIGDIR"] = config


def _take_descriptors(fds: list[int]) -> None:
    high = [os.dup(fd) for fd in fds]  # above 0-4 first, so that no dup2 clobbers another
    for target, fd in enumerate(high):
        os.dup2(fd, target)
    os.closerange(JOB_FDS, MAX_FD)


def _read_job() -> dict[str, Any]:
    """The job from stdin; stdin then reads as empty, as in a kernel without input."""
    with os.fdopen(os.dup(0), "rb") as stdin:
        job: dict[str, Any] = json.loads(stdin.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return job


def _set_limits(rlimits: dict[str, list[int]], confined: bool) -> None:
    for name, (soft, hard) in rlimits.items():
        if name == "processes":
            if not confined:
                continue  # counted per user: without a namespace of its own it means nothing
            soft, hard = soft + HELPERS, hard + HELPERS
        resource.setrlimit(RLIMITS[name], (soft, hard))


def _write_files(files: dict[str, str]) -> None:
    for name, text in files.items():
        with open(name, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(text)


def run_job(
    fds: list[int], number: int, host_uid: int | None, settings: dict[str, Any]
) -> NoReturn:
    """The job process: see the module docstring. Never returns."""
    code, scratch = SETUP_FAILED, None
    try:
        _take_descriptors(fds)
        os.setsid()
        job = _read_job()
        confined = bool(settings["confine"])
        if confined:
            confine(host_uid, job["scratch_bytes"], base64.b64decode(settings["seccomp"]))
        else:
            scratch = os.path.join(settings["scratch_root"], f"job-{number}")
            os.mkdir(scratch, 0o700)
            os.chdir(scratch)
        home = os.getcwd()
        os.environ.update(HOME=home, TMPDIR=home)
        _write_files(job["files"])
        use_matplotlib_config(os.path.join(home, ".matplotlib"), settings.get("mpl_cache"))
        _set_limits(job["rlimits"], confined)
        requests, replies = os.pipe(), os.pipe()
        driver = os.fork()
        if driver == 0:
            _drive(job, requests, replies)
        for fd in (*requests, *replies):
            os.close(fd)
        code = os.waitstatus_to_exitcode(os.waitpid(driver, 0)[1])
        code = 128 - code if code < 0 else code
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()  # on the job's own stderr: the grader shows its last line
            sys.stderr.flush()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        _exit(code)


def _drive(job: dict[str, Any], requests: tuple[int, int], replies: tuple[int, int]) -> NoReturn:
    """The driver process: forks the kernel, then forwards its checked messages."""
    code = SETUP_FAILED
    try:
        die_with_parent(signal.SIGKILL)  # set before any student code runs: no race to win
        os.setsid()  # the job process's group and session are out of the student's reach
        set_dumpable(False)  # the kernel may not read its memory (the nonces) through /proc
        ignore_signals()
        pid = os.fork()
        if pid == 0:
            _kernel(job, requests[0], replies[1])
        os.close(requests[0])
        os.close(replies[1])
        driver = Driver(CHANNEL_FD, ACK_FD, requests[1], replies[0])
        code = driver.run(len(job["cells"]), pid)
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
    finally:
        _exit(code)


def _kernel(job: dict[str, Any], requests_fd: int, replies_fd: int) -> NoReturn:
    """The kernel process: its two pipes as 3 and 4, nothing of the grader's; then the cells."""
    try:
        for number in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(replies_fd, CHANNEL_FD)
        os.dup2(requests_fd, ACK_FD)
        os.closerange(JOB_FDS, MAX_FD)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()  # fresh entropy, as in a new Python
        kernel.run_cells(job, Channel(CHANNEL_FD, ACK_FD))
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()
            sys.stderr.flush()
    finally:
        _exit(SETUP_FAILED)
