"""Grade one submission: a notebook's bytes and a student ID in, a :class:`Graded` result out.

:func:`grade_notebook` is the one way a submission is graded: the class command calls it
for every student, and a service or a remote worker would call it the same way. In order:

1. **read** the bytes as a notebook, whatever state it is in;
2. **align** it with the release: locked cells restored, deleted ones put back, edits reported;
3. **run** its code cells in the sandbox (``run``), salvaging what a killed cell leaves;
4. **judge** the answers with :func:`grader.grade` against the student's own variant,
   outside the sandbox (only plain values come back from it);
5. **build** the executed notebook nbgrader shows: each cell's outputs, and each test
   cell's feedback with its points as the cell's result.

Whatever is wrong with the submission becomes a :class:`Problem` in the result, never an
exception; the :class:`~grader.course.writer.Writer` writes the result.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import nbformat
from nbformat import NotebookNode
from nbgrader.utils import compute_checksum, is_grade, is_locked, is_solution

from grader import Report, grade
from grader.course.variants import student_variant
from grader.judgment.collusion import plain_answers
from grader.judgment.rubric import ANSWER_NAMES, STUDENT_ID_NAME
from grader.sandbox import CellResult, SandboxResult

MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024
MAX_SALVAGES = 2
"""Reruns without the cells that ended a run, at most."""
MAX_TEXT_PER_CELL = 20_000
MAX_DATA_BYTES = 2_000_000
MAX_CODE_CHARS = 100_000
"""Most characters of the student's own code kept in the grading record."""
CELL_TYPES = ("code", "markdown", "raw")

# nbformat's functions carry no annotations; typed names for them, for mypy --strict
_from_dict: Callable[[Any], NotebookNode] = nbformat.from_dict
_convert: Callable[[Any, int], NotebookNode] = nbformat.convert
_new_notebook: Callable[[], NotebookNode] = nbformat.v4.new_notebook


@dataclass(frozen=True)
class Problem:
    """A fault found while grading: a short stable ``code`` and a sentence saying what is wrong."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Plain data for the grading record."""
        return {"code": self.code, "message": self.message}

    @classmethod
    def from_dict(cls, data: Any) -> Problem:
        """Read back :meth:`to_dict`."""
        return cls(code=str(data["code"]), message=str(data["message"]))


@dataclass(frozen=True)
class Release:
    """What a submission is compared with: the released notebook's name and cells, the
    instructor's source of each graded or locked cell (hidden tests included), by grade id,
    and the text files released beside the notebook."""

    notebook_name: str
    cells: tuple[NotebookNode, ...]
    sources: Mapping[str, str]
    files: Mapping[str, str]


class RunCells(Protocol):
    """Runs code cells in order with ``files`` beside them; reads back ``names``
    (:meth:`grader.sandbox.SandboxPool.run_cells` is one)."""

    def __call__(
        self, cells: Sequence[str], *, names: Sequence[str], files: Mapping[str, str]
    ) -> SandboxResult: ...


@dataclass(frozen=True)
class Graded:
    """One student's result: the report, the problems found, the executed notebook."""

    student: str
    report: Report
    problems: tuple[Problem, ...]
    notebook: NotebookNode | None = None
    """The executed notebook for nbgrader's ``autograded/``; None when read back from a record."""
    final: bool = True
    """False when grading itself failed: the result is written, but a rerun grades again."""
    answers: Mapping[str, Any] = field(default_factory=dict)
    """The numeric answers read (plain lists of floats), for the collusion report."""
    code: tuple[str, ...] = ()
    """The sources of the student's own code cells (not the locked ones), likewise."""

    @property
    def status(self) -> str:
        """``ok``, or the codes of the problems found, sorted and joined by ``;``."""
        codes = sorted({problem.code for problem in self.problems})
        return ";".join(codes) if codes else "ok"

    def record(self, digest: str) -> str:
        """The grading record: deterministic JSON (sorted keys, no timestamps)."""
        data = {
            "student_id": self.student,
            "digest": digest,
            "status": self.status,
            "problems": [p.to_dict() for p in self.problems],
            "report": self.report.to_dict(),
            "answers": dict(self.answers),
            "code": list(self.code),
        }
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_record(cls, text: str) -> Graded:
        """Read back :meth:`record` (without the notebook)."""
        data: Any = json.loads(text)
        return cls(
            student=str(data["student_id"]),
            report=Report.from_dict(data["report"]),
            problems=tuple(Problem.from_dict(p) for p in data["problems"]),
            answers=dict(data.get("answers") or {}),
            code=tuple(str(source) for source in data.get("code") or ()),
        )


def grade_notebook(
    notebook: bytes | None, student: str, release: Release, run: RunCells, *, name: str = ""
) -> Graded:
    """Grade ``student``'s ``notebook`` (None: the submission has none; ``name``: its file name).

    Whatever is wrong with the submission becomes a problem in the result; only a failure
    of the grader or of ``run`` itself raises.
    """
    name = name or release.notebook_name
    problems: list[Problem] = []
    cells = None if notebook is None else read_notebook(notebook, name, problems)
    if cells is None:
        problems.append(Problem("not-run", "nothing could be run: every answer scores 0"))
        return _judged(student, {}, align([], release, []), {}, problems)
    aligned = align(cells, release, problems)
    result, runs = _run_salvaging(aligned, release, run, problems)
    values = {n: v for n, v in result.values().items() if n in ANSWER_NAMES}
    missing = [n for n in ANSWER_NAMES if n not in values]
    if missing:
        reasons = [f"{n} ({why})" if (why := _unread(result, n)) else n for n in missing]
        problems.append(Problem("answers-missing", "no value for " + ", ".join(reasons)))
    _check_student_id(student, result.values().get(STUDENT_ID_NAME), problems)
    return _judged(student, values, aligned, runs, problems)


def grading_failed(student: str, error: Exception, then: str) -> Graded:
    """A zero that says why grading itself failed (``then``: what happens next); not
    final, so that it never replaces a finished grading and is graded again."""
    last = traceback.format_exception_only(type(error), error)[-1].strip()
    variant = student_variant(student)
    report = grade({}, variant.X, variant.y, variant.theta, variant.eta)
    problem = Problem("grader-error", f"grading this submission failed ({last}); {then}")
    return Graded(student, report, (problem,), executed_notebook([], {}, report), final=False)


# -- 1. read ------------------------------------------------------------------------------


def read_notebook(data: bytes, name: str, problems: list[Problem]) -> list[NotebookNode] | None:
    """The cells of a notebook file as clean nbformat-4 cells (no outputs), or None if there
    is no notebook to be had; bad bytes, bad JSON, old formats and odd cells never raise."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        message = f"{name} is more than the {MAX_NOTEBOOK_BYTES} bytes allowed"
        problems.append(Problem("notebook-too-large", message))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = (
            f"{name} is not UTF-8 (bad byte at offset {error.start}); "
            "the undecodable bytes were replaced"
        )
        problems.append(Problem("notebook-not-utf8", message))
        text = data.decode("utf-8-sig", errors="replace")
    if not text.strip():
        problems.append(Problem("notebook-empty", f"{name} is empty ({len(data)} bytes)"))
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        message = (
            f"{name} is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg}); was it edited outside Jupyter?"
        )
        problems.append(Problem("notebook-malformed", message))
        return None
    return _cells_of(raw, name, problems)


def _cells_of(raw: Any, name: str, problems: list[Problem]) -> list[NotebookNode] | None:
    """The cells of notebook-like JSON, converted to nbformat 4."""
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        kind = type(raw).__name__
        problems.append(
            Problem("notebook-malformed", f"{name} holds JSON ({kind}), not a notebook")
        )
        return None
    version = raw.get("nbformat")
    if isinstance(version, int) and version < 4:
        problems.append(
            Problem("notebook-old-format", f"{name} uses nbformat {version}; converted to 4")
        )
        try:
            raw = _convert(_from_dict(raw), 4)
        except Exception as error:  # nbformat raises many kinds on bad old notebooks
            problems.append(Problem("notebook-malformed", f"cannot convert {name}: {error}"))
            return None
    if not isinstance(raw.get("cells"), list):
        problems.append(Problem("notebook-malformed", f"{name} has no list of cells"))
        return None
    cells = [cell for cell in map(_clean_cell, raw["cells"]) if cell is not None]
    if len(cells) < len(raw["cells"]):
        skipped = len(raw["cells"]) - len(cells)
        message = f"{skipped} cell(s) of {name} were not cells; skipped"
        problems.append(Problem("notebook-bad-cells", message))
    if not cells:
        problems.append(Problem("notebook-empty", f"{name} has no cells"))
    return cells


def _clean_cell(cell: Any) -> NotebookNode | None:
    """One cell as nbformat 4 (source as a string, no outputs), or None if it is not a cell.
    Only nbgrader metadata with a string ``grade_id`` is kept: it alone can be matched."""
    if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES:
        return None
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(part for part in source if isinstance(part, str))
    if not isinstance(source, str):
        return None
    new = _new_cell(cell["cell_type"], source)
    metadata = cell.get("metadata")
    if isinstance(metadata, dict):
        # a copy that survives nbformat.from_dict (string keys only)
        new.metadata = _from_dict(json.loads(json.dumps(metadata, default=str)))
        nbgrader = new.metadata.get("nbgrader")
        if nbgrader is not None and not (
            isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str)
        ):
            del new.metadata["nbgrader"]
    return new


def _new_cell(kind: str, source: str) -> NotebookNode:
    """A cell as ``nbformat.v4.new_*_cell`` makes it, without an id and without its schema
    validation (the slowest part of reading a notebook; the cell is valid by construction)."""
    cell = _from_dict({"cell_type": kind, "metadata": {}, "source": source})
    if kind == "code":
        cell.outputs = []
        cell.execution_count = None
    return cell


def _copy(node: NotebookNode) -> NotebookNode:
    """A deep copy of a notebook's JSON data (much faster than ``copy.deepcopy``)."""
    return _from_dict(node)


# -- 2. align -----------------------------------------------------------------------------


def grade_id(cell: NotebookNode) -> str | None:
    """The cell's nbgrader ``grade_id``, if it has one."""
    value = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return value if isinstance(value, str) else None


def is_test_cell(cell: NotebookNode) -> bool:
    """An autograded test cell: graded, not a solution, code."""
    return bool(is_grade(cell) and not is_solution(cell) and cell.cell_type == "code")


def align(
    cells: list[NotebookNode], release: Release, problems: list[Problem]
) -> list[NotebookNode]:
    """The submission as it will be run and graded: locked cells restored from the release
    (with the instructor's source, hidden tests included), duplicates dropped, deleted
    graded cells put back where the release has them; each change noted in ``problems``."""
    reference = {gid: cell for cell in release.cells if (gid := grade_id(cell)) is not None}
    aligned: list[NotebookNode] = []
    seen: set[str] = set()
    for cell in cells:
        gid = grade_id(cell)
        if gid is None:
            aligned.append(cell)
        elif gid not in reference:
            problems.append(Problem("cell-unknown", f"cell '{gid}' is not in the assignment"))
            aligned.append(_plain(cell))
        elif gid in seen:
            message = f"cell '{gid}' appears more than once; first one used"
            problems.append(Problem("cell-duplicated", message))
            if not is_locked(reference[gid]):
                aligned.append(_plain(cell))
        else:
            seen.add(gid)
            aligned.append(_merge(cell, reference[gid], release.sources, problems))
    _restore_missing(aligned, release, seen, problems)
    return aligned


def _merge(
    cell: NotebookNode, ref: NotebookNode, sources: Mapping[str, str], problems: list[Problem]
) -> NotebookNode:
    """The cell to keep for one grade id present in the submission."""
    gid = grade_id(ref) or ""
    if is_locked(ref):
        if _tampered(cell, ref):
            what = "test" if is_test_cell(ref) else "locked"
            message = f"{what} cell '{gid}' was edited; the original is used"
            problems.append(Problem(f"{what}-cell-edited", message))
        return _released_copy(ref, sources)
    kept = _copy(ref)
    kept.source = cell.source
    if cell.cell_type != ref.cell_type:
        message = (
            f"answer cell '{gid}' was turned into a {cell.cell_type} cell; read as {ref.cell_type}"
        )
        problems.append(Problem("answer-cell-type-changed", message))
    return kept


def _tampered(cell: NotebookNode, ref: NotebookNode) -> bool:
    """Whether a locked cell differs from the release (source, type or nbgrader checksum)."""
    if cell.cell_type != ref.cell_type or cell.source != ref.source:
        return True
    checksum = ref.metadata.nbgrader.get("checksum")
    if checksum is None:
        return False
    try:
        return bool(compute_checksum(cell) != checksum)
    except (KeyError, TypeError, ValueError, AttributeError):
        return True


def _restore_missing(
    cells: list[NotebookNode], release: Release, seen: set[str], problems: list[Problem]
) -> None:
    """Put back, where the release has them, the graded cells the student deleted."""
    position = 0
    for ref in release.cells:
        gid = grade_id(ref)
        if gid is None:
            continue
        if gid in seen:
            position = 1 + next(
                (i for i, c in enumerate(cells) if grade_id(c) == gid), position - 1
            )
            continue
        kind = "test" if is_test_cell(ref) else "locked" if is_locked(ref) else "answer"
        action = "put back as released, unanswered" if kind == "answer" else "restored"
        problems.append(
            Problem(f"{kind}-cell-deleted", f"{kind} cell '{gid}' was deleted; {action}")
        )
        cells.insert(position, _released_copy(ref, release.sources))
        seen.add(gid)
        position += 1


def _released_copy(ref: NotebookNode, sources: Mapping[str, str]) -> NotebookNode:
    """A copy of a released cell, with the instructor's source if there is one."""
    kept = _copy(ref)
    gid = grade_id(ref)
    if gid is not None and gid in sources:
        kept.source = sources[gid]
    if kept.cell_type == "code":
        kept.outputs = []
        kept.execution_count = None
    return kept


def _plain(cell: NotebookNode) -> NotebookNode:
    """A copy without nbgrader metadata: run as the student's own code, never graded."""
    kept = _copy(cell)
    kept.metadata.pop("nbgrader", None)
    return kept


# -- 3. run -------------------------------------------------------------------------------


def _run_salvaging(
    cells: list[NotebookNode], release: Release, run: RunCells, problems: list[Problem]
) -> tuple[SandboxResult, dict[int, CellResult]]:
    """Run the code cells (all but the test cells); if one ends the run, run again without
    it to score the rest. Returns the last run and, by position in ``cells``, each code
    cell's outcome."""
    positions = [i for i, c in enumerate(cells) if c.cell_type == "code" and not is_test_cell(c)]
    sources = [cells[i].source for i in positions]
    names = [*ANSWER_NAMES, STUDENT_ID_NAME]
    result = run(sources, names=names, files=release.files)
    if any(is_locked(cells[positions[i]]) for i in _ended(result)):
        # The instructor's own cell timed out or died: most likely a busy machine, so
        # run once more before blaming (and skipping) anything.
        result = run(sources, names=names, files=release.files)
    outcomes = list(result.cells)
    skipped: set[int] = set()
    for _ in range(MAX_SALVAGES):
        failed = [i for i in _ended(result) if i not in skipped]
        if not failed or all(name in result.values() for name in ANSWER_NAMES):
            break
        for i in failed:
            problems.append(
                Problem(
                    f"cell-{outcomes[i].status}",
                    f"cell {positions[i] + 1} ({_why(outcomes[i])}) was skipped "
                    "to grade the other answers",
                )
            )
        skipped.update(failed)
        sources = ["" if i in skipped else source for i, source in enumerate(sources)]
        result = run(sources, names=names, files=release.files)
        outcomes = [outcomes[i] if i in skipped else cell for i, cell in enumerate(result.cells)]
    remaining = [i for i in _ended(result) if i not in skipped]
    for i in remaining:
        problems.append(
            Problem(f"cell-{outcomes[i].status}", f"cell {positions[i] + 1}: {_why(outcomes[i])}")
        )
    if result.problem and not remaining:
        problems.append(Problem("sandbox-fault", result.problem))
    return result, dict(zip(positions, outcomes, strict=False))


def _ended(result: SandboxResult) -> list[int]:
    """Indices of the cells that ended the run (timeout, killed)."""
    return [i for i, cell in enumerate(result.cells) if cell.status in ("timeout", "killed")]


def _why(cell: CellResult) -> str:
    """What happened to a cell, in words."""
    if cell.detail:
        return cell.detail
    return f"{cell.error_name}: {cell.error_message}" if cell.error_name else cell.status


def _unread(result: SandboxResult, name: str) -> str:
    """Why the sandbox brought no value back for ``name`` ("" if it did, or says nothing)."""
    answer = result.answers.get(name)
    if answer is None or answer.status == "ok":
        return ""
    return answer.detail or answer.status


def _check_student_id(student: str, notebook_id: Any, problems: list[Problem]) -> None:
    """The folder name is the ID that counts; say so when the notebook disagrees."""
    if notebook_id is None:
        return
    if not isinstance(notebook_id, str) or notebook_id.strip() != student:
        problems.append(
            Problem(
                "student-id-mismatch",
                f"the notebook sets STUDENT_ID = {notebook_id!r} but the submission is "
                f"{student!r}'s: graded with {student!r}'s numbers",
            )
        )


# -- 4. judge, 5. build -------------------------------------------------------------------


def _judged(
    student: str,
    values: Mapping[str, Any],
    cells: list[NotebookNode],
    runs: Mapping[int, CellResult],
    problems: list[Problem],
) -> Graded:
    """The verdict, computed here against the student's own variant, never in the sandbox."""
    variant = student_variant(student)
    report = grade(values, variant.X, variant.y, variant.theta, variant.eta)
    notebook = executed_notebook(cells, runs, report)
    own = _own_code(cells)
    return Graded(
        student, report, tuple(problems), notebook, answers=plain_answers(values), code=own
    )


def _own_code(cells: Sequence[NotebookNode]) -> tuple[str, ...]:
    """The sources of the student's own code cells (not the locked ones), for the record."""
    kept: list[str] = []
    budget = MAX_CODE_CHARS
    for cell in cells:
        if cell.cell_type == "code" and not is_locked(cell) and budget > 0:
            kept.append(str(cell.source)[:budget])
            budget -= len(kept[-1])
    return tuple(kept)


def executed_notebook(
    cells: Sequence[NotebookNode], runs: Mapping[int, CellResult], report: Report
) -> NotebookNode:
    """The graded notebook: each run cell's outputs; each test cell's feedback and points."""
    notebook = _new_notebook()
    notebook.nbformat_minor = max(int(notebook.nbformat_minor), 5)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    count = 0
    for index, original in enumerate(cells):
        cell = _copy(original)
        cell["id"] = f"cell-{index}"
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if is_test_cell(cell):
                cell.outputs = _feedback_outputs(report, grade_id(cell) or "")
            elif index in runs:
                count += 1
                cell.execution_count = count
                cell.outputs = _capped(runs[index].notebook_outputs())
        notebook.cells.append(cell)
    return notebook


def _feedback_outputs(report: Report, test_id: str) -> list[NotebookNode]:
    """Feedback on stdout, then the points as the cell's result (nbgrader's partial credit)."""
    result = report.questions.get(test_id.removeprefix("test_"))
    if result is None:
        text, points = f"{test_id}: no automatic check is defined for this cell\n", 0.0
    else:
        text = f"{result.status}: {result.points:g} / {result.max_points:g}\n{result.feedback}\n"
        points = float(result.points)
    return [_stream("stdout", text), _result({"text/plain": repr(points)})]


def _stream(name: str, text: str) -> NotebookNode:
    return _from_dict({"output_type": "stream", "name": name, "text": text})


def _result(data: dict[str, Any]) -> NotebookNode:
    output = {"output_type": "execute_result", "data": data, "metadata": {}}
    return _from_dict({**output, "execution_count": None})


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
        kind = output.get("output_type")
        if kind == "stream" and budget > 0:
            text = _text(output.get("text", ""))
            if len(text) > budget:
                text = text[:budget] + "\n[output truncated]\n"
            budget -= len(text)
            kept.append(_stream("stderr" if output.get("name") == "stderr" else "stdout", text))
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
                node = {"output_type": "display_data", "data": data, "metadata": {}}
                kept.append(_from_dict(node))
        elif kind == "error":
            trace = output.get("traceback", [])
            error = {
                "output_type": "error",
                "ename": _text(output.get("ename", "Error"))[:200],
                "evalue": _text(output.get("evalue", ""))[:2000],
                "traceback": [
                    _text(line)[:2000] for line in (trace if isinstance(trace, list) else [])[:50]
                ],
            }
            kept.append(_from_dict(error))
    return kept
