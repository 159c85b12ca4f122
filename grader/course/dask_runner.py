"""Students' cells run on a Dask cluster: :class:`DaskRunCells`, a drop-in ``RunCells``.

Each call sends one notebook's code cells (text), the names to read back and the released
files to a worker of the cluster, whose own warm sandbox pool runs them
(:mod:`grader.course.dask_worker`); the result comes back as JSON text and is checked
field by field (:mod:`grader.sandbox.wire`) before anything reads it. Only that result
crosses back: the notebook's alignment, the verdict, the gradebook and every file stay
here, exactly as in a local run.

Workers are admitted one by one. A worker must report this machine's
:func:`~grader.course.fingerprint.fingerprint` (the same project, Python and packages) and
a sandbox that confines a job; any other is refused with a message naming it and what is
wrong, and never gets a notebook. Tasks go only to admitted workers (``workers=``,
``allow_other_workers=False``), and each result names the worker that made it and its
fingerprint: a result from anywhere else is not used. Workers that join later are checked
as they come.

A worker lost mid-run: the scheduler runs its tasks again on another worker. A run is a
pure function of its inputs and comes back once per call, so nothing is lost or counted
twice. A result that is not well formed becomes a sandbox fault for that submission.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from distributed import Client, Future

from grader.course import CourseError
from grader.course import dask_worker as tasks
from grader.course.fingerprint import differences, fingerprint
from grader.sandbox import Limits, SandboxResult
from grader.sandbox.pool import check_arguments
from grader.sandbox.wire import WireError, decode_result, fault_result, max_wire_bytes, read_json

CONNECT_SECONDS = 30.0
"""How long reaching the scheduler may take."""
JOIN_SECONDS = 300.0
"""How long to wait for a first worker (a batch system may take a while to start one)."""
CHECK_SECONDS = 300.0
"""How long a new worker may take to report (its sandboxes start first)."""
POLL_SECONDS = 2.0
"""How often a waiting call looks for workers that joined or left."""
RUN_SECONDS, RUN_FACTOR = 300.0, 10
"""A run's result comes within ``RUN_SECONDS + RUN_FACTOR * notebook_seconds`` (a wait for a
free worker included), or it is lost."""
MAX_ATTEMPTS = 3
"""Sends of one notebook whose result could not be used (its worker left or was refused)."""


class ClusterError(CourseError):
    """The cluster cannot grade: no scheduler, or no worker fit to run students' code."""


class RunLostError(Exception):
    """A run whose result cannot be used: send it again, elsewhere."""


@dataclass(frozen=True)
class Admitted:
    """A worker checked and accepted: its address and threads."""

    address: str
    threads: int


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class DaskRunCells:
    """Runs each notebook's cells on an admitted worker of the Dask cluster at ``address``.

    Thread-safe; use it as a context manager (or call :meth:`close`). Connecting waits for a
    first worker and checks every worker there; :class:`ClusterError` says why no worker
    can grade. ``log`` gets one line for each worker refused.
    """

    def __init__(
        self,
        address: str,
        limits: Limits | None = None,
        *,
        log: Callable[[str], None] = _stderr,
        join_seconds: float = JOIN_SECONDS,
    ) -> None:
        self.address = address
        self.limits = limits or Limits()
        self.log = log
        self.join_seconds = join_seconds
        self.run_seconds = RUN_SECONDS + RUN_FACTOR * self.limits.notebook_seconds
        self.fingerprint = fingerprint()
        self.name = tasks.plugin_name(self.limits)
        self.lock = threading.Lock()
        self.admitted: dict[str, Admitted] = {}
        self.refused: dict[str, str] = {}
        self.checks: dict[str, Future[str]] = {}
        self.checked_at = 0.0
        self.client = self._connect()
        try:
            self._start()
        except BaseException:
            self.client.close()
            raise

    # -- connecting and admitting workers ------------------------------------------------

    def _connect(self) -> Client:
        try:
            return Client(self.address, timeout=CONNECT_SECONDS, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {self.address}: {error}"
            ) from error

    def _start(self) -> None:
        """The plugin on every worker (and every worker to come), then each worker checked."""
        try:
            self.client.register_plugin(tasks.SandboxPlugin(self.limits), name=self.name)
        except Exception as error:  # a worker that cannot load it is refused below
            self.log(f"the sandbox plugin could not start on every Dask worker: {error}")
        try:
            self.client.wait_for_workers(1, timeout=self.join_seconds)
        except TimeoutError as error:
            raise ClusterError(
                f"no Dask worker joined the scheduler at {self.address} "
                f"within {self.join_seconds:g} s"
            ) from error
        self._admit(wait=True)
        if not self.admitted:
            reasons = [f"{a}: {why}" for a, why in sorted(self.refused.items())]
            reasons += [f"{a}: no report within {CHECK_SECONDS:g} s" for a in sorted(self.checks)]
            raise ClusterError(f"no Dask worker at {self.address} can grade ({'; '.join(reasons)})")

    def _admit(self, wait: bool = False) -> None:
        """Check the workers that joined since the last look; forget those that left.
        With ``wait``, wait (up to ``CHECK_SECONDS``) until every check has finished."""
        deadline = time.monotonic() + CHECK_SECONDS
        while True:
            with self.lock:
                self._look()
                pending = list(self.checks.values())
            if not (wait and pending) or time.monotonic() > deadline:
                return
            with contextlib.suppress(Exception):  # read by the next look, by its status
                pending[0].result(timeout=POLL_SECONDS)

    def _look(self) -> None:
        """One look at the cluster: checks sent to new workers, finished ones read."""
        present = set(self.client.nthreads())
        for address in present - set(self.admitted) - set(self.refused) - set(self.checks):
            self.checks[address] = self.client.submit(
                tasks.report, self.name, workers=[address], allow_other_workers=False, pure=False
            )
        for gone in (self.admitted, self.refused):  # an address may come back, anew
            for address in set(gone) - present:
                del gone[address]
        for address in set(self.checks) - present:
            self.checks.pop(address).cancel()
        for address, future in list(self.checks.items()):
            if future.done():
                del self.checks[address]
                self._judge(address, future)
        self.checked_at = time.monotonic()

    def _judge(self, address: str, future: Future[str]) -> None:
        """Admit or refuse the worker at ``address`` by its finished report."""
        if future.status != "finished":
            error = future.exception() if future.status == "error" else future.status
            self._refuse(address, f"it cannot run the grader ({type(error).__name__}: {error})")
            return
        try:
            data = read_json(future.result(), 64 * 1024)
            if not isinstance(data, dict) or data.get("address") != address:
                raise WireError("its report names another worker")
            threads, sandbox = data.get("threads"), data.get("sandbox")
            if type(threads) is not int or threads < 1 or not isinstance(sandbox, str):
                raise WireError("its report is malformed")
        except Exception as error:  # WireError, or a report of the wrong shape
            self._refuse(address, f"its report cannot be read ({error})")
            return
        differ = differences(self.fingerprint, data.get("fingerprint"))
        if differ:
            self._refuse(address, "it runs another version of the project: " + "; ".join(differ))
        elif sandbox:
            self._refuse(address, f"its sandbox does not work: {sandbox}")
        else:
            self.admitted[address] = Admitted(address, threads)

    def _refuse(self, address: str, reason: str) -> None:
        self.refused[address] = reason
        self.admitted.pop(address, None)
        self.log(f"refused Dask worker {address}: {reason}; none of its results are used")

    def workers(self) -> list[str]:
        """The admitted workers now (new ones checked at most every ``POLL_SECONDS``)."""
        if time.monotonic() - self.checked_at >= POLL_SECONDS:
            self._admit()
        with self.lock:
            return sorted(self.admitted)

    @property
    def threads(self) -> int:
        """The threads of the admitted workers: how many notebooks they run at once."""
        with self.lock:
            return sum(worker.threads for worker in self.admitted.values())

    # -- running cells -------------------------------------------------------------------

    def __call__(
        self, cells: Sequence[str], *, names: Sequence[str], files: Mapping[str, str]
    ) -> SandboxResult:
        """Run ``cells`` on an admitted worker, as :meth:`SandboxPool.run_cells` would here."""
        cells, names, files = list(cells), list(dict.fromkeys(names)), dict(files)
        check_arguments(cells, names, files)
        why = ""
        for _ in range(MAX_ATTEMPTS):
            try:
                return self._run_once(cells, names, files)
            except RunLostError as error:
                why = str(error)
        raise RuntimeError(f"no Dask worker gave a usable result after {MAX_ATTEMPTS} sends: {why}")

    def _run_once(self, cells: list[str], names: list[str], files: dict[str, str]) -> SandboxResult:
        workers = self._wait_for_workers()
        future = self.client.submit(
            tasks.run_cells,
            self.name,
            cells,
            names,
            files,
            workers=workers,
            allow_other_workers=False,
            pure=False,
        )
        try:
            text = self._result(future, workers)
        finally:
            future.release()
        return self._read(text, len(cells), names)

    def _wait_for_workers(self) -> list[str]:
        """The admitted workers, waiting up to ``join_seconds`` for one."""
        deadline = time.monotonic() + self.join_seconds
        while not (workers := self.workers()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no admitted Dask worker for {self.join_seconds:g} s")
            time.sleep(POLL_SECONDS)
        return workers

    def _result(self, future: Future[str], workers: list[str]) -> Any:
        """The task's result; :class:`RunLostError` when every worker it may run on has left.
        A result that never comes (the cluster lost it) is an error after ``run_seconds``."""
        deadline = time.monotonic() + self.run_seconds
        while True:
            try:
                return future.result(timeout=POLL_SECONDS)
            except TimeoutError:
                if not set(workers) & set(self.workers()):
                    future.cancel()
                    raise RunLostError("every worker it was sent to left the cluster") from None
                if time.monotonic() > deadline:
                    future.cancel()
                    raise RuntimeError(
                        f"the Dask cluster sent no result within {self.run_seconds:g} s"
                    ) from None
            except Exception as error:
                raise RuntimeError(
                    f"the Dask cluster could not run the cells ({type(error).__name__}: {error})"
                ) from error

    def _read(self, text: Any, cells: int, names: list[str]) -> SandboxResult:
        """The checked result; a result from a worker not admitted is not used."""
        try:
            data = read_json(text, max_wire_bytes(self.limits) + 64 * 1024)
            if not isinstance(data, dict) or set(data) != {"address", "fingerprint", "result"}:
                raise WireError("it is not a result of run_cells")
        except WireError as error:
            return fault_result(cells, names, f"a Dask worker sent a malformed result ({error})")
        address = data["address"]
        with self.lock:
            if not (isinstance(address, str) and address in self.admitted):
                raise RunLostError(f"the result came from {address!r}, a worker not admitted")
            differ = differences(self.fingerprint, data["fingerprint"])
            if differ:  # changed since it was admitted: no more notebooks for it
                self._refuse(address, "it now runs another version: " + "; ".join(differ))
                raise RunLostError(f"the result came from {address}, now refused")
        try:
            result = decode_result(data["result"], cells=cells, names=names)
            if not result.sandboxed:
                raise WireError("it says the cells ran without the sandbox")
        except WireError as error:
            problem = f"Dask worker {address} sent a malformed result ({error})"
            return fault_result(cells, names, problem)
        return result

    # -- closing -------------------------------------------------------------------------

    def close(self) -> None:
        """Disconnect; the workers keep their warm pools for the next run."""
        with self.lock:
            for future in self.checks.values():
                future.cancel()
            self.checks.clear()
        self.client.close()

    def __enter__(self) -> DaskRunCells:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
