"""The Jinja2 environment of the grader's HTML pages (templates in ``grader/templates``).

Autoescape is on for every template: any value put into a page, student-provided
text included, is HTML-escaped unless a template marks it otherwise (none does).
A teacher restyles the pages in ``grader/templates/page.css`` and changes their
wording in the ``*.html.j2`` files, without reading Python.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


def points(value: float) -> str:
    """Points as short text: 2.0 → '2', 1.75 → '1.75'."""
    return f"{value:g}"


@cache
def environment() -> Environment:
    """The one environment of the grader's pages (autoescaped, strict about names)."""
    env = Environment(
        loader=PackageLoader("grader", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters["points"] = points
    return env


def render(template: str, **values: Any) -> str:
    """The page ``template`` (a file in ``grader/templates``) filled in with ``values``."""
    return environment().get_template(template).render(**values)
