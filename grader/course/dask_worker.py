"""What runs on a Dask worker: a warm sandbox pool, and the two tasks that use it.

:class:`SandboxPlugin` is registered on every worker of the cluster by
:class:`~grader.course.dask_runner.DaskRunCells`: it starts a :class:`SandboxPool` with as
many sandboxes as the worker has threads when the worker takes it, and closes it with the
worker. The tasks are module functions, so a worker runs its own installed copy of them:

* :func:`report` says what the worker is (its address, threads and :func:`fingerprint`)
  and whether its sandbox really confines a job (:func:`check_sandbox`);
* :func:`run_cells` runs one notebook's cells in the worker's pool.

Each returns JSON text, plain data only; a run's result is encoded by
:mod:`grader.sandbox.wire` and checked again where it arrives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from distributed import Worker, WorkerPlugin, get_worker

from grader.course.fingerprint import fingerprint
from grader.sandbox import Limits, SandboxPool, SandboxUnavailable, check_sandbox
from grader.sandbox.wire import encode_result

PLUGIN_PREFIX = "hw4-sandbox-"


def plugin_name(limits: Limits) -> str:
    """The plugin's name on the workers: one warm pool per set of limits."""
    text = json.dumps(dataclasses.asdict(limits), sort_keys=True)
    return PLUGIN_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:16]


class SandboxPlugin(WorkerPlugin):
    """A warm :class:`SandboxPool` on each worker, a sandbox per worker thread."""

    idempotent = True
    """A worker that has this plugin already keeps it (and its warm pool)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pool: SandboxPool | None = None

    def setup(self, worker: Worker) -> None:
        """Start the pool in the background: the worker's event loop does not wait."""
        self.pool = SandboxPool(self.limits, workers=max(1, worker.state.nthreads))
        self.pool.start()

    def teardown(self, worker: Worker) -> None:
        """Stop the pool's sandboxes."""
        if self.pool is not None:
            self.pool.close()


def _pool(name: str) -> tuple[Worker, SandboxPool]:
    """This worker and its pool for the plugin ``name``."""
    worker = get_worker()
    plugin = worker.plugins.get(name)
    if not isinstance(plugin, SandboxPlugin) or plugin.pool is None:
        raise RuntimeError(f"the sandbox plugin {name} did not start on {worker.address}")
    return worker, plugin.pool


def report(name: str) -> str:
    """This worker's address, threads and fingerprint, and why its sandbox cannot confine
    a job here ("" when it can)."""
    worker, pool = _pool(name)
    try:
        check_sandbox(pool)
        sandbox = ""
    except SandboxUnavailable as error:
        sandbox = str(error)
    data = {
        "address": worker.address,
        "threads": worker.state.nthreads,
        "fingerprint": fingerprint(),
        "sandbox": sandbox,
    }
    return json.dumps(data)


def run_cells(name: str, cells: list[str], names: list[str], files: dict[str, str]) -> str:
    """``cells`` run in this worker's pool: its address and fingerprint, and the result."""
    worker, pool = _pool(name)
    result = pool.run_cells(cells, names=names, files=files)
    data: dict[str, Any] = {
        "address": worker.address,
        "fingerprint": fingerprint(),
        "result": encode_result(result),
    }
    return json.dumps(data, allow_nan=False)
