"""The executed notebook nbgrader's ``formgrade`` shows: outputs, and feedback in the test cells."""

from __future__ import annotations

import copy
from typing import Any

from nbformat import NotebookNode

from grader.batch import nb
from grader.batch.grade_one import Outcome, question_of
from grader.batch.locked_cells import grade_id, is_test_cell

MAX_TEXT_PER_CELL = 20_000
MAX_DATA_BYTES = 2_000_000


def build_notebook(outcome: Outcome) -> NotebookNode:
    """The graded notebook: each run cell's outputs; each test cell's feedback and points."""
    notebook = nb.new_notebook()
    notebook.nbformat_minor = max(int(notebook.nbformat_minor), 5)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    count = 0
    for index, original in enumerate(outcome.cells):
        cell = copy.deepcopy(original)
        cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if is_test_cell(cell):
                cell.outputs = _feedback_outputs(outcome, grade_id(cell) or "")
            elif index in outcome.runs:
                count += 1
                cell.execution_count = count
                cell.outputs = _capped(outcome.runs[index].outputs)
        notebook.cells.append(cell)
    return notebook


def _feedback_outputs(outcome: Outcome, test_id: str) -> list[NotebookNode]:
    """Feedback on stdout, then the points as the cell's result (nbgrader's partial credit)."""
    result = outcome.report.questions.get(question_of(test_id))
    if result is None:
        text, points = f"{test_id}: no automatic check is defined for this cell\n", 0.0
    else:
        text = f"{result.status}: {result.points:g} / {result.max_points:g}\n{result.feedback}\n"
        points = float(result.points)
    return [_stream("stdout", text), _result({"text/plain": repr(points)})]


def _stream(name: str, text: str) -> NotebookNode:
    return nb.from_dict({"output_type": "stream", "name": name, "text": text})


def _result(data: dict[str, Any]) -> NotebookNode:
    return nb.from_dict(
        {"output_type": "execute_result", "data": data, "metadata": {}, "execution_count": None}
    )


def _text(value: Any) -> str:
    """nbformat text: a string, or a list of strings to join."""
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return str(value)


def _capped(outputs: list[dict[str, Any]]) -> list[NotebookNode]:
    """Outputs as nbformat nodes, text cut at a fixed size and huge data dropped."""
    kept: list[NotebookNode] = []
    budget = MAX_TEXT_PER_CELL
    for output in outputs:
        kind = output.get("output_type") if isinstance(output, dict) else None
        if kind == "stream" and budget > 0:
            text = _text(output.get("text", ""))
            if len(text) > budget:
                text = text[:budget] + "\n[output truncated]\n"
            budget -= len(text)
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            kept.append(_stream(name, text))
        elif kind in ("display_data", "execute_result"):
            raw = output.get("data", {})
            data = {
                str(k): v
                for k, v in (raw.items() if isinstance(raw, dict) else ())
                if len(_text(v)) <= MAX_DATA_BYTES
            }
            if kind == "execute_result":
                kept.append(_result(data))
            else:
                kept.append(
                    nb.from_dict({"output_type": "display_data", "data": data, "metadata": {}})
                )
        elif kind == "error":
            trace = output.get("traceback", [])
            kept.append(
                nb.from_dict(
                    {
                        "output_type": "error",
                        "ename": _text(output.get("ename", "Error"))[:200],
                        "evalue": _text(output.get("evalue", ""))[:2000],
                        "traceback": [
                            _text(line)[:2000]
                            for line in (trace if isinstance(trace, list) else [])[:50]
                        ],
                    }
                )
            )
    return kept
