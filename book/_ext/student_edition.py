"""The student edition: every worked solution removed from the pages.

sphinx-exercise's own ``hide_solutions`` drops ``solution`` directives but
breaks on gated ones (``solution-start`` / ``solution-end``), which the
chapters use so that a solution can hold executed code cells. This transform
runs after sphinx-exercise has merged each gated pair into one solution node,
and removes every solution node when ``student_edition`` is on.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_node


class RemoveSolutions(SphinxTransform):
    """Delete every worked solution from the document (student edition only)."""

    default_priority = 20  # after sphinx-exercise's MergeGatedSolutions (10)

    def apply(self, **kwargs: Any) -> None:
        if not self.config.student_edition:
            return
        for node in list(self.document.findall(solution_node)):
            node.parent.remove(node)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the switch and the transform."""
    app.setup_extension("sphinx_exercise")
    app.add_config_value("student_edition", False, "env")
    app.add_transform(RemoveSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
