"""Make the site work offline: nothing is loaded from a CDN.

MathJax 3 is served from the site itself instead of a CDN.
The files come from the ``django-static-mathjax`` package (MathJax 3.2.2 as
package data). Only what a page with TeX needs is copied into ``_static``:
the ``tex-chtml`` component, its web fonts, the TeX extensions it may load on
demand, and the menu's accessibility components.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

STATIC_SUBDIR = "mathjax"
ENTRY_POINT = "tex-chtml.js"
NEEDED = (
    ENTRY_POINT,
    "output/chtml/fonts/woff-v2",
    "input/tex/extensions",
    "a11y",
    "ui",
    "sre",
)


def mathjax_source() -> Path:
    """The directory holding MathJax's ``es5`` build inside the installed package."""
    return Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"


def use_local_mathjax(app: Sphinx, config: Config) -> None:
    """Point Sphinx's MathJax loader at the copy in ``_static``."""
    config.mathjax_path = f"{STATIC_SUBDIR}/{ENTRY_POINT}"


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    """Copy the needed MathJax files into the HTML output (skipped if already there)."""
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / STATIC_SUBDIR
    for name in NEEDED:
        src, dst = source / name, target / name
        if dst.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)


def is_thebe_script(script: Any) -> bool:
    """sphinx-thebe's loader or its inline configuration (which names a CDN URL)."""
    name = str(getattr(script, "filename", "") or "")
    body = str(getattr(script, "attributes", {}).get("body", ""))
    return name.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body


def drop_thebe(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Leave thebe (live code from a remote kernel, switched off here) out of the page."""
    scripts = context.get("script_files", [])
    context["script_files"] = [script for script in scripts if not is_thebe_script(script)]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the configuration hook and the copy step."""
    if not (mathjax_source() / ENTRY_POINT).is_file():
        raise RuntimeError(
            f"MathJax not found at {mathjax_source()}: install django-static-mathjax"
        )
    app.connect("config-inited", use_local_mathjax)
    app.connect("build-finished", copy_mathjax)
    app.connect("html-page-context", drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
