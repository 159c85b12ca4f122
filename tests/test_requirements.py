"""The pinned set installs on every Python the project supports.

``requirements.txt`` is resolved, with its pins only, by uv's resolver for each target
Python (the oldest release the project allows, 3.11.0, then 3.12 and 3.13), for this
machine's architecture and wheels only (nothing is built from source): each resolution
must succeed and give back exactly the pinned set. The resolver reads the package index
(Requires-Python, dependencies, wheel tags); nothing is downloaded into an environment
or installed.
"""

from __future__ import annotations

import platform
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
UV = Path(sys.executable).parent / "uv"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+!-]*)$")


def oldest_python() -> str:
    """The first release allowed by pyproject.toml's requires-python (``>=3.11`` -> 3.11.0)."""
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)", spec)
    assert match, f"requires-python is not of the form >=X.Y: {spec!r}"
    return f"{match.group(1)}.{match.group(2)}.0"


TARGETS = (oldest_python(), "3.12", "3.13")
# wheels for this machine's architecture, for a glibc as old as 2.28 (Debian 10)
PLATFORM = f"{platform.machine()}-manylinux_2_28"


def pins(text: str) -> dict[str, str]:
    """``{normalized name: version}`` of the ``name==version`` lines of a requirements text."""
    found = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = PIN.match(line)
            assert match, f"not an exact pin: {line!r}"
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return found


def resolve(requirements: Path, python_version: str) -> subprocess.CompletedProcess[str]:
    """uv's resolution of ``requirements`` for ``python_version``, wheels only."""
    if not UV.is_file():
        pytest.fail(f"uv is pinned in requirements.txt but missing from the venv ({UV})")
    return subprocess.run(
        [
            str(UV),
            "pip",
            "compile",
            "--quiet",
            "--system-certs",  # the machine's certificate store, as make's install uses
            # the interpreter uv runs the resolution with (it would otherwise look for one
            # of the target version); the target's version and platform override its own
            "--python",
            sys.executable,
            "--no-header",
            "--no-annotate",
            "--python-version",
            python_version,
            "--python-platform",
            PLATFORM,
            "--only-binary",
            ":all:",
            str(requirements),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_every_requirement_is_an_exact_pin() -> None:
    assert len(pins(REQUIREMENTS.read_text())) > 100


def test_the_pins_keep_the_tools_at_their_major_versions() -> None:
    pinned = pins(REQUIREMENTS.read_text())
    # jupyter-book 2 is another tool (no Sphinx); the grader is built on nbgrader 0.9
    assert pinned["jupyter-book"].startswith("1.")
    assert pinned["nbgrader"].startswith("0.9.")
    assert "uv" in pinned


def test_the_oldest_target_is_the_first_release_the_readme_promises() -> None:
    assert TARGETS[0] == "3.11.0"
    assert "Python 3.11+" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("python_version", TARGETS)
def test_the_pins_resolve_on_every_supported_python(python_version: str) -> None:
    result = resolve(REQUIREMENTS, python_version)
    assert result.returncode == 0, result.stderr
    # the pinned set is complete: nothing added, nothing left out
    assert pins(result.stdout) == pins(REQUIREMENTS.read_text())


def test_a_pin_that_needs_a_newer_python_fails_the_resolution(tmp_path: Path) -> None:
    # soupsieve 4.1.3 needs Python 3.11.5 or later: the pin that broke Debian 12's 3.11.2
    text = re.sub(r"(?m)^soupsieve==.*$", "soupsieve==4.1.3", REQUIREMENTS.read_text())
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(text)
    old = resolve(requirements, TARGETS[0])
    assert old.returncode != 0
    assert "soupsieve" in old.stderr
    # the same file resolves on 3.12: only the target Python made the difference
    assert resolve(requirements, "3.12").returncode == 0
