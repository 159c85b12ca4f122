"""``run_cells``: one notebook's code cells in a sandbox of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grader.sandbox.bwrap import check_bwrap
from grader.sandbox.limits import Limits
from grader.sandbox.pool import SandboxPool, check_arguments
from grader.sandbox.results import SandboxResult


def run_cells(
    cells: Sequence[str],
    *,
    names: Sequence[str],
    limits: Limits | None = None,
    files: Mapping[str, str] | None = None,
    unsafe: bool = False,
) -> SandboxResult:
    """Run ``cells`` in order in a fresh sandbox; see :mod:`grader.sandbox`.

    The sandbox is a worker of a one-off :class:`SandboxPool` that skips the warm-up
    imports: the same confinement, one job, then gone.
    """
    limits = limits or Limits()
    files = dict(files or {})
    check_arguments(cells, names, files)
    if not unsafe:
        check_bwrap()
    with SandboxPool(limits, unsafe=unsafe, warm=False) as pool:
        return pool.run_cells(cells, names=names, files=files)
