"""The student edition: every worked solution removed from the pages.

sphinx-exercise's own ``hide_solutions`` drops ``solution`` directives but
breaks on gated ones (``solution-start`` / ``solution-end``), which the
chapters use so that a solution can hold executed code cells. This transform
runs after sphinx-exercise has merged each gated pair into one solution node,
and removes every solution node when ``student_edition`` is on.

The ``{edition}`` directive holds content for the editions whose Sphinx tags
match its argument (``full`` or ``student``, as for ``{only}``). ``{only}``
drops its content when the pages are written, after figures are numbered and
labels registered; ``{edition}`` reads its content only in a matching edition,
so one edition's figure can take the same label and number as the other's.
Each edition has its own environment (``build_editions.py``), so reading
depends on the edition's tags safely.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxDirective
from sphinx_exercise.nodes import solution_node


class RemoveSolutions(SphinxTransform):
    """Delete every worked solution from the document (student edition only)."""

    default_priority = 20  # after sphinx-exercise's MergeGatedSolutions (10)

    def apply(self, **kwargs: Any) -> None:
        if not self.config.student_edition:
            return
        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


class Edition(SphinxDirective):
    """``{edition} student``: content read only in the editions whose tags match."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        if not self.env.app.tags.eval_condition(self.arguments[0]):
            return []
        holder = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, holder)
        return list(holder.children)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the switch, the transform and the directive."""
    app.setup_extension("sphinx_exercise")
    app.add_config_value("student_edition", False, "env")
    app.add_transform(RemoveSolutions)
    app.add_directive("edition", Edition)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
