"""Only the runtime's site-packages can be imported, whatever the base Python holds.

A throwaway Python installation (a relocated copy of the interpreter that runs
the tests, with its standard library and an empty site-packages) gets a marker
package installed by pip; a grader run by that interpreter must not let a job
import it, find it, or reach the base installation's package directories, while
numpy and matplotlib import as promised.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import grader
from grader.sandbox.layout import python_layout

REPOSITORY = Path(grader.__file__).resolve().parents[1]
MARKER = "hw4_prefix_marker"
SECRET = "reference answers of the base prefix"
VERSION = f"python{sys.version_info.major}.{sys.version_info.minor}"
ORIGIN_LIB = b"$ORIGIN/../lib"


def _link_or_copy(source: str, target: str) -> str:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def relocated_interpreter(source: Path, target: Path, real_prefix: Path) -> None:
    """A copy of ``source`` that finds its shared libpython in its own prefix: a run path
    naming the real prefix's ``lib`` is rewritten to ``$ORIGIN/../lib`` (same length, NUL
    padded)."""
    data = source.read_bytes()
    named = str(real_prefix / "lib").encode()
    if len(named) >= len(ORIGIN_LIB):
        data = data.replace(
            b"\0" + named + b"\0", b"\0" + ORIGIN_LIB.ljust(len(named), b"\0") + b"\0"
        )
    target.write_bytes(data)
    target.chmod(0o755)


def throwaway_prefix(root: Path) -> Path:
    """A base Python installation of its own: interpreter, libpython, standard library."""
    layout = python_layout()
    real = layout.prefix
    (root / "bin").mkdir(parents=True)
    relocated_interpreter(layout.executable, root / "bin" / VERSION, real)
    (root / "lib").mkdir()
    libdir = Path(sysconfig.get_config_var("LIBDIR") or real / "lib")
    for library in libdir.glob(f"libpython{sys.version_info.major}.{sys.version_info.minor}*.so*"):
        _link_or_copy(str(library), str(root / "lib" / library.name))
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    shutil.copytree(
        stdlib,
        root / "lib" / VERSION,
        symlinks=True,
        copy_function=_link_or_copy,
        ignore=shutil.ignore_patterns(
            "site-packages", "dist-packages", "test", "config-*", "idlelib", "tkinter"
        ),
    )
    (root / "lib" / VERSION / "site-packages").mkdir()
    return root


def marker_wheel(folder: Path) -> Path:
    """A wheel of one module holding ``SECRET``, made by hand (pip installs it offline)."""
    info = f"{MARKER}-1.0.dist-info"
    files = {
        f"{MARKER}/__init__.py": f"SECRET = {SECRET!r}\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {MARKER}\nVersion: 1.0\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    wheel = folder / f"{MARKER}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def run_python(python: Path, code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **env},
    )


INSIDE = """
import os, site, sys
base_dirs = {base_dirs!r}
listed = [os.listdir(d) if os.path.isdir(d) else "absent" for d in base_dirs]
sys.path += base_dirs
site.main()  # what the base Python would add on its own, .pth files included
try:
    import {marker}
    marker = {marker}.SECRET
except ImportError as error:
    marker = type(error).__name__
import numpy, matplotlib.pyplot
promised = [numpy.__name__, matplotlib.pyplot.__name__]
"""

GRADER = """
import json, sys
from grader.sandbox import Limits, SandboxPool
with SandboxPool(Limits(), workers=1, warm=False, fonts=False) as pool:
    result = pool.run_cells([sys.argv[1]], names=["listed", "marker", "promised"])
print(json.dumps({"prefix": sys.base_prefix, "values": result.values(),
                  "problem": result.problem, "traceback": result.cells[0].traceback}))
"""


@pytest.mark.slow
def test_a_package_of_the_base_python_cannot_be_imported_inside(tmp_path: Path) -> None:
    prefix = throwaway_prefix(tmp_path / "base-python")
    python = prefix / "bin" / VERSION
    where = run_python(python, "import json, site; print(json.dumps(site.getsitepackages()))")
    base_dirs = json.loads(where.stdout)
    installed = subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet"),
            *("--disable-pip-version-check", "--target", base_dirs[0]),
            str(marker_wheel(tmp_path)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert installed.returncode == 0, installed.stderr
    outside = run_python(python, f"import {MARKER}; print({MARKER}.SECRET)")
    assert outside.stdout.strip() == SECRET, outside.stderr  # where the base Python looks

    packages = sysconfig.get_paths()["purelib"]  # numpy and matplotlib, for the grader
    cell = INSIDE.format(base_dirs=base_dirs, marker=MARKER)
    graded = run_python(python, GRADER, cell, PYTHONPATH=f"{REPOSITORY}{os.pathsep}{packages}")
    assert graded.returncode == 0, graded.stderr[-3000:]
    report = json.loads(graded.stdout.splitlines()[-1])
    assert Path(report["prefix"]) == prefix  # the grader's base Python is the throwaway one
    assert report["values"] == {
        "listed": [[] if Path(d).is_dir() else "absent" for d in base_dirs],
        "marker": "ModuleNotFoundError",
        "promised": ["numpy", "matplotlib.pyplot"],
    }, report
