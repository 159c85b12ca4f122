"""Without a working bubblewrap the sandbox refuses, saying why; unsafe=True runs anyway."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from grader.sandbox import Limits, SandboxUnavailable, bwrap, pool, run_cells


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
