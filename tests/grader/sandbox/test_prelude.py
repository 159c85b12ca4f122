"""The release's prelude: run once in a worker, replayed in each job, never different.

A job that starts with the prelude's cells must give exactly what running them gives
(outputs, figures to the byte, values, later cells' view of the namespace), and a
prelude that could not be replayed faithfully (it fails, writes to stderr, differs
from run to run, or hangs) is simply run in each job. Whether a cell was replayed is
seen from inside: a replayed cell ran in the zygote, so a file it wrote is not in the
job's own scratch directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from grader.course.prelude import prelude_of
from grader.sandbox import Limits, SandboxPool, SandboxResult, run_cells
from tests.grader.sandbox.conftest import SMALL

REPOSITORY = Path(__file__).resolve().parents[3]
SOURCE = REPOSITORY / "assignments" / "source" / "hw4" / "hw4.ipynb"
"""The instructor's notebook: its locked cells are released as they are."""

WHERE = "import os\nopen('written-by-the-prelude', 'w').close()\n"
"""A prelude cell that leaves a file where it runs."""
REPLAYED = "replayed = not os.path.exists('written-by-the-prelude')\n"
"""A job cell: whether the cell above ran somewhere else (in the zygote)."""


def release_figure_cell() -> str:
    notebook = json.loads(SOURCE.read_text(encoding="utf-8"))
    [figure] = [
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "network_figure"
    ]
    return figure


@pytest.fixture
def pool() -> Iterator[SandboxPool]:
    """A pool of its own: each test sets its own prelude."""
    with SandboxPool(SMALL, workers=1) as fresh:
        yield fresh


def outcome(result: SandboxResult) -> list[tuple[object, ...]]:
    """What a run gives per cell, timings aside."""
    return [
        (c.status, c.stdout, c.stderr, c.outputs, c.error_name, c.error_message, c.traceback)
        for c in result.cells
    ]


def test_the_release_prelude_is_its_leading_locked_code_cells() -> None:
    with SOURCE.open(encoding="utf-8") as file:
        cells = nbformat.read(file, as_version=4).cells
    assert prelude_of(cells) == [release_figure_cell()]
    # a release whose first code cell is the student's has none
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    editable = next(i for i in code if not cell_locked(cells[i]))
    assert prelude_of([cells[editable], *cells]) == []


def cell_locked(cell: object) -> bool:
    from nbgrader.utils import is_locked

    return bool(is_locked(cell))


def test_a_replayed_figure_cell_gives_what_running_it_gives(pool: SandboxPool) -> None:
    figure = release_figure_cell()
    cells = [
        figure,
        "print('after the figure', type(fig).__name__, len(nodes))\nax.get_title()\n",
        "plt.plot([1, 2], [3, 4])\nplt.show()\n",
    ]
    names = ["edges"]
    plain = pool.run_cells(cells, names=names)
    one_shot = run_cells(cells, names=names, limits=SMALL)
    pool.set_prelude([figure])
    replayed = pool.run_cells(cells, names=names)
    for result in (plain, one_shot, replayed):
        assert [cell.status for cell in result.cells] == ["ok"] * 3, result.problem
    assert outcome(replayed) == outcome(plain) == outcome(one_shot)
    assert replayed.answers == plain.answers
    [drawn] = replayed.cells[0].outputs
    assert drawn["output_type"] == "display_data" and drawn["data"]["image/png"]
    assert "after the figure Figure 6" in replayed.cells[1].outputs[0]["text"]


def test_a_job_starting_with_the_prelude_replays_it_and_others_run_it(
    pool: SandboxPool,
) -> None:
    pool.set_prelude([WHERE, "print('prelude')\n"])
    names = ["replayed"]
    matching = pool.run_cells([WHERE, "print('prelude')\n", REPLAYED], names=names)
    assert matching.values() == {"replayed": True}
    assert matching.cells[1].outputs == (
        {"output_type": "stream", "name": "stdout", "text": "prelude\n"},
    )
    # a student's own first cell: nothing is replayed, though the rest is the same
    edited = pool.run_cells([WHERE + "x = 1\n", "print('prelude')\n", REPLAYED], names=names)
    assert edited.values() == {"replayed": False}
    # the first cell alike, the second not: nothing is replayed (the prelude's namespace
    # holds the work of both)
    second = pool.run_cells([WHERE, "print('edited')\n", REPLAYED], names=names)
    assert second.values() == {"replayed": False}
    assert second.cells[1].outputs[0]["text"] == "edited\n"


def test_a_job_changes_only_its_own_copy_of_the_prelude(pool: SandboxPool) -> None:
    prelude = ["shared = [1, 2, 3]\n"]
    pool.set_prelude(prelude)
    first = pool.run_cells([*prelude, "shared.append(4)\nseen = list(shared)\n"], names=["seen"])
    second = pool.run_cells([*prelude, "seen = list(shared)\n"], names=["seen"])
    assert first.values() == {"seen": [1, 2, 3, 4]}
    assert second.values() == {"seen": [1, 2, 3]}


@pytest.mark.parametrize(
    "cell",
    [
        "import random\nprint(random.random())\n",  # differs from run to run
        "import sys\nprint('careful', file=sys.stderr)\n",  # stderr
        "raise ValueError('not today')\n",  # fails
    ],
    ids=["random", "stderr", "fails"],
)
def test_a_prelude_that_cannot_be_replayed_faithfully_runs_in_each_job(
    pool: SandboxPool, cell: str
) -> None:
    prelude = [WHERE, cell]
    pool.set_prelude(prelude)
    expected = run_cells([*prelude, REPLAYED], names=["replayed"], limits=SMALL)
    first = pool.run_cells([*prelude, REPLAYED], names=["replayed"])
    second = pool.run_cells([*prelude, REPLAYED], names=["replayed"])
    assert [c.status for c in first.cells] == [c.status for c in expected.cells]
    if "random" in cell:
        # outputs that differ from run to run: no cell is kept, each job draws its own
        assert first.cells[1].outputs != second.cells[1].outputs
        assert first.values() == second.values() == {"replayed": False}
    else:
        # the first cell is replayed; the second runs in each job, as it would alone
        assert outcome(first)[1:2] == outcome(expected)[1:2] == outcome(second)[1:2]
        assert first.values() == second.values() == {"replayed": True}


def test_a_hanging_prelude_delays_nothing_but_itself() -> None:
    quick: Limits = replace(SMALL, cell_seconds=1.0, notebook_seconds=8.0)
    with SandboxPool(quick, workers=1) as short:
        short.set_prelude(["while True:\n    pass\n"])
        result = short.run_cells(["while True:\n    pass\n", "after = 1\n"], names=["after"])
        assert [cell.status for cell in result.cells] == ["timeout", "ok"]
        assert result.values() == {"after": 1}
        again = short.run_cells(["x = 2\n"], names=["x"])
        assert again.values() == {"x": 2}
