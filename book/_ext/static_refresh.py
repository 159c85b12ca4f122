"""Rewrite the pages when the site's own static files change.

Sphinx copies ``html_static_path`` only while it writes pages, and writes none
when no source changed; an edit to ``book/_static/course.css`` alone would never
reach the site. The files' digest is an "html" configuration value: when it
changes, Sphinx rewrites every page (and copies the static files) without
re-reading or re-executing anything.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config


def static_digest(confdir: Path, static_paths: list[str]) -> str:
    """SHA-256 over the names and contents of every file under the static paths."""
    digest = hashlib.sha256()
    for folder in static_paths:
        for path in sorted((confdir / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(confdir).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def record_static_digest(app: Sphinx, config: Config) -> None:
    """Store the digest as an "html" config value (a change rewrites every page)."""
    config.course_static_digest = static_digest(Path(app.srcdir), list(config.html_static_path))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the digest."""
    app.add_config_value("course_static_digest", "", "html")
    app.connect("config-inited", record_static_digest)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
