"""Without a working bubblewrap the sandbox refuses, saying why; unsafe=True runs anyway."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import Limits, SandboxUnavailable, bwrap, pool, run, run_cells


def fake_bwrap(directory: Path, message: str) -> Path:
    """An executable that fails the way bubblewrap does where namespaces are forbidden."""
    path = directory / "bwrap"
    path.write_text(f"#!/bin/sh\necho '{message}' >&2\nexit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_a_missing_bubblewrap_is_named(tmp_path: Path) -> None:
    with pytest.raises(SandboxUnavailable, match=r"not installed.*unsafe=True"):
        bwrap.check_bwrap(str(tmp_path / "no-such-bwrap"))


def test_a_bubblewrap_that_cannot_create_namespaces_is_reported(tmp_path: Path) -> None:
    fake = fake_bwrap(tmp_path, "bwrap: No permissions to creating new namespace")
    with pytest.raises(SandboxUnavailable, match="No permissions to creating new namespace"):
        bwrap.check_bwrap(str(fake))


def test_run_cells_refuses_without_a_working_bubblewrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits
) -> None:
    monkeypatch.setattr(bwrap, "BWRAP", str(fake_bwrap(tmp_path, "bwrap: setting up uid map")))
    with pytest.raises(SandboxUnavailable, match="setting up uid map"):
        run_cells(["x = 1"], names=["x"], limits=limits)


def test_unsafe_runs_the_same_runner_without_bubblewrap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limits: Limits
) -> None:
    monkeypatch.setattr(bwrap, "BWRAP", str(tmp_path / "no-such-bwrap"))
    cells = ["import numpy as np\nx = np.arange(3) * 2", "1 / 0", "y = float(x.sum())"]
    result = run_cells(cells, names=["x", "y"], limits=limits, unsafe=True)
    assert not result.sandboxed
    assert [cell.status for cell in result.cells] == ["ok", "error", "ok"]
    assert result.values() == {"x": [0, 2, 4], "y": 6.0}


def test_malformed_arguments_are_named(limits: Limits) -> None:
    with pytest.raises(TypeError, match="cells"):
        run_cells("x = 1", names=[], limits=limits)
    with pytest.raises(TypeError, match="identifiers"):
        run_cells(["x = 1"], names=["not a name"], limits=limits)
    with pytest.raises(TypeError, match="identifiers"):
        run_cells(["x = 1"], names="loss", limits=limits)
    with pytest.raises(ValueError, match="plain file name"):
        run_cells(["x = 1"], names=[], limits=limits, files={"../escape.py": ""})
    with pytest.raises(ValueError, match="plain file name"):
        run_cells(["x = 1"], names=[], limits=limits, files={"nul\x00.py": ""})
    with pytest.raises(ValueError, match="positive"):
        Limits(cell_seconds=0)


def test_a_sandbox_that_cannot_start_is_reported_with_bubblewraps_reason(
    monkeypatch: pytest.MonkeyPatch, limits: Limits, tmp_path: Path
) -> None:
    missing = tmp_path / "font-cache-that-was-deleted"
    monkeypatch.setattr(pool, "prepared_font_cache", lambda *args: missing)
    result = run_cells(["x = 1", "y = 2"], names=["x"], limits=limits)
    assert [cell.status for cell in result.cells] == ["killed", "skipped"]
    assert result.problem.startswith("the sandbox could not start")
    assert f"Can't find source path {missing}" in result.problem
    assert result.answers["x"].status == "unavailable"


LIMITED = """
echo 3 > /proc/sys/user/max_user_namespaces
exec unshare --user --map-user=1000 --map-group=1000 "$@"
"""
"""Run a command as a normal user on a 'machine' that allows almost no user namespaces:
a user namespace of the test's own whose limit is 3."""


def test_a_machine_that_limits_user_namespaces_is_refused_before_any_notebook(
    tmp_path: Path,
) -> None:
    script = tmp_path / "limited.sh"
    script.write_text(LIMITED)
    check = (
        "from grader.course.cli import sandbox_missing_reason\nprint(sandbox_missing_reason())\n"
    )
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    completed = subprocess.run(
        ["unshare", "--user", "--map-root-user", "sh", str(script), sys.executable, "-c", check],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    reason = completed.stdout
    assert "the sandbox cannot confine a notebook here" in reason
    assert "max_*_namespaces exceeded" in reason or "No space left on device" in reason
    assert "--unsafe-no-sandbox" in reason
    # The same command on this machine as it is finds nothing to refuse.
    unlimited = subprocess.run(
        [sys.executable, "-c", check],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert unlimited.stdout.strip() == "None", unlimited.stderr


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("kernel/unprivileged_userns_clone", "0", "kernel.unprivileged_userns_clone=1"),
        ("user/max_user_namespaces", "0", "user.max_user_namespaces=15000"),
        ("kernel/apparmor_restrict_unprivileged_userns", "1", "apparmor_restrict_unprivileged"),
    ],
)
def test_the_setting_that_forbids_user_namespaces_is_named(
    tmp_path: Path, setting: str, value: str, named: str
) -> None:
    for name, allowing in (
        ("kernel/unprivileged_userns_clone", "1"),
        ("user/max_user_namespaces", "96363"),
        ("kernel/apparmor_restrict_unprivileged_userns", "0"),
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(value if name == setting else allowing)
    fixes = run.blocking_settings(tmp_path)
    assert len(fixes) == 1 and named in fixes[0]
    assert run.blocking_settings(tmp_path / "nothing-here") == []
