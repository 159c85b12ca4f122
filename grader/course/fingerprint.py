"""What a machine must share with this one to run its students' code: the fingerprint.

A Dask worker (:mod:`grader.course.dask_worker`) grades for this machine only if it runs
the same project (the sources of ``grader`` and ``solutions``, templates included), the
same Python and the same versions of the packages that compute a student's numbers or
carry them (numpy, matplotlib, dask, distributed): then its run of a notebook is the run
this machine would have made.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PACKAGES = ("numpy", "matplotlib", "dask", "distributed")
PROJECT_PACKAGES = ("grader", "solutions")
SOURCE_SUFFIXES = (".py", ".html", ".css", ".j2", ".json")


def fingerprint() -> dict[str, str]:
    """``{"project": digest of the sources, "python": version, package: version, ...}``."""
    return dict(_fingerprint())


@functools.cache
def _fingerprint() -> tuple[tuple[str, str], ...]:
    versions = {name: _version(name) for name in PACKAGES}
    found = {"project": sources_digest(), "python": platform.python_version(), **versions}
    return tuple(found.items())


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def sources_digest() -> str:
    """A SHA-256 of every source file of the project's packages, as imported here."""
    sha = hashlib.sha256()
    for package in PROJECT_PACKAGES:
        spec = importlib.util.find_spec(package)
        locations = list(spec.submodule_search_locations or []) if spec else []
        for root in map(Path, locations):
            for path in sorted(root.rglob("*")):
                if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                    name = f"{package}/{path.relative_to(root).as_posix()}"
                    sha.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def differences(ours: Mapping[str, str], theirs: Any) -> list[str]:
    """What differs between this machine's fingerprint and another's, in words
    (empty when they match); anything that is not a fingerprint differs in full."""
    if not isinstance(theirs, dict) or not all(isinstance(v, str) for v in theirs.values()):
        return ["it sent no fingerprint"]
    found = []
    for key in sorted(set(ours) | set(theirs)):
        here, there = ours.get(key, "nothing"), theirs.get(key, "nothing")
        if here == there:
            continue
        if key == "project":
            found.append(f"the project's sources differ ({there[:12]} there, {here[:12]} here)")
        else:
            found.append(f"{key} {there[:40]} there, {here[:40]} here")
    return found
