"""What the sandbox hides and forbids: project code, course files, network, writes, privileges."""

from __future__ import annotations

import os
import socket
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import grader
from grader.sandbox import Limits
from tests.grader.sandbox.conftest import Runner

REPOSITORY = Path(grader.__file__).resolve().parents[1]
PREFIX = Path(sys.base_prefix).resolve()


def outcome(
    sandbox: Runner, cell: str, limits: Limits, names: list[str] | None = None
) -> dict[str, object]:
    result = sandbox([cell], names=names or ["found"], limits=limits)
    assert result.cells[0].status == "ok", result.cells[0].traceback
    return result.values()


TRY = """
def attempt(action):
    try:
        action()
    except BaseException as error:
        return type(error).__name__
    return "succeeded"
"""


def test_only_numpy_matplotlib_and_their_dependencies_can_be_imported(
    limits: Limits, sandbox: Runner
) -> None:
    cell = TRY + (
        "found = [attempt(lambda m=m: __import__(m)) for m in\n"
        "         ('solutions', 'grader', 'nbgrader', 'IPython', 'jupyter_core', 'sympy')]\n"
        "allowed = [attempt(lambda m=m: __import__(m)) for m in\n"
        "           ('numpy', 'matplotlib.pyplot', 'PIL', 'dateutil', 'json', 'fractions')]\n"
    )
    values = outcome(sandbox, cell, limits, ["found", "allowed"])
    assert values["found"] == ["ModuleNotFoundError"] * 6
    assert values["allowed"] == ["succeeded"] * 6


def test_the_course_directory_and_other_files_are_not_visible(
    limits: Limits, tmp_path: Path, sandbox: Runner
) -> None:
    course = tmp_path / "course"
    (course / "submitted" / "other_student" / "hw4").mkdir(parents=True)
    (course / "gradebook.db").write_text("secret")
    (course / "submitted" / "other_student" / "hw4" / "hw4.ipynb").write_text("{}")
    paths = [
        REPOSITORY,
        REPOSITORY / "solutions" / "network.py",
        REPOSITORY / "grader" / "judgment" / "rubric.py",
        course,
        course / "gradebook.db",
        Path("/work"),
        Path("/tmp"),
    ]
    cell = f"""
import os
found = [os.path.exists(p) for p in {[str(p) for p in paths]!r}]
public = ("/usr", "/proc", "/dev", {str(PREFIX)!r})  # the system and the Python installation
names = []
for root, dirs, files in os.walk("/"):
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in public
               and not d.startswith("site-packages-")]
    names += [os.path.join(root, n) for n in dirs + files]
words = ("gradebook.db", "solutions", "grader", "submitted", "autograded", "hw4")
leaks = [n for n in names if set(n.split("/")) & set(words)]
processes = [p for p in os.listdir("/proc") if p.isdigit()]
"""
    values = outcome(sandbox, cell, limits, ["found", "leaks", "processes"])
    assert values["found"] == [False] * len(paths)
    assert values["leaks"] == []
    assert values["processes"] == []  # no process of the sandbox is listed, not even its own


def test_there_is_no_network(limits: Limits, sandbox: Runner) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    cell = (
        TRY
        + f"""
import socket
found = [
    attempt(lambda: socket.create_connection(("127.0.0.1", {port}), timeout=2)),
    attempt(lambda: socket.create_connection(("1.1.1.1", 443), timeout=2)),
    attempt(lambda: socket.getaddrinfo("pypi.org", 443)),
]
"""
    )
    try:
        values = outcome(sandbox, cell, replace(limits, cell_seconds=20.0))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected from inside
    finally:
        listener.close()
    found = values["found"]
    assert found[0] == "OSError"  # type: ignore[index]  # a job's own loopback is down
    assert found[1] == "OSError"  # type: ignore[index]  # network unreachable
    assert found[2] == "gaierror"  # type: ignore[index]


def test_writing_outside_the_scratch_directory_fails(
    limits: Limits, tmp_path: Path, sandbox: Runner
) -> None:
    targets = [
        "/usr/escape",
        "/escape",
        "/sandbox/escape",
        "/root/escape",
        str(tmp_path / "escape"),
    ]
    cell = (
        TRY
        + f"""
import os, sys
targets = {targets!r} + [sys.path[1] + "/escape.py", os.__file__]
found = [attempt(lambda t=t: open(t, "a").write("x")) for t in targets]
with open("inside.txt", "w") as handle:
    handle.write("fine")
scratch = open("inside.txt").read()
"""
    )
    values = outcome(sandbox, cell, limits, ["found", "scratch"])
    assert all(
        result in ("OSError", "PermissionError", "FileNotFoundError") for result in values["found"]
    )  # type: ignore[union-attr]
    assert "succeeded" not in values["found"]  # type: ignore[operator]
    assert values["scratch"] == "fine"
    assert not (tmp_path / "escape").exists()


def test_each_run_has_its_own_scratch_directory(limits: Limits, sandbox: Runner) -> None:
    sandbox(["open('left-behind.txt', 'w').write('x')"], names=[], limits=limits)
    values = outcome(sandbox, "import os\nfound = os.listdir('.')", limits)
    assert "left-behind.txt" not in values["found"]  # type: ignore[operator]


def test_student_code_runs_without_privilege_as_a_user_of_its_own(
    limits: Limits, sandbox: Runner
) -> None:
    marker = f"privilege-{uuid.uuid4()}"
    cell = f"""
import ctypes, os, subprocess, sys, time
class Header(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
class Data(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]
data = (Data * 2)()
ctypes.CDLL(None).capget(ctypes.byref(Header(0x20080522, 0)), data)
capabilities = [data[0].effective, data[0].permitted, data[1].effective, data[1].permitted]
inside = [os.getuid(), os.getgid(), os.geteuid()]
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)", {marker!r}])
time.sleep(1)
"""
    with ThreadPoolExecutor(1) as background:
        running = background.submit(
            sandbox, [cell], names=["capabilities", "inside"], limits=limits
        )
        deadline = time.monotonic() + 20
        seen: list[tuple[int, int]] = []
        while not seen and time.monotonic() < deadline:
            seen = host_uids_of(marker)
            time.sleep(0.05)
        result = running.result()
    values = result.values()
    assert values["capabilities"] == [0, 0, 0, 0]
    assert values["inside"] == [1000, 1000, 1000]
    assert seen, "the cell's process was not seen from outside"
    for uid, effective_capabilities in seen:
        assert effective_capabilities == 0
        # as root, a host user of its own; as a normal user, that user (no other is mapped)
        assert uid != 0 and (os.geteuid() == 0 or uid == os.geteuid())


def host_uids_of(marker: str) -> list[tuple[int, int]]:
    """(host uid, effective capabilities) of each host process whose command line has ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if marker.encode() not in Path(f"/proc/{entry}/cmdline").read_bytes():
                continue
            status = dict(
                line.split(":", 1)
                for line in Path(f"/proc/{entry}/status").read_text().splitlines()
                if ":" in line
            )
        except OSError:
            continue
        found.append((int(status["Uid"].split()[1]), int(status["CapEff"], 16)))
    return found


def test_nothing_of_the_graders_environment_is_inherited(
    limits: Limits, monkeypatch: pytest.MonkeyPatch, sandbox: Runner
) -> None:
    monkeypatch.setenv("HW4_GRADER_SECRET", "do-not-leak")
    values = outcome(sandbox, "import os\nfound = 'HW4_GRADER_SECRET' in os.environ", limits)
    assert values == {"found": False}


def test_monkeypatching_numpy_or_builtins_changes_only_its_own_numbers(
    limits: Limits, sandbox: Runner
) -> None:
    patch = """
import builtins, json, numpy as np
np.allclose = lambda *args, **kwargs: True
np.mean = lambda *args, **kwargs: 0.0
builtins.abs = lambda value: 0
json.dumps = lambda *args, **kwargs: "forged"
"""
    compute = "close = np.allclose(1.0, 2.0)\nloss = np.mean([1.0, 3.0])\nsize = abs(-5)\n"
    patched = sandbox([patch, compute], names=["close", "loss", "size"], limits=limits)
    assert patched.values() == {"close": True, "loss": 0.0, "size": 0}
    fresh = sandbox(
        ["import numpy as np\n" + compute], names=["close", "loss", "size"], limits=limits
    )
    assert fresh.values() == {"close": False, "loss": 2.0, "size": 5}
    assert not np.allclose(1.0, 2.0) and abs(-5) == 5
