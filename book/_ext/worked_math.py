"""Mathematics written in the chapter, with the numbers the chapter's code glued.

An instructor writes the formulas of a worked solution in the Markdown, as
LaTeX, and leaves a placeholder where a computed number goes::

    ```{worked-math}
    :label: eq-forward-1

    z(\\mathbf{x}_1) = {{w0}} \\cdot {{(x1_0)}} + {{w1}} \\cdot {{(x1_1)}} = {{z1}}
    ```

and inline, ``{worked-math}`\\theta = ({{w0}}, {{w1}})```. Each placeholder names
a number glued by the chapter's code (``myst_nb.glue``):

- ``{{key}}``: the number as its shortest decimal (3.0 → 3, 0.966 → 0.966);
- ``{{key:.4g}}``: the number in a Python format (here 4 significant digits);
- ``{{(key)}}`` or ``{{(key:.4g)}}``: the same, in parentheses when negative.

A missing key or a glued value that is not a number is a build warning (an
error under ``-W``).
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.directives import PasteMathDirective
from myst_nb.ext.glue.utils import glue_warning, retrieve_glue_data
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

PLACEHOLDER = re.compile(r"\{\{\s*(\()?\s*([A-Za-z_]\w*)\s*(?::([^}()]*))?\s*(\))?\s*\}\}")


class FillError(ValueError):
    """A placeholder that cannot be filled."""


def number_text(value: float, spec: str = "") -> str:
    """A number as LaTeX text: shortest decimal by default, else in the format ``spec``."""
    if spec:
        text = format(value, spec)
    else:
        text = repr(float(value))
        text = text[:-2] if text.endswith(".0") else text
    return "0" if text in ("-0", "-0.0") else text


def fill(latex: str, document: nodes.document) -> str:
    """``latex`` with each placeholder replaced by its glued number."""

    def replace(match: re.Match[str]) -> str:
        opened, key, spec, closed = match.groups()
        if bool(opened) != bool(closed):
            raise FillError(f"unbalanced parentheses in {match.group(0)!r}")
        try:
            plain = retrieve_glue_data(document, key).data.get("text/plain", "")
            value = float(str(plain))
        except RetrievalError as error:
            raise FillError(str(error)) from error
        except ValueError as error:
            raise FillError(f"glued {key!r} is not a number: {plain!r}") from error
        text = number_text(value, spec or "")
        return f"({text})" if opened and text.startswith("-") else text

    return PLACEHOLDER.sub(replace, latex)


class WorkedMathDirective(PasteMathDirective):  # type: ignore[misc]
    """Display math from the directive's content, placeholders filled."""

    required_arguments = 0
    has_content = True

    def run(self) -> list[nodes.Node]:
        try:
            latex = fill("\n".join(self.content), self.document)
        except FillError as error:
            return [glue_warning(str(error), self.document, self.lineno)]
        label = self.options.get("label", self.options.get("name"))
        node = nodes.math_block(
            latex,
            latex,
            nowrap=False,
            label=label,
            number=None,
            classes=["pasted-math", *(self.options.get("class") or [])],
        )
        self.add_name(node)
        self.set_source_info(node)
        return list(self.add_target(node))


class WorkedMathRole(SphinxRole):
    """Inline math from the role's text, placeholders filled."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        document = self.inliner.document
        try:
            latex = fill(self.text, document)
        except FillError as error:
            return [], [glue_warning(str(error), document, self.lineno)]
        return [nodes.math(latex, latex, classes=["pasted-math"])], []


def setup(app: Sphinx) -> dict[str, Any]:
    """Register ``{worked-math}`` as a directive and as a role."""
    app.add_directive("worked-math", WorkedMathDirective)
    app.add_role("worked-math", WorkedMathRole())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
