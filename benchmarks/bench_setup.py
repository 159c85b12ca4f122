"""Benchmark of the setup: a fresh ``make`` in a new clone, then ``make`` again.

Prints, for a clone of this repository's committed HEAD in a temporary folder:
- the fresh ``make`` (venv, install, release, both editions) time;
- the no-op ``make`` (nothing changed) time, and whether it ran any step;
- the Python and installer used, and the exact command.

``--cold-cache`` gives uv and pip empty caches of their own (every wheel downloaded);
``--pip`` times the pip fallback (``USE_UV=0``).

Usage: ``python benchmarks/bench_setup.py [--python PATH] [--cold-cache] [--pip] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the lines a `make` that built nothing prints
RESULT_LINES = ("", "Website, full edition:", "Website, student edition:", "Assignment release:")


def timed_make(clone: Path, args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Run ``make ARGS`` in ``clone``; return the wall time and the output."""
    start = time.perf_counter()
    result = subprocess.run(
        ["make", *args], cwd=clone, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode != 0:
        sys.exit(f"make {' '.join(args)} failed:\n{output[-5000:]}")
    return elapsed, output


def python_version(python: str) -> str:
    """``X.Y.Z (path)`` of the Python that creates the venv."""
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{version} ({python})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="python3", help="the Python given as PYTHON=")
    parser.add_argument("--cold-cache", action="store_true", help="empty uv and pip caches")
    parser.add_argument("--pip", action="store_true", help="install with pip alone (USE_UV=0)")
    parser.add_argument("--keep", type=Path, help="clone here and keep it (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        clone = (args.keep or Path(scratch) / "clone").resolve()
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        # outside any venv, as a newcomer's shell would be
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and "MAKE" not in k}
        venv_bin = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join(
            part for part in env.get("PATH", "").split(os.pathsep) if part != venv_bin
        )
        if args.cold_cache:
            env["UV_CACHE_DIR"] = str(Path(scratch) / "uv-cache")
            env["PIP_CACHE_DIR"] = str(Path(scratch) / "pip-cache")
        make_args = [f"PYTHON={args.python}"] + (["USE_UV=0"] if args.pip else [])
        fresh_time, fresh_log = timed_make(clone, make_args, env)
        noop_time, noop_log = timed_make(clone, make_args, env)
        steps = [line for line in noop_log.splitlines() if not line.startswith(RESULT_LINES)]
        print(f"command: make {' '.join(make_args)} (in a fresh clone of HEAD)")
        print(f"python:  {python_version(args.python)}")
        print(f"install: {'pip' if args.pip else 'uv, pip as the fallback'}", end="")
        print(f", {'cold' if args.cold_cache else 'warm'} package caches")
        print(f"fresh make: {fresh_time:6.2f} s ({len(fresh_log.splitlines())} lines printed)")
        print(f"no-op make: {noop_time:6.2f} s (steps run: {len(steps)})")
        if steps:
            print("the no-op make ran:\n" + "\n".join(steps), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
