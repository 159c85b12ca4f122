"""The site-packages directory of the sandbox: numpy, matplotlib and what they need.

Built once per Python and set of package versions under
``$XDG_CACHE_HOME/hw4-grader/`` from the grader's own installation: each file of
those distributions is hard-linked (or copied) and the bytecode is compiled anew
with the path the sandbox sees (``/sandbox/site-packages-0``), so that no file
names the virtual environment. Building takes a few seconds; later runs reuse it.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from packaging.requirements import Requirement

from grader.sandbox.fontcache import cache_root
from grader.sandbox.layout import PythonLayout, python_layout

TOP_LEVEL = ("numpy", "matplotlib")
"""What a notebook may import besides the standard library (with their dependencies)."""
INSIDE = "/sandbox/site-packages-0"
_lock = threading.Lock()


def distributions() -> list[importlib.metadata.Distribution]:
    """``TOP_LEVEL`` and everything they require (no extras), each once."""
    found: dict[str, importlib.metadata.Distribution] = {}
    todo = list(TOP_LEVEL)
    while todo:
        distribution = importlib.metadata.distribution(todo.pop())
        key = distribution.metadata["Name"].lower().replace("_", "-")
        if key in found:
            continue
        found[key] = distribution
        for line in distribution.requires or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return [found[key] for key in sorted(found)]


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _build(chosen: list[importlib.metadata.Distribution], target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        for distribution in chosen:
            for file in distribution.files or []:
                if "__pycache__" in file.parts or file.parts[0] == "..":
                    continue
                _link(Path(str(distribution.locate_file(file))), staging / file)
        compileall.compile_dir(str(staging), ddir=INSIDE, quiet=2, workers=0)
        for directory, _subdirectories, _files in os.walk(staging):
            os.chmod(directory, 0o755)
        try:
            os.rename(staging, target)
        except OSError:
            if not target.is_dir():  # otherwise another grader built it first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def runtime_site() -> Path:
    """The directory, built if needed."""
    chosen = distributions()
    layout = python_layout()
    key = json.dumps([str(layout.executable), [(d.metadata["Name"], d.version) for d in chosen]])
    target = cache_root() / f"site-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    with _lock:
        if not target.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            _build(chosen, target)
    return target


def sandbox_layout() -> PythonLayout:
    """The grader's Python with the sandbox's own site-packages directory."""
    layout = python_layout()
    return PythonLayout(layout.executable, layout.prefix, (runtime_site(),))
