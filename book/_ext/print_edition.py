"""The printed edition: a link to the edition's PDF, and a single-page build to print.

``edition_pdf`` names the edition's PDF inside the site (``pdf/hw4-full.pdf``);
when it is set, every page's sidebar links it (``book/_templates/edition-pdf.html``).
``book/tools/print_pdf.py`` makes the PDF by printing the edition's single-page
(``singlehtml``) build in Chromium and copies it there.

sphinx-exercise registers its nodes for the ``singlehtml`` builder by name, so
Sphinx no longer falls back to the ``html`` handlers for that builder, and the
nodes of sphinx-proof (registered for ``html`` only) would have none: they are
given their ``html`` handlers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).resolve().parents[1] / "_templates"
SIDEBAR_ITEM = "edition-pdf.html"


def link_the_pdf(app: Sphinx, config: Config) -> None:
    """Put the PDF's link at the end of the primary sidebar (when there is a PDF)."""
    if not config.edition_pdf:
        return
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    options = dict(config.html_theme_options)
    options["primary_sidebar_end"] = [*options.get("primary_sidebar_end", []), SIDEBAR_ITEM]
    config.html_theme_options = options


def pdf_in_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The PDF's address relative to the page, for the sidebar template."""
    if app.config.edition_pdf:
        context["edition_pdf_url"] = context["pathto"](app.config.edition_pdf, 1)


def html_handlers_for_singlehtml(app: Sphinx) -> None:
    """Give the single-page builder the ``html`` handlers it has none of."""
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for name, visitors in handlers.get("html", {}).items():
        single.setdefault(name, visitors)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the setting and the hooks."""
    app.add_config_value("edition_pdf", "", "html")
    app.connect("config-inited", link_the_pdf)
    app.connect("builder-inited", html_handlers_for_singlehtml)
    app.connect("html-page-context", pdf_in_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
