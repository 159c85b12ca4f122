"""Small resource limits for the sandbox tests; tests of time limits set short ones."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from grader.sandbox import Limits, SandboxPool, SandboxResult, run_cells
from tests.conftest import run_folder

SMALL = Limits(
    cell_seconds=10.0,
    notebook_seconds=30.0,
    cpu_seconds=10,
    memory_bytes=512 * 1024 * 1024,
    file_size_bytes=1024 * 1024,
    processes=16,
    open_files=64,
    scratch_bytes=16 * 1024 * 1024,
    output_bytes=4096,
)


@pytest.fixture
def limits() -> Limits:
    return SMALL


@pytest.fixture(autouse=True, scope="package")
def private_font_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A fresh cache directory: the font cache is built as on a new machine, and ~ stays clean.

    Under xdist the workers share the run's (the grader writes its cache atomically), so
    the cache is built once per run rather than once per worker.
    """
    saved = os.environ.get("XDG_CACHE_HOME")
    shared = run_folder(tmp_path_factory)
    if shared is None:
        cache = tmp_path_factory.mktemp("xdg-cache")
    else:
        cache = shared / "xdg-cache"
        cache.mkdir(exist_ok=True)
    os.environ["XDG_CACHE_HOME"] = str(cache)
    yield
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


Runner = Callable[..., SandboxResult]
"""``run_cells`` or a pool's ``run_cells``: the same arguments, the same results."""


@pytest.fixture(scope="package")
def pool() -> Iterator[SandboxPool]:
    """One warm worker shared by the whole package: every test's job follows other jobs."""
    with SandboxPool(SMALL, workers=1) as shared:
        yield shared


@pytest.fixture(params=["one-shot", "pool"])
def sandbox(request: pytest.FixtureRequest, pool: SandboxPool) -> Runner:
    """The test runs once with a fresh sandbox per call and once in the shared warm worker."""
    if request.param == "one-shot":
        return run_cells
    return pool.run_cells


def fork_bomb_cell(marker: str) -> str:
    """A cell that forks without end, each child a fresh Python tagged with ``marker``."""
    return f"""
import os, sys
code = "import os\\nwhile True:\\n    try:\\n        os.fork()\\n    except OSError:\\n        pass"
while True:
    try:
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", code, "{marker}"])
    except OSError:
        pass
"""
