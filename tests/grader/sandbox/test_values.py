"""Normal cells: the requested values come back as plain data equal to the reference's."""

from __future__ import annotations

import math

import numpy as np

from grader.sandbox import Limits
from solutions import SEED, forward, gradient, loss
from tests.grader.sandbox.conftest import Runner

SEED_CELL = f"""
import numpy as np
X = np.array({SEED.X.tolist()}, dtype=float)
y = np.array({SEED.y.tolist()})
theta = np.array({SEED.theta.tolist()}, dtype=float)
eta = {SEED.eta!r}
"""
FORWARD_CELL = """
z = X @ theta[:2] + theta[2]
y_hat = theta[3] * np.maximum(z, 0) + theta[4]
loss = float(np.mean((y_hat - y) ** 2))
"""


def test_values_of_normal_cells_equal_the_reference(limits: Limits, sandbox: Runner) -> None:
    result = sandbox([SEED_CELL, FORWARD_CELL], names=["y_hat", "loss", "eta"], limits=limits)
    assert result.completed and result.sandboxed
    assert [cell.status for cell in result.cells] == ["ok", "ok"]
    values = result.values()
    assert values["y_hat"] == forward(SEED.theta, SEED.X).y_hat.tolist()
    assert math.isclose(values["loss"], float(loss(SEED.theta, SEED.X, SEED.y)))
    assert values["eta"] == SEED.eta


def test_numpy_types_become_plain_python_types(limits: Limits, sandbox: Runner) -> None:
    cell = (
        "import numpy as np\n"
        "grad = np.array([1.5, -2.0, 0.25, 3.0, 0.0])\n"
        "loss_decreased = np.bool_(True)\n"
        "count = np.int64(7)\n"
        "scalar = np.float32(0.5)\n"
        "matrix = np.eye(2)\n"
        "mixed = (1, [2.5, 'a'], None)\n"
    )
    names = ["grad", "loss_decreased", "count", "scalar", "matrix", "mixed"]
    values = sandbox([cell], names=names, limits=limits).values()
    assert values == {
        "grad": [1.5, -2.0, 0.25, 3.0, 0.0],
        "loss_decreased": True,
        "count": 7,
        "scalar": 0.5,
        "matrix": [[1.0, 0.0], [0.0, 1.0]],
        "mixed": [1, [2.5, "a"], None],
    }
    assert type(values["loss_decreased"]) is bool and type(values["count"]) is int


def test_non_finite_floats_are_told_apart_from_strings(limits: Limits, sandbox: Runner) -> None:
    cell = "import numpy as np\nv = np.array([np.nan, np.inf, -np.inf, 1.0])\ns = 'nan'\n"
    values = sandbox([cell], names=["v", "s"], limits=limits).values()
    nan, inf, minus_inf, one = values["v"]  # type: ignore[misc]
    assert math.isnan(nan) and inf == math.inf and minus_inf == -math.inf and one == 1.0
    assert values["s"] == "nan"


def test_gradient_computed_in_the_sandbox_matches_the_reference(
    limits: Limits, sandbox: Runner
) -> None:
    cell = """
d_yhat = 2 * (y_hat - y)
dz = d_yhat * theta[3] * (z > 0)
h = np.maximum(z, 0)
grad_per_sample = np.column_stack([dz * X[:, 0], dz * X[:, 1], dz, d_yhat * h, d_yhat])
grad = grad_per_sample.mean(axis=0)
"""
    values = sandbox([SEED_CELL, FORWARD_CELL, cell], names=["grad"], limits=limits).values()
    np.testing.assert_allclose(values["grad"], gradient(SEED.theta, SEED.X, SEED.y))


def test_missing_and_unsupported_names_are_reported(limits: Limits, sandbox: Runner) -> None:
    cell = "import numpy as np\nc = 1 + 2j\narr = np.array([1j])\nf = lambda: 1\nok = 1\n"
    result = sandbox([cell], names=["ok", "c", "arr", "f", "nowhere"], limits=limits)
    answers = result.answers
    assert answers["ok"].status == "ok" and answers["ok"].value == 1
    assert answers["nowhere"].status == "missing"
    assert (
        answers["c"].status == "unsupported" and answers["c"].detail == "unsupported type complex"
    )
    assert answers["arr"].status == "unsupported" and "complex128" in answers["arr"].detail
    assert (
        answers["f"].status == "unsupported" and answers["f"].detail == "unsupported type function"
    )
    assert list(answers) == ["ok", "c", "arr", "f", "nowhere"]
    assert result.values() == {"ok": 1}


def test_files_are_importable_from_the_working_directory(limits: Limits, sandbox: Runner) -> None:
    helper = "def make():\n    return [1, 2]\n"
    cells = ["from helper_module import make\nv = make()"]
    result = sandbox(cells, names=["v"], limits=limits, files={"helper_module.py": helper})
    assert result.values() == {"v": [1, 2]}


def test_cells_run_in_a_main_module_as_in_a_kernel(limits: Limits, sandbox: Runner) -> None:
    cell = (
        "import __main__, pickle\n"
        "x = 5\n"
        "class Point:\n"
        "    pass\n"
        "same = __main__.x\n"
        "copied = type(pickle.loads(pickle.dumps(Point()))).__name__\n"
        "module = __name__\n"
    )
    values = sandbox([cell], names=["same", "copied", "module"], limits=limits).values()
    assert values == {"same": 5, "copied": "Point", "module": "__main__"}


def test_values_too_large_or_odd_are_unsupported_not_fatal(limits: Limits, sandbox: Runner) -> None:
    cell = (
        "import numpy as np\n"
        "big_array = np.zeros(100_000)\n"
        "long_text = 'x' * 100_000\n"
        "huge_int = 10 ** 100\n"
        "deep = []\n"
        "for _ in range(100):\n"
        "    deep = [deep]\n"
        "loop = []\n"
        "loop.append(loop)\n"
        "dates = np.array(['2021-09-13'], dtype='datetime64[D]')\n"
        "flags = np.array([True, False])\n"
        "objects = np.array([1, 2.5, None], dtype=object)\n"
    )
    names = ["big_array", "long_text", "huge_int", "deep", "loop", "dates", "flags", "objects"]
    result = sandbox([cell], names=names, limits=limits)
    answers = result.answers
    assert result.cells[0].status == "ok"
    for name in ("big_array", "long_text", "huge_int", "deep", "loop", "dates"):
        assert answers[name].status == "unsupported", name
    assert "too large" in answers["big_array"].detail
    assert "datetime64" in answers["dates"].detail
    assert answers["flags"].value == [True, False]
    assert answers["objects"].value == [1, 2.5, None]


def test_replaced_builtins_change_the_students_cells_but_not_how_values_are_read(
    limits: Limits, sandbox: Runner
) -> None:
    patch = (
        "import builtins\n"
        "builtins.isinstance = lambda *args: False\n"
        "builtins.len = lambda value: -1\n"
        "builtins.memoryview = None\n"
        "builtins.Exception = KeyError\n"
    )
    after = "size = len([1, 2, 3])\nkind = isinstance(1, int)\n"
    result = sandbox(
        [SEED_CELL, patch, FORWARD_CELL, after],
        names=["y_hat", "loss", "size", "kind"],
        limits=limits,
    )
    assert [cell.status for cell in result.cells] == ["ok"] * 4 and result.completed
    values = result.values()
    assert values["y_hat"] == forward(SEED.theta, SEED.X).y_hat.tolist()
    assert math.isclose(values["loss"], float(loss(SEED.theta, SEED.X, SEED.y)))
    assert values["size"] == -1 and values["kind"] is False  # the student's own builtins
