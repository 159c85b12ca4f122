"""Re-execute the chapters when the code they import changes.

jupyter-cache keys a notebook on its cell sources only, and Sphinx re-reads a
page only when its own source changes. The chapters' numbers come from the
``solutions`` package and the helper modules beside the chapters (``worked``,
``figures``, ``glued``…; the students' page reads the grader's rubric), so a change
there must reach the site. This extension hashes those files:

- the digest is a configuration value that triggers a full re-read of the
  environment when it changes (Sphinx compares it with the pickled one);
- a stamp file in the execution cache holds the digest the cached outputs were
  computed with; when it differs, the cache is emptied before anything runs.
"""

from __future__ import annotations

import hashlib
import shutil
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
STAMP_NAME = "code-digest.txt"
WATCHED_PACKAGES = ("solutions",)
# the students' page reads the points and the carried-error share from the grader's rubric
WATCHED_FILES = ("grader/judgment/rubric.py",)


def watched_files(srcdir: Path) -> list[Path]:
    """The Python files whose changes alter what the chapters compute."""
    paths: list[Path] = []
    for package in WATCHED_PACKAGES:
        spec = find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the chapters need the installed package {package!r}")
        for location in spec.submodule_search_locations:
            paths.extend(sorted(Path(location).rglob("*.py")))
    paths.extend(sorted((srcdir / "book").glob("*.py")))
    paths.extend(srcdir / name for name in WATCHED_FILES if (srcdir / name).is_file())
    return paths


def code_digest(srcdir: Path) -> str:
    """SHA-256 over the watched files' names and contents."""
    digest = hashlib.sha256()
    for path in watched_files(srcdir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def record_digest(app: Sphinx, config: Config) -> None:
    """Store the digest as a config value: a change re-reads every page."""
    config.chapter_code_digest = code_digest(Path(app.srcdir))


def refresh_execution_cache(app: Sphinx) -> None:
    """Empty the execution cache if it was filled with other code."""
    cache_path = getattr(app.env.mystnb_config, "execution_cache_path", "")
    if not cache_path:
        return
    cache = Path(cache_path)
    stamp = cache / STAMP_NAME
    digest = app.config.chapter_code_digest
    if stamp.is_file() and stamp.read_text().strip() == digest:
        return
    if cache.exists():
        LOGGER.info("the chapters' code changed: emptying the execution cache %s", cache)
        shutil.rmtree(cache)
    cache.mkdir(parents=True)
    stamp.write_text(digest + "\n")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the digest (rebuild level "env") and the cache check."""
    app.add_config_value("chapter_code_digest", "", "env")
    app.connect("config-inited", record_digest)
    # after myst-nb has resolved the cache path (its handler has the default priority)
    app.connect("builder-inited", refresh_execution_cache, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
