"""The warm worker inside a long-lived sandbox: imports once, forks one job at a time.

Started as ``python -S -s -P -m inside.zygote`` by :mod:`grader.sandbox.pool`. It
reads its settings as JSON from stdin (site-packages paths, font cache, whether
to confine jobs and the compiled system-call filter, whether to warm up),
imports numpy and matplotlib's pyplot (Agg, the inline backend) and draws one
figure, so that jobs start warm; it never sees a student's cells or files. Then
it serves jobs from the control socket (its descriptor is in the settings), one
at a time:

1. A job arrives as ``{"job": n, "uid": u}`` (``u``: the job's host user id when
   the grader is root, else null) with five file descriptors, the job's own
   stdin, stdout, stderr, result channel and ack pipes, made by the grader for
   this job only.
2. The zygote forks the job process (:func:`inside.job.run_job`) and closes its
   copies of the five descriptors.
3. When the job process has exited on its own, every process of the job is gone
   (they lived in a pid namespace whose init, the driver, was its child and was
   reaped by it), and so are its scratch tmpfs, IPC objects and network namespace.
   The zygote reports ``{"type": "done", "job": n, "status": code, "clean": bool,
   "detail": str}``. A job is clean only if its job process exited (was not killed
   by a signal), its set-up did not fail, and the zygote then has no child left:
   the zygote is a child subreaper, so a process orphaned by the job would be its
   child. Otherwise the grader retires the worker, killing every process in it,
   before another job runs there.

Between jobs, a prelude may arrive as ``{"prelude": true, "seconds": s}`` with one
descriptor, a pipe holding the sources of the release's leading locked cells as JSON:
the zygote runs them (:mod:`inside.prelude`) and reports ``{"type": "prelude", "cells":
k, "detail": str}``; the jobs that start with those cells replay the first k.
"""

from __future__ import annotations

import ctypes
import gc
import io
import json
import os
import socket
import sys
from typing import Any

from .figures import install_backend
from .job import JOB_FDS, SETUP_FAILED, run_job, use_matplotlib_config
from .prelude import install

PR_SET_CHILD_SUBREAPER = 36


def warm_up() -> None:
    """Import numpy and pyplot and draw once what notebooks draw (markers, log axes,
    mathtext, arrows, patches, bold text), so that each job finds the caches filled."""
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


def serve_one(control: socket.socket, settings: dict[str, Any]) -> bool:
    """Run one job from ``control``; False when the grader has closed it."""
    message, fds, _flags, _address = socket.recv_fds(control, 4096, JOB_FDS)
    if not message:
        return False
    if b'"prelude"' in message:
        serve_prelude(control, message, fds)
        return True
    try:
        header = json.loads(message)
        number, uid = int(header["job"]), header["uid"]
        if len(fds) != JOB_FDS or not (uid is None or (isinstance(uid, int) and uid >= 1000)):
            raise ValueError("malformed job")
    except (ValueError, KeyError, TypeError):
        for fd in fds:
            os.close(fd)
        raise
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        control.close()
        run_job(fds, number, uid, settings)
    for fd in fds:
        os.close(fd)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    detail = job_problem(code)
    report = {
        "type": "done",
        "job": number,
        "status": code,
        "clean": not detail,
        "detail": detail,
    }
    control.sendall(json.dumps(report).encode() + b"\n")
    return True


def serve_prelude(control: socket.socket, message: bytes, fds: list[int]) -> None:
    """Install the prelude the grader sends (its sources as JSON on the one descriptor),
    then report how many of its cells jobs will replay."""
    try:
        header = json.loads(message)
        if len(fds) != 1 or not isinstance(header.get("seconds"), (int, float)):
            raise ValueError("malformed prelude")
        with os.fdopen(fds.pop(), "rb") as pipe:
            sources = json.loads(pipe.read())
        if not (isinstance(sources, list) and all(isinstance(c, str) for c in sources)):
            raise ValueError("malformed prelude")
    finally:
        for fd in fds:
            os.close(fd)
    prelude = install(sources, float(header["seconds"]))
    gc.collect()
    gc.freeze()
    report = {"type": "prelude", "cells": len(prelude.records), "detail": prelude.detail}
    control.sendall(json.dumps(report).encode() + b"\n")


def job_problem(code: int) -> str:
    """Why the job that ended with ``code`` leaves the worker in doubt ("" if it does not)."""
    if code < 0:
        return f"the job's supervising process was killed by signal {-code}"
    if code == SETUP_FAILED:
        return "the job could not be set up"
    if has_children():
        return "a process of the job outlived it"
    return ""


def has_children() -> bool:
    """Whether the zygote has a child left, reaping those already dead."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def become_subreaper() -> None:
    """Orphans of a job become the zygote's children (not the worker init's), so that
    :func:`has_children` sees every process a job leaves."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def main() -> None:
    become_subreaper()
    settings = json.loads(sys.stdin.buffer.read())
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.path[:0] = ["", *settings["paths"]]
    config = os.path.join(settings["scratch_root"], ".matplotlib")
    use_matplotlib_config(config, settings.get("mpl_cache"), mode=0o755)
    install_backend()
    if settings.get("warm"):
        warm_up()
    control = socket.socket(fileno=int(settings["control_fd"]))
    control.sendall(b'{"type": "ready"}\n')
    while serve_one(control, settings):
        pass


if __name__ == "__main__":
    main()
