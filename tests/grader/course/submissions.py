"""The adversarial class: each submission, what it does, and the scores the rubric gives it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader import RUBRIC

from .builders import (
    Notebook,
    cell_index,
    filled,
    garbage,
    insert_after,
    reference_answers,
    write,
)

QUESTIONS = ("q1", "q2", "q4", "q5", "q6")
SEED_VARIANT_CELL = (
    "import numpy as np\n"
    "X = np.array([[2.0, 1.0], [-3.0, 2.0]]); y = np.array([1.3, 1.9])\n"
    "theta = np.array([1.0, 1.0, 0.0, 1.0, 0.0]); eta = 0.01\n"
)


@dataclass(frozen=True)
class Case:
    """One student's submission: how to write it, the questions it must lose, the problems seen."""

    student: str
    make: Callable[[Path, Notebook, Notebook, dict[str, str]], None]
    lost: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()
    """Answers right in themselves that earn nothing: the answers they are checked against
    are lost (``loss_decreased`` without a readable ``loss``)."""

    @property
    def expected(self) -> dict[str, float]:
        """Points per question from the rubric: nothing for a lost question or an unchecked
        answer, all otherwise."""
        points = {}
        for question in RUBRIC.questions:
            earned = [q.points for q in question.quantities if q.name not in self.unchecked]
            points[question.key] = 0.0 if question.key in self.lost else float(sum(earned))
        return points


ABSURD = {
    "y_hat": [7e6, -7e6],
    "loss": 7e6,
    "grad_per_sample": [[7e6] * 5, [-7e6] * 5],
    "grad": [7e6] * 5,
    "theta_new": [-7e6] * 5,
    "loss_new": 7e6,
    "loss_decreased": "yes",
}
"""Answers no tolerance and no error-carried-forward rule can accept."""


def _with_cells(*sources: str, absurd: bool = False) -> Callable[..., None]:
    """Student cells right after the variant cell; answers right (or ``absurd``)."""

    def make(course: Path, release: Notebook, solved: Notebook, env: dict[str, str]) -> None:
        del solved
        student = env["student"]
        cells = [s.format(**env) for s in sources]
        notebook = filled(release, student, answers=ABSURD if absurd else None)
        write(course, student, insert_after(notebook, "variant", *cells))

    return make


def _answers_cell(code: str, answers: str, **names: str) -> Callable[..., None]:
    """Replace one answer cell with ``code`` (formatted with the environment)."""

    def make(course: Path, release: Notebook, solved: Notebook, env: dict[str, str]) -> None:
        del solved
        student = env["student"]
        right = reference_answers(student)
        notebook = filled(release, student, answers=garbage(right, *names.values()))
        fields = {**env, **{k: repr(right[v]) for k, v in names.items()}}
        notebook["cells"][cell_index(notebook, answers)]["source"] = code.format(**fields)
        write(course, student, notebook)

    return make


def _solved(transform: Callable[[Notebook], Notebook]) -> Callable[..., None]:
    """The instructor's solution code (computing from X, y, theta, eta), then ``transform``."""

    def make(course: Path, release: Notebook, solved: Notebook, env: dict[str, str]) -> None:
        del release
        notebook = copy.deepcopy(solved)
        notebook["cells"][cell_index(notebook, "student_id")]["source"] = (
            f"STUDENT_ID = {env['student']!r}"
        )
        write(course, env["student"], transform(notebook))

    return make


def _edit_variant(notebook: Notebook) -> Notebook:
    notebook["cells"][cell_index(notebook, "variant")]["source"] = SEED_VARIANT_CELL
    return notebook


def _delete_variant(notebook: Notebook) -> Notebook:
    position = cell_index(notebook, "variant")
    notebook["cells"][position - 1]["source"] += "\n" + SEED_VARIANT_CELL
    del notebook["cells"][position]
    return notebook


def _duplicate_variant(notebook: Notebook) -> Notebook:
    position = cell_index(notebook, "variant")
    copy_cell = copy.deepcopy(notebook["cells"][position])
    copy_cell["source"] = SEED_VARIANT_CELL
    notebook["cells"].insert(position + 1, copy_cell)
    return notebook


def _tampered_variant_file(
    course: Path, release: Notebook, solved: Notebook, env: dict[str, str]
) -> None:
    """Solved code, beside a ``hw4_variant.py`` that hands out the seed's numbers."""
    _solved(lambda notebook: notebook)(course, release, solved, env)
    fake = (
        "import numpy as np\n"
        "class _V:\n"
        "    X = np.array([[2.0, 1.0], [-3.0, 2.0]]); y = np.array([1.3, 1.9])\n"
        "    theta = np.array([1.0, 1.0, 0.0, 1.0, 0.0]); eta = 0.01\n"
        "    def describe(self):\n"
        "        return 'seed'\n"
        "def make_variant(student_id):\n"
        "    return _V()\n"
    )
    (course / "submitted" / env["student"] / "hw4" / "hw4_variant.py").write_text(fake)


def _edit_test(notebook: Notebook) -> Notebook:
    notebook["cells"][cell_index(notebook, "test_q1")]["source"] = "y_hat = 'from a test cell'"
    return notebook


def _write_raw(
    content: Callable[[Notebook, str], bytes], name: str = "hw4.ipynb"
) -> Callable[..., None]:
    def make(course: Path, release: Notebook, solved: Notebook, env: dict[str, str]) -> None:
        del solved
        write(course, env["student"], content(release, env["student"]), name=name)

    return make


def _old_format(release: Notebook, student: str) -> bytes:
    node = nbformat.reads(json.dumps(filled(release, student)), as_version=4)
    for cell in node.cells:
        cell.pop("id", None)
    node.nbformat_minor = 4
    return nbformat.writes(nbformat.convert(node, 3), version=3).encode()


def _latin1(release: Notebook, student: str) -> bytes:
    notebook = insert_after(filled(release, student), "variant", "# notes: LATIN1")
    return json.dumps(notebook).encode().replace(b"LATIN1", "café".encode("latin-1"))


def _huge_outputs(release: Notebook, student: str) -> bytes:
    notebook = filled(release, student)
    cell = notebook["cells"][cell_index(notebook, "answer_q1")]
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "z" * 20_000_000}]
    return json.dumps(notebook).encode()


def _correct(release: Notebook, student: str) -> bytes:
    return json.dumps(filled(release, student)).encode()


def _mismatch(release: Notebook, student: str) -> bytes:
    notebook = filled(release, student)
    notebook["cells"][cell_index(notebook, "student_id")]["source"] = 'STUDENT_ID = "somebody"'
    return json.dumps(notebook).encode()


def _renamed_answers(
    course: Path, release: Notebook, solved: Notebook, env: dict[str, str]
) -> None:
    del solved
    student = env["student"]
    write(course, student, filled(release, student, names={"y_hat": "yhat"}))


def _no_notebook(course: Path, release: Notebook, solved: Notebook, env: dict[str, str]) -> None:
    folder = course / "submitted" / env["student"] / "hw4"
    folder.mkdir(parents=True)
    (folder / "notes.txt").write_text("I could not finish")


ATTACKS = (
    Case("infinite-loop", _with_cells("while True:\n    pass"), problems=("cell-timeout",)),
    Case(
        "memory-bomb",
        _with_cells("hog = []\nwhile True:\n    hog.append(bytearray(64 * 1024 * 1024))"),
    ),
    Case("fork-bomb", _with_cells("import os\nwhile True:\n    os.fork()")),
    Case(
        "output-flood",
        _with_cells("while True:\n    print('flood' * 2000)"),
        problems=("cell-timeout",),
    ),
    Case("sys-exit", _with_cells("import sys\nsys.exit(3)")),
    Case("os-exit", _with_cells("import os\nos._exit(0)"), problems=("cell-killed",)),
    Case(
        "ignores-signals",
        _with_cells(
            "import signal\n"
            "for number in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM, signal.SIGXCPU):\n"
            "    signal.signal(number, signal.SIG_IGN)\n"
            "while True:\n    pass"
        ),
        problems=("cell-timeout",),
    ),
    Case("segfault", _with_cells("import ctypes\nctypes.string_at(0)"), problems=("cell-killed",)),
    Case(
        "reads-solutions",
        _answers_cell(
            "try:\n"
            "    import solutions\n"
            "    y_hat = solutions.forward(theta, X).y_hat\n"
            "except Exception:\n"
            "    try:\n"
            "        open({solutions_file!r}).read()\n"
            "        y_hat = {right_y_hat}\n"
            "    except OSError as error:\n"
            "        y_hat = 'blocked: ' + type(error).__name__\n",
            "answer_q1",
            right_y_hat="y_hat",
        ),
        lost=("q1",),
    ),
    Case(
        "reads-gradebook",
        _answers_cell(
            "try:\n"
            "    gradebook = open({gradebook!r}, 'rb').read(100)\n"
            "    loss = {right_loss}\n"
            "except Exception as error:\n"
            "    loss = 'blocked: ' + type(error).__name__\n",
            "answer_q2",
            right_loss="loss",
        ),
        lost=("q2",),
        unchecked=("loss_decreased",),
    ),
    Case(
        "network",
        _answers_cell(
            "import socket\n"
            "try:\n"
            "    socket.create_connection(('127.0.0.1', {port}), timeout=1).close()\n"
            "    grad_per_sample, grad = {right_gps}, {right_grad}\n"
            "except OSError as error:\n"
            "    grad_per_sample = grad = 'blocked: ' + type(error).__name__\n",
            "answer_q4",
            right_gps="grad_per_sample",
            right_grad="grad",
        ),
        lost=("q4",),
    ),
    Case(
        "monkeypatch",
        _with_cells(
            "import builtins, math\nimport numpy as np\n"
            "np.allclose = np.isclose = math.isclose = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n"
            "np.abs = np.absolute = builtins.abs = lambda value: 0 * value\n"
            "builtins.round = builtins.float = lambda *a, **k: 0.0",
            absurd=True,
        ),
        lost=QUESTIONS,
    ),
    Case(
        "writes-outside",
        _with_cells(
            "import os\n"
            "for target in ({escape_file!r}, {course_file!r}, {repo_file!r}):\n"
            "    try:\n"
            "        with open(target, 'w') as handle:\n"
            "            handle.write('escaped')\n"
            "    except OSError:\n"
            "        pass\n"
            "with open('scratch-file.txt', 'w') as handle:\n"
            "    handle.write('fine')"
        ),
    ),
)

BAD_INPUTS = (
    Case(
        "malformed",
        _write_raw(lambda r, s: b'{"cells": [{"cell_type": "code", "source": "y_hat = ['),
        lost=QUESTIONS,
        problems=("notebook-malformed",),
    ),
    Case("empty", _write_raw(lambda r, s: b""), lost=QUESTIONS, problems=("notebook-empty",)),
    Case("old-format", _write_raw(_old_format), problems=("notebook-old-format",)),
    Case("not-utf8", _write_raw(_latin1), problems=("notebook-not-utf8",)),
    Case("renamed-answers", _renamed_answers, lost=("q1",), problems=("answers-missing",)),
    Case("variant-edited", _solved(_edit_variant), problems=("locked-cell-edited",)),
    Case("variant-deleted", _solved(_delete_variant), problems=("locked-cell-deleted",)),
    Case("variant-duplicated", _solved(_duplicate_variant), problems=("cell-duplicated",)),
    Case("test-edited", _solved(_edit_test), problems=("test-cell-edited",)),
    Case("variant-file-tampered", _tampered_variant_file),
    Case("enormous-output", _write_raw(_huge_outputs)),
    Case("id-mismatch", _write_raw(_mismatch), problems=("student-id-mismatch",)),
    Case(
        "renamed-notebook",
        _write_raw(_correct, name="hw4 (1).ipynb"),
        problems=("notebook-renamed",),
    ),
    Case("no-notebook", _no_notebook, lost=QUESTIONS, problems=("notebook-missing",)),
    Case("correct-code", _solved(lambda notebook: notebook)),
)

CASES = ATTACKS + BAD_INPUTS
