"""A student's JupyterLab, started for a test on 127.0.0.1 with nbgrader's extensions.

:func:`student_jupyterlab` starts ``jupyter lab`` from the venv in its own process
group, with everything it reads or writes in temporary folders of the test:

- the student's home (``HOME`` and the server's root dir: the file browser's top);
- a Jupyter configuration folder (``JUPYTER_CONFIG_DIR``) that holds the student's
  ``nbgrader_config.py`` (exchange root, course id, the student's submission cache), the
  server extensions a student has (nbgrader's Assignment List and Validate, not the
  instructor's Formgrader and Course List) and the same choice for the lab extensions;
- Jupyter's data and runtime folders, and IPython's.

nbgrader's Assignment List server extension reads ``nbgrader_config.py`` from the
server's root dir and from every folder of ``jupyter --paths``' config list, so the
temporary ``JUPYTER_CONFIG_DIR`` reaches it without a file in the student's home.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 90.0
"""Seconds for the server to answer (its first start imports nbgrader's extensions)."""

SERVER_EXTENSIONS = {
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
"""A student's nbgrader server extensions (nbgrader's documentation for student machines)."""

DISABLED_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:create-assignment",
)
"""The instructor's parts of nbgrader's lab extension, off for a student."""

USER_SETTINGS = {
    # no news or update checks from the page (the machine has no network but the registries)
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass(frozen=True)
class StudentLab:
    """A started JupyterLab: its address, token, folders and log."""

    url: str
    token: str
    home: Path
    config_dir: Path
    log: Path
    process: subprocess.Popen[bytes]

    def join_course(self, exchange: Path, course_id: str) -> None:
        """Point the student's Assignment List at a course's exchange (read on each request)."""
        cache = self.config_dir.parent / "nbgrader-cache"
        write_nbgrader_configuration(self.config_dir, exchange, course_id, cache)

    def wait_until_up(self) -> None:
        """Wait until the server answers; fail with its log if it exits or takes too long."""
        deadline = time.monotonic() + START_TIMEOUT
        status = f"{self.url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited while starting.\n{self.failure_report()}")
            try:
                with urllib.request.urlopen(status, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        raise RuntimeError(
            f"JupyterLab did not answer in {START_TIMEOUT:g} s.\n{self.failure_report()}"
        )

    def lab_url(self, path: str = "lab") -> str:
        """The address of a page of the server, with the token."""
        return f"{self.url}/{path}?token={self.token}"

    def log_tail(self, characters: int = 6000) -> str:
        """The end of the server's log, for a failure message."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return text[-characters:]

    def failure_report(self) -> str:
        """What a failing test prints about the server."""
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"JupyterLab at {self.url} ({state}); the end of its log:\n{self.log_tail()}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def write_lab_configuration(config_dir: Path) -> None:
    """A student's server and lab extensions, and quiet lab settings (module docstring)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    server = {"ServerApp": {"jpserver_extensions": SERVER_EXTENSIONS}}
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server), encoding="utf-8")
    labconfig = config_dir / "labconfig"
    labconfig.mkdir(exist_ok=True)
    page = {"disabledExtensions": dict.fromkeys(DISABLED_LAB_PLUGINS, True)}
    (labconfig / "page_config.json").write_text(json.dumps(page), encoding="utf-8")
    for name, settings in USER_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(settings), encoding="utf-8")


def write_nbgrader_configuration(
    config_dir: Path, exchange: Path, course_id: str, cache: Path
) -> None:
    """The student's ``nbgrader_config.py``: the course's exchange and id, a cache of its own."""
    (config_dir / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
        f"c.Exchange.cache = {str(cache)!r}\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n",
        encoding="utf-8",
    )


def _environment(base: Path, home: Path, config_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "JUPYTER_PATH",
        "JUPYTER_CONFIG_PATH",
        "JUPYTERLAB_SETTINGS_DIR",
        "HW4_STUDENT_ID",
    ):
        env.pop(name, None)
    env.update(
        HOME=str(home),
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_DATA_DIR=str(base / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
        IPYTHONDIR=str(base / "ipython"),
        MPLCONFIGDIR=str(base / "matplotlib"),
        JUPYTER_PLATFORM_DIRS="1",
    )
    return env


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop the server and all it started (kernels): SIGTERM to its process group, then
    SIGKILL to what is left of the group after ``grace`` seconds."""
    if process.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError):  # kernels of a server that exited first
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextmanager
def student_jupyterlab(base: Path) -> Iterator[StudentLab]:
    """Start the student's JupyterLab in ``base``/home; stop it (the whole group) on exit.

    It is not waited for: :meth:`StudentLab.join_course` and :meth:`StudentLab.wait_until_up`
    come next, so that the server starts while the caller does something else.
    """
    home = base / "home"
    home.mkdir(parents=True)
    config_dir = base / "jupyter-config"
    write_lab_configuration(config_dir)
    port = free_port()
    token = secrets.token_hex(16)
    command = [
        str(VENV_BIN / "jupyter-lab"),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={home}",
        f"--IdentityProvider.token={token}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = base / "jupyterlab.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=home,
            env=_environment(base, home, config_dir),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield StudentLab(
            url=f"http://127.0.0.1:{port}",
            token=token,
            home=home,
            config_dir=config_dir,
            log=log,
            process=process,
        )
    finally:
        stop(process)
