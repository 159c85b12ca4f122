"""What of this machine the sandboxed Python gets: the interpreter and a few packages.

The sandbox sees the Python installation (its standard library) and one
site-packages directory holding numpy, matplotlib and what they need, nothing
else (:mod:`grader.sandbox.runtime` prepares it). This project, nbgrader, Jupyter
and the rest of the grader's environment are not there, and no file inside
names a path of the project, its virtual environment or the course.
"""

from __future__ import annotations

import functools
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

RUNNER_PACKAGE = Path(__file__).resolve().parent / "inside"
"""The package that runs inside the sandbox (as ``python -m inside.zygote``)."""


@dataclass(frozen=True)
class PythonLayout:
    """Paths of the Python that runs student code, seen from outside."""

    executable: Path
    """The interpreter binary itself (not the venv's symlink)."""
    prefix: Path
    """The installation holding the standard library."""
    site_dirs: tuple[Path, ...]
    """site-packages directories with numpy and matplotlib."""


@functools.cache
def python_layout() -> PythonLayout:
    """The layout of the Python running this grader, with its own site-packages."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(sys.base_prefix).resolve()
    executable = prefix / "bin" / version
    if not executable.exists():
        executable = Path(sys.executable).resolve()
    paths = sysconfig.get_paths()
    site_dirs = tuple(dict.fromkeys(Path(paths[key]).resolve() for key in ("purelib", "platlib")))
    return PythonLayout(executable, prefix, site_dirs)
