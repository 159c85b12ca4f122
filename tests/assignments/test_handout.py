"""The notebook handed out alone works in an empty folder with numpy and matplotlib only;
``hw4.zip`` is the release folder as it is."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest

from grader.course.lms.handout import EMBEDDED_TAG, make_handout
from grader.sandbox import run_cells
from solutions.variant import make_variant
from tests.conftest import Course
from tests.grader.course.builders import filled

STUDENT = "s2024117"


@pytest.fixture(scope="module")
def handout(released_course: Course, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handout")
    make_handout(released_course.path("release"), out)
    return out


def test_the_lone_notebook_runs_in_an_empty_folder_with_an_id(handout: Path) -> None:
    """Run in the grading sandbox with no file beside it: its runtime has numpy and
    matplotlib, and neither this project nor nbgrader."""
    release = json.loads((handout / "hw4.ipynb").read_text(encoding="utf-8"))
    notebook = filled(release, STUDENT)
    experiment = next(
        c
        for c in notebook["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "experiment_q7"
    )
    experiment["source"] = "pass"
    sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    sources.append("import solutions")  # proves the project is out of reach
    result = run_cells(sources, names=["theta", "X", "y", "eta"], files={})
    *cells, last = result.cells
    assert [c.status for c in cells] == ["ok"] * len(cells), [
        (c.error_name, c.error_message) for c in cells if c.status != "ok"
    ]
    assert last.error_name == "ModuleNotFoundError"
    values = result.values()
    variant = make_variant(STUDENT)
    assert np.allclose(values["theta"], variant.theta)
    assert np.allclose(values["X"], variant.X)
    assert np.allclose(values["y"], variant.y)
    assert values["eta"] == pytest.approx(variant.eta)
    assert not np.allclose(variant.theta, make_variant("").theta)
    printed = "".join(c.stdout for c in cells)
    assert f"Numbers for student ID {STUDENT!r}" in printed
    assert "[ok] loss_decreased matches loss and loss_new" in printed  # the self-checks ran


def test_the_lone_notebook_is_the_release_with_one_read_only_cell(
    handout: Path, released_course: Course
) -> None:
    alone = nbformat.read(handout / "hw4.ipynb", as_version=4)
    release = released_course.notebook("release")
    added = [c for c in alone.cells if EMBEDDED_TAG in c.metadata.get("tags", [])]
    assert len(added) == 1
    assert added[0].metadata["editable"] is False and added[0].metadata["deletable"] is False
    assert "nbgrader" not in added[0].metadata
    rest = [c for c in alone.cells if c is not added[0]]
    assert [(c.cell_type, c.source, c.metadata) for c in rest] == [
        (c.cell_type, c.source, c.metadata) for c in release.cells
    ]


def test_the_zip_is_the_release_folder(handout: Path, released_course: Course) -> None:
    folder = released_course.path("release")
    with zipfile.ZipFile(handout / "hw4.zip") as bundle:
        members = {name: bundle.read(name) for name in bundle.namelist()}
    assert members == {f"hw4/{p.name}": p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert sorted(members) == ["hw4/hw4.ipynb", "hw4/hw4_selfcheck.py", "hw4/hw4_variant.py"]
