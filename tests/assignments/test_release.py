"""`nbgrader generate_assignment` gives students a notebook with nothing to copy from.

(`nbgrader validate` of the source and of the release runs in test_autograde.py, beside the
autograde.)
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest

import solutions
from grader.judgment.rubric import ANSWER_CELLS
from solutions.variant import make_variant
from tests.course import REPOSITORY, Course, prepare_source_module

pytestmark = pytest.mark.slow

STUDENTS_TO_CHECK = ("", "alice", "bob", "s123456", *(f"st{i:03d}" for i in range(30)))


def release_text(course: Course) -> str:
    """What a student receives, minus the variant generator (public code, checked separately)."""
    release = course.path("release")
    files = [path for path in release.rglob("*") if path.is_file()]
    assert {path.name for path in files} == {"hw4.ipynb", "hw4_variant.py", "hw4_selfcheck.py"}
    return "\n".join(path.read_text() for path in files if path.name != "hw4_variant.py")


def solution_lines(course: Course) -> list[str]:
    """Lines of the source notebook's solution regions and model answers, not found elsewhere."""
    source = course.notebook("source")
    public = "\n".join(
        cell.source
        for cell in source.cells
        if not cell.metadata.get("nbgrader", {}).get("solution")
    )
    lines = []
    for cell in source.cells:
        if not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        inside = cell.cell_type == "markdown"
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) > 12 and line.strip() not in public:
                lines.append(line.strip())
    return lines


def reference_numbers(student_id: str) -> list[float]:
    """Every answer of a variant that is not a whole number, from the reference package."""
    variant = make_variant(student_id)
    X, y, theta, eta = variant.X, variant.y, variant.theta, variant.eta
    grads = solutions.backprop(theta, X, y).grads
    grad = solutions.gradient(theta, X, y)
    theta_new = solutions.gd_step(theta, grad, eta)
    values = [
        *solutions.forward(theta, X).y_hat,
        solutions.loss(theta, X, y),
        *grads.flat,
        *grad,
        *theta_new,
        solutions.loss(theta_new, X, y),
    ]
    return [float(v) for v in values if abs(float(v) - round(float(v))) > 1e-9]


def printed_forms(value: float) -> set[str]:
    """How a student, Python or numpy would print the value (at least two decimals shown)."""
    forms = {
        repr(value),
        f"{value:.2f}",
        f"{value:.3f}",
        f"{value:.4f}",
        f"{value:.6g}",
        np.format_float_positional(value, precision=8, trim="-"),
        np.array2string(np.array([value]))[1:-1].strip(),
    }
    return {form for form in forms if re.search(r"\.\d\d", form) and float(form) != 0}


def test_release_has_the_notebook_and_its_helpers(released_course: Course) -> None:
    release = released_course.path("release")
    shipped = prepare_source_module().standalone_variant(
        (REPOSITORY / "solutions" / "variant.py").read_text(encoding="utf-8"),
        (REPOSITORY / "solutions" / "data.py").read_text(encoding="utf-8"),
    )
    assert (release / "hw4_variant.py").read_text(encoding="utf-8") == shipped
    assert (release / "hw4_selfcheck.py").read_text() == (
        REPOSITORY / "assignments" / "source" / "hw4" / "hw4_selfcheck.py"
    ).read_text()


def test_release_has_no_solution(released_course: Course) -> None:
    text = release_text(released_course)
    notebook_text = "\n".join(cell.source for cell in released_course.notebook("release").cells)
    lines = solution_lines(released_course)
    assert len(lines) > 20
    leaked = [line for line in lines if line in notebook_text]
    assert not leaked
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "Model answer", "Rubric"):
        assert marker not in text
    cells = {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in released_course.notebook("release").cells
        if "nbgrader" in cell.metadata
    }
    for grade_id in ANSWER_CELLS:
        assert "raise NotImplementedError()" in cells[grade_id].source
    for grade_id in ("answer_q3", "answer_q7"):
        assert cells[grade_id].source == "YOUR ANSWER HERE"


def test_release_has_no_hidden_test_and_imports_no_reference(released_course: Course) -> None:
    text = release_text(released_course)
    for marker in ("HIDDEN TESTS", "grade_question", "nbgrader_tests"):
        assert marker not in text
    assert not re.search(r"\b(import|from)\s+(grader|solutions)\b", text)
    variant_source = (released_course.path("release") / "hw4_variant.py").read_text()
    assert not re.search(r"\b(import|from)\s+(grader|solutions)\b", variant_source)


def test_release_stores_no_output(released_course: Course) -> None:
    for cell in released_course.notebook("release").cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


def test_release_shows_no_reference_number_of_any_variant(released_course: Course) -> None:
    text = release_text(released_course)
    checked = 0
    for student in STUDENTS_TO_CHECK:
        for value in reference_numbers(student):
            for form in printed_forms(value):
                pattern = rf"(?<![\w.\-]){re.escape(form)}(?!\d)"
                assert not re.search(pattern, text), (student, value, form)
                checked += 1
    assert checked > 500


def test_the_number_check_would_catch_a_leak(released_course: Course) -> None:
    seed_loss = reference_numbers("")[0]
    notebook = released_course.notebook("release")
    notebook.cells[0].source += f"\n\nThe loss is {seed_loss!r}."
    leaked_text = nbformat.writes(notebook)
    assert any(
        re.search(rf"(?<![\w.\-]){re.escape(form)}(?!\d)", leaked_text)
        for form in printed_forms(seed_loss)
    )


PLAIN_PRELUDE = '''
import sys

class RefuseProjectPackages:
    """The release must run where neither grader nor solutions is installed."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("grader", "solutions"):
            raise ImportError(f"the release imported {name}")
        return None

sys.meta_path.insert(0, RefuseProjectPackages())
import matplotlib
matplotlib.use("Agg")
'''


def test_solved_release_runs_with_numpy_and_matplotlib_only(course: Course) -> None:
    folder = course.submit("plainrun")
    notebook = nbformat.read(folder / "hw4.ipynb", as_version=4)
    script = PLAIN_PRELUDE + "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Numbers for student ID 'plainrun'" in result.stdout
    assert result.stdout.count("[ok]") == 5 and "[CHECK]" not in result.stdout


@pytest.mark.parametrize("name", ["hw4_variant.py", "hw4_selfcheck.py"])
def test_shipped_modules_parse_as_python_3_8(released_course: Course, name: str) -> None:
    source = (released_course.path("release") / name).read_text()
    ast.parse(source, feature_version=(3, 8))
    assert "strict=" not in source  # zip(strict=...) needs Python 3.10


@pytest.mark.parametrize("target", ["all", "book"])
def test_make_builds_the_release(target: str) -> None:
    # what `make TARGET` would run after an edit of the assignment's source
    planned = subprocess.run(
        ["make", "-n", "-W", "assignments/source/hw4/hw4.md", target],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    prepare = [i for i, line in enumerate(planned) if "assignments/prepare_source.py" in line]
    remove = [i for i, line in enumerate(planned) if "rm -rf assignments/release/hw4" in line]
    release = [i for i, line in enumerate(planned) if "generate_assignment hw4" in line]
    assert len(prepare) == len(remove) == len(release) == 1
    # the old release is removed rather than overwritten (nbgrader's --force warns)
    assert prepare[0] < remove[0] < release[0]
    assert "--force" not in planned[release[0]]
