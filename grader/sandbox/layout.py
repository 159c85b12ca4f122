"""What of this machine the sandboxed Python needs, and what it must not see.

The sandbox gets the Python installation and the virtual environment's
site-packages, read-only. This project itself is installed there too (an
editable install whose ``.pth`` file and finder point at the source tree), so
its traces in site-packages are masked: inside, ``import grader`` and
``import solutions`` fail, and the source tree is never mounted.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

PROJECT_PACKAGES = ("grader", "solutions")
RUNNER_PACKAGE = Path(__file__).resolve().parent / "inside"
"""The package that runs inside the sandbox (as ``python -m inside.runner``)."""
BLOCKED_PACKAGE = RUNNER_PACKAGE / "blocked_package.py"


@dataclass(frozen=True)
class PythonLayout:
    """Paths of the Python that runs student code, seen from outside."""

    executable: Path
    """The interpreter binary itself (not the venv's symlink)."""
    prefix: Path
    """The installation holding the standard library."""
    site_dirs: tuple[Path, ...]
    """site-packages directories with numpy and matplotlib."""

    def hidden(self) -> tuple[Path, ...]:
        """Entries of ``site_dirs`` that belong to this project, to be masked.

        Listed afresh for every run: reinstalling the project (``make`` does it
        when the pins change) replaces these entries while a batch may be running.
        """
        distributions = _project_distributions()
        return tuple(
            entry
            for site in self.site_dirs
            if site.is_dir()
            for entry in sorted(site.iterdir())
            if _is_project_entry(entry, distributions)
        )


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@functools.cache
def _project_distributions() -> frozenset[str]:
    providers = importlib.metadata.packages_distributions()
    return frozenset(
        _normalized(dist) for package in PROJECT_PACKAGES for dist in providers.get(package, [])
    )


def _is_project_entry(entry: Path, distributions: frozenset[str]) -> bool:
    name = entry.name
    if name.startswith("__editable__") or name.endswith((".pth", ".egg-link")):
        return True
    if name in PROJECT_PACKAGES or name.removesuffix(".py") in PROJECT_PACKAGES:
        return True
    if name.endswith((".dist-info", ".egg-info")):
        return _normalized(name.split("-")[0]) in distributions
    return False


@functools.cache
def python_layout() -> PythonLayout:
    """The layout of the Python running this grader (computed once)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    prefix = Path(sys.base_prefix).resolve()
    executable = prefix / "bin" / version
    if not executable.exists():
        executable = Path(sys.executable).resolve()
    paths = sysconfig.get_paths()
    site_dirs = tuple(dict.fromkeys(Path(paths[key]).resolve() for key in ("purelib", "platlib")))
    return PythonLayout(executable, prefix, site_dirs)
