"""Run a student's code cells in a fresh, isolated Python and bring back plain data.

The one entry point::

    run_cells(
        cells: Sequence[str],                 # code-cell sources, in notebook order
        *,
        names: Sequence[str],                 # variables to read back (identifiers)
        limits: Limits | None = None,         # time and resource limits; Limits() if None
        files: Mapping[str, str] | None = None,  # {file name: text} put in the working dir
        unsafe: bool = False,                 # True: same runner without bubblewrap
    ) -> SandboxResult

raises ``SandboxUnavailable`` (with the reason) when bubblewrap is missing or
cannot create namespaces and ``unsafe`` is False, ``TypeError`` or
``ValueError`` for malformed arguments, and nothing else: whatever the cells do
is reported in the result. ``check_bwrap()`` raises the same error without
running anything (for a command's preflight). It is safe to call ``run_cells``
from several threads or processes at once; runs share nothing.

* Each call starts one Python (not a Jupyter kernel) inside bubblewrap: no
  network, read-only system, only the Python installation and site-packages
  visible (``import grader`` and ``import solutions`` fail), a private
  size-capped tmpfs as working directory (``files`` are written there, e.g.
  ``{"hw4_variant.py": source}``), setrlimit limits, and an unprivileged user
  of its own. Time limits are enforced from outside; see :class:`Limits`.
  When a run ends, every process it started is gone.
* Cells share one namespace and run in order, like a notebook kernel. A cell
  that raises (a syntax error, ``sys.exit()``, a ``MemoryError``...) is
  recorded as ``error`` and the next cells still run, as nbgrader's autograde
  does. A cell that runs past ``Limits.cell_seconds`` is interrupted (status
  ``timeout``) and the next cells run too, as after nbgrader's kernel
  interrupt. A cell that does not stop when interrupted, or kills the process
  (``os._exit``, a signal), ends the run: its later cells are ``skipped``. IPython magics and shell
  escapes (``%matplotlib inline``, ``!pip ...``) are not run. ``input()``
  raises ``EOFError``; ``display(obj)`` works for figures and plain text.
* ``SandboxResult.cells[i]`` gives status, stdout, stderr, error and nbformat
  outputs (matplotlib figures as ``image/png`` ``display_data``, as the inline
  backend shows them; ``CellResult.notebook_outputs()`` for the executed notebook).
* ``SandboxResult.answers[name]`` is the value of ``name`` after the last cell
  that finished, as plain data (bool, int, float, str, None, nested lists;
  numpy arrays and scalars converted; NaN and infinities as real floats), or
  status ``missing`` / ``unsupported`` (detail: ``"unsupported type T"``) /
  ``unavailable``. ``SandboxResult.values()`` keeps only the ``ok`` ones.
  Values read back are limited in size (``MAX_LEAVES`` numbers, ``MAX_STRING``
  characters, see :mod:`grader.sandbox.inside.plain`).
* ``SandboxResult.problem`` says in words what ended a run early (a time limit,
  ``the Python process exited with code 0``, ``the sandbox could not start
  (...): bwrap: ...``, ``the result channel was corrupted: ...``); it is empty
  when every cell ran. A sandbox that fails to start is retried once.

Example::

    result = run_cells(
        sources,
        names=["y_hat", "loss", "STUDENT_ID"],
        limits=Limits(cell_seconds=10),
        files={"hw4_variant.py": variant_source},
    )
    for cell in result.cells:
        notebook_cell.outputs = cell.notebook_outputs(execution_count=...)
    answers = result.values()            # {"y_hat": [..., ...], "loss": ..., ...}

Many notebooks: a pool of warm workers, the same results about five times faster::

    with SandboxPool(limits, workers=N) as pool:       # N: how many run at once
        result = pool.run_cells(cells, names=names, files=files)   # thread-safe
        ...                                            # as run_cells, same SandboxResult

``SandboxPool(limits: Limits | None = None, workers: int = 1, *, unsafe: bool = False)``;
``pool.run_cells(cells, *, names, files=None, limits=None) -> SandboxResult``
(``limits`` defaults to the pool's; its ``scratch_bytes`` must be the pool's). Each
worker is one long-lived bubblewrap sandbox, made like a one-shot run's, in which a
Python that has imported numpy and pyplot (and holds no student data) forks one
child per notebook; the child gets its own scratch directory and user id, and
before the next notebook every process of that user is killed and the directory
deleted. A call waits for a free worker; a worker is started on first use, and
replaced after a notebook that hit a time limit or broke its channel (its whole
namespace is killed, as a one-shot sandbox is). Python start and the numpy and
pyplot imports (about 0.5 s of CPU per notebook) are paid once per worker. What a
notebook can and cannot reach in a worker is argued in :mod:`grader.sandbox.pool`.
The pool needs root (per-notebook user ids); otherwise, and with ``unsafe``, it
runs each call as ``run_cells`` does. Differences from ``run_cells``: the notebook
time limit counts from the fork, not from Python's start; ``sys.modules`` already
holds numpy and matplotlib (pyplot on the sandbox's inline backend).

Trust: the values come back over a channel the student's code could forge; see
:mod:`grader.sandbox.channel` for why that can only claim numbers the student
could have set anyway, and how the parent protects itself.
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
from grader.sandbox.run import run_cells

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
    "run_cells",
]
