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

* **What it can see**: the system's ``/usr``, the Python installation's interpreter
  and standard library, and one site-packages directory with numpy, matplotlib and
  their dependencies (:mod:`.runtime`), compiled afresh so that no file names a host
  path of the project, its virtual environment or the course. Every other package
  directory in what it sees, the base Python's own ``site-packages`` and the
  system's ``dist-packages`` included, is covered by an empty read-only directory
  (:func:`.bwrap.hidden_package_dirs`): a package installed into the base Python
  (``solutions`` itself, were it installed there) cannot be imported, even with
  ``sys.path`` or ``site`` changed. Not the course directory,
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
  loading and sockets other than Unix and IP. Each job has a network namespace of
  its own, whose loopback is down: no port or abstract Unix socket of another job,
  earlier or later, is reachable, and none of its own outlives it. (Refusing
  abstract sockets in the filter was the other choice: seccomp cannot read the
  address a ``bind`` or ``connect`` names, so it would have to refuse Unix sockets
  whole and would leave loopback ports shared; a namespace costs well under a
  millisecond per job.)
* **Time**: enforced from outside (:mod:`.process`): past a deadline the whole
  worker is killed.
* **A job ends whole**: its pid namespace is the unit. Every process a student
  starts is in it, whatever it does (double fork, ``setsid``, vfork, threads), and
  dies when the namespace's init, the job's driver, exits. The job process that
  supervises the driver lies outside the namespace, where no student process can
  name it, and in another session: a signal to the student's own process group,
  session or every process it can name reaches the driver at most, which as init
  ignores it. Should the job process die all the same, the driver dies with it (a
  parent-death signal) and the namespace with the driver. A job is *clean* only
  if its job process exited by itself, and the zygote, a child subreaper, then has
  no child left; otherwise the worker is retired, every process in it killed,
  before another job runs there. So when a job is over, for whatever reason, none
  of its processes runs on, holds memory or uses CPU time.
* **Nothing passes between jobs**: a job's processes live in its own pid
  namespace and die with it; its files, IPC objects, sockets and mounts die with
  its namespaces; what it changed in memory was its own copy-on-write copy of the
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
and socket buffers) are freed when the job ends. The package directories hidden
are those that exist when a worker starts.

Changed after a second adversarial review, and why: the job process shared its
process group with the student's code, so a cell could end it with a signal to
its own group and keep running; the zygote took the job for over and clean, and
the job's processes lived on in the worker, past every time limit, holding memory
and CPU, and listening on abstract Unix sockets that a later job in the same
worker (then the same network namespace) could reach. Hence the driver's own
session and parent-death signal, the subreaper and the stricter *clean*, and a
network namespace per job. And the base Python's ``site-packages`` was visible
below its prefix, which the sandbox binds for the standard library; hence the
hidden package directories.
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
