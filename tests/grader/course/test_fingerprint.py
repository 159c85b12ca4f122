"""A machine's fingerprint: the same project gives the same one, any change to it another,
and what differs is said in words."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grader.course.fingerprint import PACKAGES, differences, fingerprint, sources_digest

from .dask_cluster import project_copy


def digest_of(project: Path) -> str:
    """``sources_digest()`` in a Python that imports the project from ``project``."""
    code = "from grader.course.fingerprint import sources_digest; print(sources_digest())"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_a_copy_of_the_project_has_its_digest_and_an_edited_copy_another(
    tmp_path: Path,
) -> None:
    copy = project_copy(tmp_path / "copy")
    assert digest_of(copy) == sources_digest()
    template = next((copy / "grader" / "judgment" / "templates").iterdir())
    template.write_text(template.read_text() + " ")
    assert digest_of(copy) != sources_digest()


def test_the_fingerprint_names_python_and_the_packages() -> None:
    found = fingerprint()
    assert set(found) == {"project", "python", *PACKAGES}
    assert found["python"] == ".".join(map(str, sys.version_info[:3]))
    assert differences(found, dict(found)) == []


def test_what_differs_is_named() -> None:
    here = fingerprint()
    there = {**here, "numpy": "1.0.0", "project": "0" * 64}
    del there["dask"]
    assert differences(here, there) == [
        f"dask nothing there, {here['dask']} here",
        f"numpy 1.0.0 there, {here['numpy']} here",
        f"the project's sources differ (000000000000 there, {here['project'][:12]} here)",
    ]
    assert differences(here, None) == ["it sent no fingerprint"]
    assert differences(here, {"project": 1}) == ["it sent no fingerprint"]
