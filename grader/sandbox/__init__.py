"""Run a student's code cells in an isolated Python and bring back plain data.

The one entry point::

    run_cells(
        cells: Sequence[str],                 # code-cell sources, in notebook order
        *,
        names: Sequence[str],                 # variables to read back (identifiers)
        limits: Limits | None = None,         # time and resource limits; Limits() if None
        files: Mapping[str, str] | None = None,  # {file name: text} put in the working dir
        unsafe: bool = False,                 # True: the same processes, no isolation
    ) -> SandboxResult

and, for many notebooks, the same call on warm workers::

    with SandboxPool(limits, workers=N) as pool:          # N: how many run at once
        result = pool.run_cells(cells, names=names, files=files)   # thread-safe

``run_cells`` raises ``SandboxUnavailable`` (with the reason) when bubblewrap is
missing or cannot create namespaces and ``unsafe`` is False, ``TypeError`` or
``ValueError`` for malformed arguments, and nothing else: whatever the cells do
is reported in the result. ``check_sandbox()`` runs one empty job through the
whole path and raises the same error, naming the kernel setting that forbids
user namespaces where there is one (for a command's preflight).

What a notebook gets
--------------------
Cells share one namespace and run in order, like a notebook kernel. A cell that
raises is ``error`` and the next cells still run; one past
``Limits.cell_seconds`` is interrupted (``timeout``) and the next cells run; one
that does not stop when interrupted, or kills its process, ends the run (later
cells ``skipped``). Magics and shell escapes are not run; ``input()`` raises
``EOFError``; ``display(obj)`` and pyplot figures become ``display_data``
outputs. ``SandboxResult.answers[name]`` is the value of ``name`` after the last
cell that finished, as plain data (see :mod:`grader.sandbox.inside.plain`);
``SandboxResult.problem`` says in words what ended a run early.

Threat model
------------
The cells are hostile: they may try to read the reference answers, the
gradebook or other students' work, to forge their results, to outlast their
limits, to leave something behind for the next student, or to harm the machine.
The grader may run as root or as a normal user (an instructor's own account);
every guarantee below holds in both, by the same mechanism, and needs only
unprivileged user namespaces (``check_sandbox`` names the setting where a
machine forbids them). Each worker is a bubblewrap sandbox
(:mod:`.bwrap`), each job a process forked from its zygote that confines itself
before it reads anything of the student's (:mod:`.inside.confine`):

* **What it can see**: the system's ``/usr``, the Python installation and one
  site-packages directory with numpy, matplotlib and their dependencies
  (:mod:`.runtime`), compiled afresh so that no file names a host path of the
  project, its virtual environment or the course. Not the course directory,
  this project, nbgrader, the gradebook or other students. ``/proc`` is an empty
  tmpfs: no process, environment, descriptor or mount table is visible. bubblewrap
  is started with an empty environment.
* **What it can write**: only its own scratch directory, a fresh size-capped
  tmpfs in a mount namespace of its own; the root, ``/dev`` (``/dev/shm``
  included) and every other mount are read-only.
* **Resources**: RLIMIT_AS, CPU, FSIZE, NOFILE and NPROC. NPROC counts per user
  and user namespace, and each job has a user namespace of its own (as root,
  also a host user of its own), so the process limit counts that job only.
  Memory the address-space limit does not count is closed: no tmpfs but the
  scratch, no ``memfd_create``, no System V shared memory or message queues, no
  POSIX message queues (RLIMIT_MSGQUEUE 0).
* **The kernel**: no capability, and a seccomp filter (:mod:`.seccomp`) that
  refuses new namespaces and mounts, keyrings, tracing, BPF, io_uring, module
  loading and sockets other than Unix and IP. The network namespace is empty.
* **Time**: enforced from outside (:mod:`.process`): past a deadline the whole
  worker is killed.
* **Nothing passes between jobs**: a job's processes live in its own pid
  namespace and die with it; its files, IPC objects and mounts die with its
  namespaces; what it changed in memory was its own copy-on-write copy of the
  zygote.
* **Results cannot be forged**: the student's code runs in the *kernel*
  process, which never holds the result channel. The *driver* process forwards
  the kernel's messages only with the nonce of the cell it asked for
  (:mod:`.inside.driver`); a message for another cell, out of turn, or after
  the last cell ends the run as a corrupted channel. Within its own running
  cell, student code can shape that cell's own outputs and status, which are
  its own anyway. Verdicts are never computed inside: the grader gets the
  answer values as plain data, checks every byte (:mod:`.channel`), and any
  failure while reading ends the job and replaces its worker. A result that
  comes from another machine (a Dask worker) is checked again where it
  arrives, field by field (:mod:`.wire`).

Residual: the CPU, memory and pipes a job uses are bounded per process by
rlimits, not by a cgroup; kernel objects charged to no limit (a few MiB of pipe
and socket buffers) are freed when the job ends.
"""

from grader.sandbox.bwrap import SandboxUnavailable, check_bwrap
from grader.sandbox.limits import Limits
from grader.sandbox.pool import SandboxPool
from grader.sandbox.results import (
    Answer,
    AnswerStatus,
    CellResult,
    CellStatus,
    PlainValue,
    SandboxResult,
)
from grader.sandbox.run import check_sandbox, run_cells

__all__ = [
    "Answer",
    "AnswerStatus",
    "CellResult",
    "CellStatus",
    "Limits",
    "PlainValue",
    "SandboxPool",
    "SandboxResult",
    "SandboxUnavailable",
    "check_bwrap",
    "check_sandbox",
    "run_cells",
]
