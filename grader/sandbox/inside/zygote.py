"""The warm worker inside a long-lived sandbox: imports once, forks one child per job.

Started as ``python -S -s -P -m inside.zygote`` by :mod:`grader.sandbox.pool`. It
reads its settings (site-packages paths, font cache) as JSON from stdin, imports
numpy and matplotlib's pyplot (Agg, the inline backend) and draws one empty
figure, so that the children start warm; it never sees a student's cells or files.
Then it serves jobs from the control socket (its descriptor is in the settings), one
at a time:

1. A job arrives as ``{"job": n, "uid": u, "sweeper": v}`` with five file
   descriptors (the job's own stdin, stdout, stderr, result channel and ack pipes,
   made by the parent for this job only).
2. The zygote makes the job's scratch directory (mode 0700, owned by ``u``),
   forks, and closes its copies of the five descriptors. The child closes every
   other descriptor (the control socket included), moves the five to 0-4, starts
   a session of its own, enters the scratch directory and runs
   :func:`inside.runner.main`, which sets the limits and becomes user ``u`` before
   reading any student code.
3. When the child has exited, the zygote (as real uid ``v``, effective uid ``u``,
   see :func:`sweep`: it may signal ``u``'s processes, they may not signal it)
   SIGKILLs every process of ``u`` until none is left, then empties the scratch
   directory; as root again, it removes it and checks that no System V IPC object
   exists. Only then does it report ``{"type": "done", "job": n, "status": code,
   "clean": bool, "detail": str}``. A job that is not clean makes the parent
   retire the whole worker.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import signal
import socket
import stat
import sys
import time
import traceback
from typing import Any

from . import runner
from .figures import install_backend
from .messages import Channel

JOB_FDS = 5
"""stdin, stdout, stderr, channel, ack: placed at descriptors 0 to 4 in the child."""
CHANNEL_FD = 3
MAX_FD = 1 << 16
ACK_FD = 4
SCRATCH_ROOT = "/sandbox/scratch"
SWEEP_SECONDS = 3.0
IPC_TABLES = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")


def warm_up(settings: dict[str, Any]) -> None:
    """Import numpy and pyplot and draw once what notebooks draw (markers, log axes,
    mathtext, arrows, patches, bold text), so that each job finds the caches filled."""
    sys.path[:0] = ["", *settings["paths"]]
    config = os.path.join(SCRATCH_ROOT, ".matplotlib")
    runner.use_matplotlib_config(config, settings.get("mpl_cache"), mode=0o755)
    install_backend()
    import matplotlib.pyplot as pyplot
    import numpy
    from matplotlib.patches import Circle

    figure, (left, right) = pyplot.subplots(1, 2, figsize=(6, 3))
    left.plot(numpy.arange(1.0, 4.0), marker=".", label="η = 0.1")
    left.set_yscale("log")
    left.set_ylabel(r"$\mathcal{L}(\theta)$ and $\hat{y}$")
    left.legend()
    right.annotate("", xy=(1, 1), xytext=(0, 0), arrowprops={"arrowstyle": "->"})
    right.add_patch(Circle((0.5, 0.5), 0.3, facecolor="white", edgecolor="black"))
    right.text(0.5, 0.5, "ŷ θ", ha="center", fontweight="bold", fontsize=9)
    right.set_aspect("equal")
    right.axis("off")
    right.set_title("warm-up")
    figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    pyplot.close("all")
    numpy.random.seed()  # imports what seeding from entropy needs; each child seeds afresh
    gc.collect()
    gc.freeze()


def child(fds: list[int], uid: int, scratch: str) -> None:
    """In the forked child: only the job's descriptors, a session and a directory of its own."""
    try:
        high = [os.dup(fd) for fd in fds]  # above 0-4 first, so that no dup2 clobbers another
        for target, fd in enumerate(high):
            os.dup2(fd, target)
        os.closerange(JOB_FDS, MAX_FD)
        os.setsid()
        job = runner.read_job()
        if job.get("uid") != uid:
            os._exit(70)
        channel = Channel(CHANNEL_FD, ACK_FD)
        runner.drop_privileges(job)
        os.chdir(scratch)  # only its owner, the job's user, may enter it
        os.environ.update(HOME=scratch, TMPDIR=scratch)
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()  # fresh entropy, as in a new Python
        runner.write_files(job)
        runner.run_cells(job, channel)
    except BaseException:
        with contextlib.suppress(BaseException):
            traceback.print_exc()  # on the job's own stderr
            sys.stderr.flush()
    finally:
        os._exit(71)


def _live_tasks_of(uid: int) -> int:
    """Processes of ``uid`` that are not yet zombies."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        try:
            if int(fields["Uid"].split()[0]) == uid and not fields["State"].strip().startswith(
                ("Z", "X")
            ):
                count += 1
        except (KeyError, ValueError, IndexError):
            continue
    return count


def _empty(directory: str) -> None:
    """Delete what is in ``directory`` (as its owner), making unreadable subdirectories readable."""
    for entry in os.scandir(directory):
        path = entry.path
        if entry.is_dir(follow_symlinks=False):
            os.chmod(path, stat.S_IRWXU)
            _empty(path)
            os.rmdir(path)
        else:
            os.unlink(path)


def sweep(uid: int, sweeper: int, scratch: str) -> bool:
    """Kill every process of ``uid``, then empty ``scratch``; True if both succeeded.

    Done by the zygote itself as real uid ``sweeper``, effective uid ``uid`` and saved
    uid 0: it may then signal exactly the processes of ``uid`` (and none of root's),
    while none of them may signal or trace it; the saved uid 0 lets it become root
    again afterwards. ``kill(-1)`` reaches every process of the uid at once (no fork
    can slip through it); it is repeated until none of them is left alive.
    """
    clean = False
    os.setresuid(sweeper, uid, 0)
    try:
        deadline = time.monotonic() + SWEEP_SECONDS
        while time.monotonic() < deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
            if _live_tasks_of(uid) == 0:
                _empty(scratch)
                clean = True
                break
            time.sleep(0.001)
    except Exception:  # e.g. a tree too deep to walk: the parent retires this worker
        clean = False
    finally:
        os.setresuid(0, 0, 0)
    return clean


def _ipc_objects() -> int:
    count = 0
    for table in IPC_TABLES:
        try:
            with open(table, encoding="ascii") as listing:
                count += max(0, len(listing.read().splitlines()) - 1)
        except OSError:
            continue
    return count


def serve_one(control: socket.socket) -> bool:
    """Run one job from ``control``; False when the parent has closed it."""
    message, fds, _flags, _address = socket.recv_fds(control, 4096, JOB_FDS)
    if not message:
        return False
    try:
        header = json.loads(message)
        number, uid, sweeper = int(header["job"]), int(header["uid"]), int(header["sweeper"])
        if len(fds) != JOB_FDS or uid < 1000 or sweeper < 1000 or sweeper == uid:
            raise ValueError("malformed job")
    except (ValueError, KeyError, TypeError):
        for fd in fds:
            os.close(fd)
        raise
    scratch = os.path.join(SCRATCH_ROOT, f"job-{number}")
    os.mkdir(scratch, 0o700)
    os.chown(scratch, uid, uid)
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        control.close()
        child(fds, uid, scratch)
    for fd in fds:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    clean = sweep(uid, sweeper, scratch)
    detail = "" if clean else "processes or files of the job could not be removed"
    try:
        os.rmdir(scratch)
    except OSError:
        clean, detail = False, detail or "the scratch directory could not be removed"
    if _ipc_objects():
        clean, detail = False, "the job left System V IPC objects"
    report = {
        "type": "done",
        "job": number,
        "status": os.waitstatus_to_exitcode(status),
        "clean": clean,
        "detail": detail,
    }
    control.sendall(json.dumps(report).encode() + b"\n")
    return True


def main() -> None:
    settings = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    warm_up(settings)
    control = socket.socket(fileno=int(settings["control_fd"]))
    control.sendall(b'{"type": "ready"}\n')
    while serve_one(control):
        pass


if __name__ == "__main__":
    main()
