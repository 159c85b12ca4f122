"""The bubblewrap command line of a worker sandbox, and a check that bubblewrap works here.

Inside a worker the file system holds only: ``/usr`` (and the ``/bin``,
``/lib``... links to it), the Python installation and the site-packages
directory of :mod:`grader.sandbox.runtime` read-only, the package that runs inside, the prepared
matplotlib font cache, ``/proc``, ``/dev`` and a size-capped tmpfs for the
zygote; the root and ``/dev`` are then remounted read-only. Every other Python
package directory in it (the base prefix's ``site-packages``, the system's
``dist-packages``) is covered by an empty read-only tmpfs. There is no network
(an empty network namespace) and no other process is visible (a new pid
namespace). Each job then confines itself further (:mod:`.inside.confine`).

bubblewrap itself is started with an empty environment: in a pid namespace its
own init process keeps the environment it was started with.

What bubblewrap does, found by trying it (bubblewrap 0.8):

* As root it keeps all capabilities unless told otherwise; here it keeps only
  ``CAP_SETUID`` and ``CAP_SETGID``, which the zygote's job process uses to become
  the job's own host user, and which that change clears. ``no_new_privs`` is set
  and every bind mount is ``nosuid``. As another user it creates an unprivileged
  user namespace and the process keeps that user.
* Missing parents of a mount point are created with the host directory's mode:
  ``/root`` (0700 on the host) would lock the sandbox user out of a Python
  installed below it, hence ``--perms 0755 --dir`` for each parent.
* Killing bubblewrap itself orphans the namespace's init, so the grader kills
  the init instead (its pid comes from ``--info-fd``) and waits for bubblewrap,
  which exits only after every process of the namespace is gone.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import site
import subprocess
from collections.abc import Sequence
from pathlib import Path

from grader.sandbox.layout import RUNNER_PACKAGE, PythonLayout

BWRAP = "/usr/bin/bwrap"
SCRATCH = "/sandbox/scratch"
RUNNER_PATH_INSIDE = "/sandbox/lib"
FONT_CACHE_INSIDE = "/sandbox/mpl-cache"
ROOT_CAPABILITIES = ("CAP_SETUID", "CAP_SETGID")
PACKAGE_DIR_PATTERNS = tuple(
    f"{above}python*/{kind}"
    for above in ("lib*/", "local/lib*/", "")
    for kind in ("site-packages", "dist-packages")
)
"""Where Pythons keep installed packages, below a prefix or a ``lib`` directory."""
NAMESPACES = ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts")


class SandboxUnavailable(RuntimeError):  # noqa: N818 (the name callers know)
    """bubblewrap is missing or cannot create its namespaces here; the message says why."""


def site_dir_inside(index: int) -> str:
    """Where the ``index``-th site-packages directory appears inside the sandbox."""
    return f"/sandbox/site-packages-{index}"


def _system_mounts() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return args


def _python_mounts(layout: PythonLayout) -> list[str]:
    args: list[str] = []
    if not layout.prefix.is_relative_to("/usr"):
        args += ["--ro-bind", str(layout.prefix), str(layout.prefix)]
    for index, directory in enumerate(layout.site_dirs):
        args += ["--ro-bind", str(directory), site_dir_inside(index)]
    for hidden in hidden_package_dirs(layout):
        args += ["--perms", "0555", "--tmpfs", str(hidden), "--remount-ro", str(hidden)]
    return args


def _visible_trees(layout: PythonLayout) -> list[Path]:
    """The host directories the sandbox sees whole: ``/usr``, ``/lib``... and the prefix."""
    trees = [Path("/usr"), layout.prefix]
    for name in ("lib", "lib32", "lib64"):
        path = Path("/") / name
        if path.is_dir() and not path.is_symlink():
            trees.append(path)
    return trees


def hidden_package_dirs(layout: PythonLayout) -> list[Path]:
    """The package directories of every Python installed where the sandbox sees (the base
    prefix's own ``site-packages``, Debian's ``dist-packages``, ``/usr/local``'s...): each
    is covered by an empty read-only directory, so that only :mod:`.runtime`'s can be
    imported."""
    trees = _visible_trees(layout)
    patterns = [
        f"{base}/{pattern}"
        for base in (*trees, Path("/usr/local"))
        for pattern in PACKAGE_DIR_PATTERNS
    ]
    places = [path for pattern in patterns for path in glob.glob(pattern)]
    places += site.getsitepackages([str(tree) for tree in trees])  # as this Python names them
    found = {Path(path).resolve() for path in places}
    visible = {p for p in found if p.is_dir() and any(p.is_relative_to(t) for t in trees)}
    # one inside another is hidden with it (and could not be mounted on)
    return sorted(p for p in visible if not any(p != q and p.is_relative_to(q) for q in visible))


def _parent_dirs(destinations: list[Path]) -> list[str]:
    """The directories above the mount points, world-readable.

    bubblewrap creates missing parents with the mode of the host's directory,
    so ``/root`` (0700 on the host) would hide a Python installed below it from
    the sandbox's unprivileged user.
    """
    parents = {parent for path in destinations for parent in path.parents if parent != Path("/")}
    args: list[str] = []
    for parent in sorted(parents, key=lambda path: (len(path.parts), str(path))):
        args += ["--perms", "0755", "--dir", str(parent)]
    return args


def bwrap_command(
    layout: PythonLayout,
    *,
    scratch_bytes: int,
    font_cache: Path | None,
    as_root: bool,
    info_fd: int,
) -> list[str]:
    """The full command that starts a worker's zygote inside a new sandbox.

    bubblewrap writes the sandbox init's pid to ``info_fd`` (the grader kills it
    to end the worker). Start it with an empty environment.
    """
    args = [BWRAP, *NAMESPACES, "--die-with-parent", "--new-session", "--info-fd", str(info_fd)]
    if as_root:
        args += ["--cap-drop", "ALL"]
        for capability in ROOT_CAPABILITIES:
            args += ["--cap-add", capability]
    runner = f"{RUNNER_PATH_INSIDE}/{RUNNER_PACKAGE.name}"
    mounts = [*_python_mounts(layout), "--ro-bind", str(RUNNER_PACKAGE), runner]
    if font_cache is not None:
        mounts += ["--ro-bind", str(font_cache), FONT_CACHE_INSIDE]
    outside_usr = [] if layout.prefix.is_relative_to("/usr") else [layout.prefix]
    args += _system_mounts() + _parent_dirs([*outside_usr, Path(SCRATCH)]) + mounts
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(scratch_bytes), "--tmpfs", SCRATCH, "--chdir", SCRATCH]
    args += ["--remount-ro", "/dev", "--remount-ro", "/", "--clearenv"]
    for name, value in sandbox_environment(SCRATCH, RUNNER_PATH_INSIDE).items():
        args += ["--setenv", name, value]
    return [*args, "--", *python_command(str(layout.executable))]


def sandbox_environment(home: str, runner_path: str) -> dict[str, str]:
    """The whole environment of the sandboxed Python: nothing inherited.

    ``runner_path`` is the directory holding the package that runs inside.
    """
    return {
        "PYTHONPATH": runner_path,
        "HOME": home,
        "TMPDIR": home,
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def python_command(executable: str) -> list[str]:
    """The zygote of the package run inside, by a ``python`` without site (no ``.pth``
    file runs) nor cwd on sys.path."""
    return [executable, "-S", "-s", "-P", "-m", f"{RUNNER_PACKAGE.name}.zygote"]


def check_bwrap(bwrap: str | None = None) -> None:
    """Raise :class:`SandboxUnavailable` unless bubblewrap (``BWRAP``) can start a sandbox here."""
    _check_bwrap(bwrap or BWRAP)


@functools.cache
def _check_bwrap(bwrap: str) -> None:
    if not (os.path.isfile(bwrap) and os.access(bwrap, os.X_OK)):
        found = shutil.which("bwrap")
        hint = f" (a bwrap was found at {found}, but only {bwrap} is used)" if found else ""
        raise SandboxUnavailable(
            f"bubblewrap is not installed: {bwrap} is missing{hint}. Install the Debian "
            "package 'bubblewrap', or run without a sandbox by passing unsafe=True "
            "(student code then runs with your rights)."
        )
    probe: Sequence[str] = [bwrap, *NAMESPACES, "--die-with-parent", *_system_mounts(), "true"]
    try:
        completed = subprocess.run(
            probe, capture_output=True, text=True, timeout=30, check=False, env={}
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SandboxUnavailable(f"bubblewrap could not be started: {error}") from error
    if completed.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap cannot create a sandbox on this machine (it needs user or pid "
            f"and network namespaces): {completed.stderr.strip() or completed.returncode}. "
            "Enable unprivileged user namespaces, or pass unsafe=True to run without a sandbox."
        )
