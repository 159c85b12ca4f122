"""What ``nbgrader generate_feedback`` may show of a test cell.

nbgrader 0.9 copies the autograded notebook into the feedback as it is, hidden
tests included. :class:`HideHiddenTests` removes the hidden-test regions from
test cells, and shortens the tracebacks of their errors to the error's type and
message: a traceback quotes the lines around the failing one, which may be
hidden. The outputs the hidden tests print (the grader's feedback and the points)
stay. ``assignments/nbgrader_config.py`` puts it in ``GenerateFeedback.preprocessors``.
"""

from __future__ import annotations

from typing import Any

from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade
from traitlets import List, Unicode


def short_traceback(output: Any) -> list[str]:
    """An error's type and message, without the code around it."""
    return [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]


class HideHiddenTests(ClearHiddenTests):  # type: ignore[misc]
    """ClearHiddenTests, plus tracebacks of test cells cut down to their last line."""

    display_data_priority = List(Unicode()).tag(config=True)
    """Set by the HTML exporter's configuration for every converter; unused here. Declared
    configurable so that ``generate_feedback`` does not warn that it is unrecognized."""

    def preprocess_cell(self, cell: Any, resources: Any, cell_index: int) -> tuple[Any, Any]:
        """Remove the cell's hidden tests and, in a test cell, the tracebacks' code context."""
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.outputs:
                if output.output_type == "error":
                    output.traceback = short_traceback(output)
        return cell, resources
