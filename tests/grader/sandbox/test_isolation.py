"""What the sandbox hides and forbids: project code, course files, network, writes, privileges."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import grader
from grader.sandbox import Limits, layout, run, run_cells
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


def test_the_project_packages_cannot_be_imported(limits: Limits, sandbox: Runner) -> None:
    cell = TRY + (
        "import glob, sys\n"
        "found = [attempt(lambda: __import__(m)) for m in ('solutions', 'grader')]\n"
        "editable = glob.glob(sys.path[1] + '/*.pth') + glob.glob(sys.path[1] + '/__editable__*')\n"
        "# what site.py would do with the editable install's .pth, then its finder\n"
        "hidden = [attempt(lambda p=p: exec(open(p).read())) for p in editable]\n"
        "found += [attempt(lambda: __import__(m)) for m in ('solutions', 'grader')]\n"
    )
    values = outcome(sandbox, cell, limits, ["found", "hidden", "editable"])
    assert values["found"] == ["ModuleNotFoundError"] * 4
    assert values["editable"]  # the install is there, masked
    assert set(values["hidden"]) == {"PermissionError"}  # type: ignore[arg-type]


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
        REPOSITORY / "grader" / "rubric.py",
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
    assert len(values["processes"]) <= 3  # type: ignore[arg-type]  # init, the runner, ls


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
    assert found[0] == "ConnectionRefusedError"  # type: ignore[index]
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


@pytest.mark.skipif(os.geteuid() != 0, reason="privileges are dropped only when the grader is root")
def test_student_code_runs_unprivileged(limits: Limits, sandbox: Runner) -> None:
    cell = """
import os
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
found = [os.getuid(), os.getgid(), int(status["CapEff"], 16), int(status["CapPrm"], 16)]
"""
    uid, gid, effective, permitted = outcome(sandbox, cell, limits)["found"]  # type: ignore[misc]
    assert uid != 0 and gid != 0 and effective == 0 and permitted == 0


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


def test_an_installed_copy_of_the_project_is_masked(
    limits: Limits, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    for package in ("grader", "solutions"):
        (site / package).mkdir(parents=True)
        (site / package / "__init__.py").write_text("ANSWER = 'secret'\n")
    (site / "hw4_backprop-1.0.0.dist-info").mkdir()
    (site / "hw4_backprop-1.0.0.dist-info" / "RECORD").write_text("grader/__init__.py\n")
    real = layout.python_layout()
    with_copy = replace(real, site_dirs=(*real.site_dirs, site))
    monkeypatch.setattr(run, "python_layout", lambda: with_copy)
    monkeypatch.setattr(run, "prepared_font_cache", lambda *args: None)  # no pyplot here
    cell = TRY + (
        "import os, sys\n"
        "found = [attempt(lambda: __import__(m)) for m in ('solutions', 'grader')]\n"
        "site = [path for path in sys.path if path.endswith('site-packages-1')][0]\n"
        "listing = sorted(os.listdir(site))\n"
        "contents = [sorted(os.listdir(os.path.join(site, entry))) for entry in listing]\n"
    )
    values = outcome(run_cells, cell, limits, ["found", "listing", "contents"])
    assert values["found"] == ["ModuleNotFoundError"] * 2
    assert values["listing"] == ["grader", "hw4_backprop-1.0.0.dist-info", "solutions"]
    assert values["contents"] == [["__init__.py"], [], ["__init__.py"]]
