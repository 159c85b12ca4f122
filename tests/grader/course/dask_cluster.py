"""A real Dask cluster on 127.0.0.1 for the tests: a ``dask scheduler`` and ``dask worker``
processes started from the venv, each in a process group of its own (to be killed whole).

The scheduler picks a free port and writes its address to a scheduler file; the workers
find it there. Every process ends by itself if the test run dies: the scheduler after a
while without work, a worker once its scheduler is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from distributed import Client

from tests.conftest import REPOSITORY

from .run_command import environment

VENV_BIN = Path(sys.executable).parent
START_SECONDS = 180.0


@dataclass
class Cluster:
    """The scheduler file, the processes started, and a client of the test's own."""

    folder: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    client: Client | None = None

    @property
    def scheduler_file(self) -> Path:
        return self.folder / "scheduler.json"

    @property
    def address(self) -> str:
        """The scheduler's address, once it has written it."""
        return str(json.loads(self.scheduler_file.read_text())["address"])

    def _written_address(self) -> str | None:
        """The address in the scheduler's file, once the whole file is written."""
        try:
            return str(json.loads(self.scheduler_file.read_text())["address"])
        except (OSError, ValueError, KeyError):
            return None

    def _start(
        self,
        name: str,
        command: Sequence[str],
        env: Mapping[str, str] | None = None,
        prefix: Sequence[str] = (),
    ) -> None:
        with open(self.folder / f"{name}.log", "wb") as log:
            self.processes[name] = subprocess.Popen(
                [*prefix, str(VENV_BIN / "dask"), *command],
                cwd=self.folder,
                env=dict(env or environment()),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_scheduler(self) -> None:
        """``dask scheduler`` on a free port of 127.0.0.1 (not waited for)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        command = ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
        command += ["--scheduler-file", str(self.scheduler_file), "--idle-timeout", "600"]
        self._start("scheduler", command)

    def start_worker(
        self,
        name: str,
        env: Mapping[str, str] | None = None,
        prefix: Sequence[str] = (),
        extra: Sequence[str] = (),
    ) -> None:
        """``dask worker`` with one thread, in one process (no nanny), not waited for;
        ``env`` and a command ``prefix`` (e.g. ``unshare ...``) change the host it sees,
        ``extra`` options are added."""
        command = ["worker", "--scheduler-file", str(self.scheduler_file), "--name", name]
        command += ["--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard", "--no-nanny"]
        command += ["--memory-limit", "0", "--death-timeout", "60", *extra]
        command += ["--local-directory", str(self.folder / f"{name}-scratch")]
        self._start(name, command, env, prefix)

    def connect(self) -> Client:
        """The test's own client (once the scheduler has written its file)."""
        if self.client is None:
            deadline = time.monotonic() + START_SECONDS
            while (address := self._written_address()) is None:
                if self.processes["scheduler"].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the scheduler did not start: {self.log('scheduler')}")
                time.sleep(0.2)
            self.client = Client(address, timeout=60, set_as_default=False)
        return self.client

    def wait_for(self, *names: str) -> dict[str, str]:
        """Wait until the workers ``names`` have joined; their addresses by name."""
        client = self.connect()
        deadline = time.monotonic() + START_SECONDS
        while True:
            found = {
                info["name"]: address
                for address, info in client.scheduler_info(n_workers=-1)["workers"].items()
            }
            if all(name in found for name in names):
                return {name: found[name] for name in names}
            for name in names:
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"worker {name} exited: {self.log(name)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers {names} did not join: {found}")
            time.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL the process ``name`` and everything it started."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log(self, name: str) -> str:
        """The end of what process ``name`` printed."""
        return (self.folder / f"{name}.log").read_text(errors="replace")[-3000:]

    def close(self) -> None:
        """End every process (workers first)."""
        if self.client is not None:
            self.client.close()
        for name in [n for n in self.processes if n != "scheduler"] + ["scheduler"]:
            if name in self.processes:
                self.kill(name)


def project_copy(target: Path) -> Path:
    """A copy of the project's packages (``grader``, ``solutions``) to change: another
    version of the project, for ``PYTHONPATH``."""
    for package in ("grader", "solutions"):
        shutil.copytree(
            REPOSITORY / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target
