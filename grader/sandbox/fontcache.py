"""A matplotlib font cache prepared once, so pyplot starts fast in every sandbox.

Building matplotlib's font list takes about a second; done in every sandbox it
would cost more than the rest of a notebook. The list names fonts by their path
as seen inside the sandbox, so it is built by a sandboxed run itself, saved
outside (``$XDG_CACHE_HOME/hw4-grader/``), and then mounted read-only into every
later sandbox, where the runner copies it into matplotlib's config directory.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from grader.sandbox.layout import PythonLayout

BUILD_CELL = """
import glob, json, os
import matplotlib.font_manager
found = sorted(glob.glob(os.path.join(os.environ["MPLCONFIGDIR"], "fontlist-*.json")))
print(json.dumps({os.path.basename(p): open(p, encoding="utf-8").read() for p in found}))
"""
_lock = threading.Lock()
_failed: set[Path] = set()


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hw4-grader"


def _matplotlib_version() -> str:
    try:
        return importlib.metadata.version("matplotlib")
    except importlib.metadata.PackageNotFoundError:
        return "none"


def cache_dir(layout: PythonLayout, sandboxed: bool) -> Path:
    """Where the font cache for this Python, this matplotlib and this kind of run lives."""
    paths = [str(layout.executable), *map(str, layout.site_dirs)]
    key = json.dumps([paths, _matplotlib_version(), sandboxed])
    return cache_root() / f"mpl-fonts-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def prepared_font_cache(
    layout: PythonLayout, sandboxed: bool, build: Callable[[str], str]
) -> Path | None:
    """The directory holding the font cache, built with ``build(cell) -> stdout`` if needed.

    Returns None (pyplot then builds its cache itself, slowly) if it cannot be built;
    a failed build is not tried again by this process.
    """
    target = cache_dir(layout, sandboxed)
    with _lock:
        if any(target.glob("fontlist-*.json")):
            return target
        if target in _failed:
            return None
        _failed.add(target)
        try:
            files = json.loads(build(BUILD_CELL))
            target.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                if not (
                    name.startswith("fontlist-") and name.endswith(".json") and "/" not in name
                ):
                    continue
                with tempfile.NamedTemporaryFile(
                    "w", dir=target, delete=False, suffix=".tmp", encoding="utf-8"
                ) as handle:
                    handle.write(text)
                os.chmod(handle.name, 0o644)
                os.replace(handle.name, target / name)
        except (OSError, ValueError, AttributeError):
            return None
        if not any(target.glob("fontlist-*.json")):
            return None
        _failed.discard(target)
        return target
