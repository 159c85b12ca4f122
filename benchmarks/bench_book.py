"""Benchmark of the course website's build.

Prints, for a fresh output folder:
- the cold build time of both editions (every chapter executed once);
- the no-op rebuild time, with the number of notebooks it executed (read from
  the build log, and checked against the execution cache's records, which must
  be the same before and after): it must be 0;
- the size of each edition in MB.

Usage: ``python benchmarks/bench_book.py [--keep DIR]``
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "book" / "tools" / "build_editions.py"


def build(out: Path) -> tuple[float, str]:
    """Build both editions into ``out``; return the wall time and the log."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(BUILD), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return elapsed, result.stdout + result.stderr


def executions(log: str) -> int:
    """How many notebooks the build executed, by myst-nb's log lines."""
    return len(re.findall(r": Executing notebook", log))


def cache_records(out: Path) -> list[tuple[int, str]]:
    """(id, creation time) of every executed notebook stored in the cache."""
    records = get_cache(str(out / ".jupyter_cache")).list_cache_records()
    return sorted((record.pk, record.created.isoformat()) for record in records)


def size_mb(folder: Path) -> float:
    """Total size of the files under ``folder``, in MB."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="build here and keep it (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = (args.keep or Path(scratch)).resolve()
        cold_time, cold_log = build(out)
        records_before = cache_records(out)
        noop_time, noop_log = build(out)
        records_after = cache_records(out)
        noop_executions = executions(noop_log)
        print(
            f"cold build, both editions:   {cold_time:6.1f} s "
            f"({executions(cold_log)} notebooks executed)"
        )
        print(
            f"no-op rebuild, both editions: {noop_time:6.1f} s "
            f"({noop_executions} notebooks executed; cache records unchanged: "
            f"{records_before == records_after}, {len(records_after)} records)"
        )
        for folder in ("html", "html-student"):
            mathjax = size_mb(out / folder / "_static" / "mathjax")
            print(
                f"site size {folder + ':':14} {size_mb(out / folder):6.1f} MB "
                f"(of which MathJax {mathjax:.1f} MB)"
            )
        if noop_executions or records_before != records_after:
            print("the no-op rebuild executed notebooks", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
