"""``run_cells``: one notebook's code cells in a sandbox of its own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.sandbox.bwrap import SandboxUnavailable, check_bwrap
from grader.sandbox.limits import Limits
from grader.sandbox.pool import SandboxPool, check_arguments
from grader.sandbox.results import SandboxResult


def run_cells(
    cells: Sequence[str],
    *,
    names: Sequence[str],
    limits: Limits | None = None,
    files: Mapping[str, str] | None = None,
    unsafe: bool = False,
) -> SandboxResult:
    """Run ``cells`` in order in a fresh sandbox; see :mod:`grader.sandbox`.

    The sandbox is a worker of a one-off :class:`SandboxPool` that skips the warm-up
    imports: the same confinement, one job, then gone.
    """
    limits = limits or Limits()
    files = dict(files or {})
    check_arguments(cells, names, files)
    if not unsafe:
        check_bwrap()
    with SandboxPool(limits, unsafe=unsafe, warm=False) as pool:
        return pool.run_cells(cells, names=names, files=files)


USERNS_SETTINGS = (
    ("kernel/unprivileged_userns_clone", 0, "sysctl -w kernel.unprivileged_userns_clone=1"),
    ("user/max_user_namespaces", 0, "sysctl -w user.max_user_namespaces=15000"),
    (
        "kernel/apparmor_restrict_unprivileged_userns",
        1,
        "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile "
        "for /usr/bin/bwrap with the 'userns' permission)",
    ),
)
"""(sysctl under /proc/sys, the value that forbids user namespaces, how to allow them)."""


def blocking_settings(sysctl_root: Path = Path("/proc/sys")) -> list[str]:
    """The kernel settings here that forbid unprivileged user namespaces, as fixes to apply."""
    fixes = []
    for name, forbidding, fix in USERNS_SETTINGS:
        try:
            value = int((sysctl_root / name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if value == forbidding:
            fixes.append(fix)
    return fixes


def check_sandbox(pool: SandboxPool | None = None) -> None:
    """Raise :class:`SandboxUnavailable` unless a job can really be confined here.

    Runs one small job through the whole path (bubblewrap, the job's namespaces, the
    system-call filter), on ``pool`` if given; where the kernel forbids user
    namespaces, the message names the setting to change.
    """
    check_bwrap()
    if pool is None:
        result = run_cells(["ok = True"], names=["ok"], limits=Limits(notebook_seconds=120))
    else:
        result = pool.run_cells(["ok = True"], names=["ok"])
    if result.values() == {"ok": True}:
        return
    fixes = blocking_settings()
    advice = f" This machine forbids user namespaces; as root: {'; '.join(fixes)}." if fixes else ""
    raise SandboxUnavailable(
        f"the sandbox cannot confine a notebook here: {result.problem}.{advice}"
    )
