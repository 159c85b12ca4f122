"""The explorer's JavaScript agrees with the Python on 500 random practice problems.

Node runs ``book/_static/explorer-engine.js`` with the data the build writes
(``book/_ext/explorer.py``): it draws the practice problems, computes their answers,
question 7's largest useful learning rate and a few runs, and checks typed answers.
Every number must match ``solutions`` (and ``book/worked.py``'s scan), every verdict
``grader.judgment.grade`` on the same answers (the earlier answers right, as the
practice mode asks them one at a time). The typed answers are built here: rounded
right answers, the grader's own mistakes (its ``Computation`` with one or two
mutations), a single wrong entry, zeros, noise.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import grader
import solutions
from grader.judgment import mutants
from grader.judgment.misconceptions import TAG_OF_MUTATION
from solutions import Dataset, variant
from tests.book.modules import BOOK, load_book_module

CASES = 500
ENGINE = BOOK / "_static" / "explorer-engine.js"
explorer = load_book_module("explorer", "_ext")
worked = load_book_module("worked")
QUESTION_OF = {
    quantity.name: (question.key, index)
    for question in grader.RUBRIC.questions
    for index, quantity in enumerate(question.quantities)
}
RUN_ETAS = (0.01, 0.1, 0.3, 0.6)
RUN_STEPS = 12
RUN_CASES = 100
"""The problems whose runs are compared (each run is RUN_STEPS steps per learning rate)."""
SCANNED = 3
"""The problems whose largest useful η is compared (the scan takes 4000 losses in Python)."""

DRAW = """
const engine = require(process.argv[1]);
const data = require(process.argv[2]);
const out = [];
const [SCANNED, RUN_CASES] = JSON.parse(process.argv[6]);
for (let seed = 0; seed < Number(process.argv[3]); seed++) {
  const problem = engine.practiceProblem(engine.generator(seed), data.variant);
  const scan = data.first_step_scan;
  out.push({
    problem: problem,
    answers: engine.answers(problem),
    guesses: engine.guesses(problem, data.rubric),
    forward: engine.forward(problem.theta, problem.X),
    eta_star: seed < SCANNED ? engine.largestDecreasingEta(problem, scan.eta_max, scan.grid_size)
      : undefined,
    runs: seed >= RUN_CASES ? [] : JSON.parse(process.argv[4]).map((eta) => {
      const o = engine.runOutcome(problem, eta, Number(process.argv[5]));
      return {eta: eta, loss: Number.isFinite(o.loss) ? o.loss : null, kind: o.kind};
    }),
  });
}
process.stdout.write(JSON.stringify(out));
"""

CHECK = """
const engine = require(process.argv[1]);
const data = require(process.argv[2]);
const cases = require(process.argv[3]);
const out = cases.map((c) =>
  engine.checkAnswer(c.name, c.typed, c.problem, data.rubric, data.mistakes));
process.stdout.write(JSON.stringify(out));
"""


def node(script: str, *args: str) -> Any:
    """Run a Node script; its standard output, read as JSON."""
    executable = shutil.which("node")
    if executable is None:
        pytest.fail("Node.js is needed for the explorer's agreement test (Debian: nodejs)")
    result = subprocess.run(
        [executable, "-e", script, "--", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data the build writes, as a JSON module Node can require."""
    path = tmp_path_factory.mktemp("explorer") / "data.json"
    path.write_text(json.dumps(explorer.explorer_data(BOOK.parent, student_edition=True)))
    return path


@pytest.fixture(scope="module")
def drawn(data_file: Path) -> list[dict[str, Any]]:
    """The engine's 500 practice problems, with what it computes for them."""
    result: list[dict[str, Any]] = node(
        DRAW,
        str(ENGINE),
        str(data_file),
        str(CASES),
        json.dumps(RUN_ETAS),
        str(RUN_STEPS),
        json.dumps([SCANNED, RUN_CASES]),
    )
    assert len(result) == CASES
    return result


def dataset(problem: dict[str, Any]) -> Dataset:
    return Dataset.build(problem["X"], problem["y"], problem["theta"], problem["eta"])


def assert_numbers(actual: Any, expected: Any, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
        rtol=1e-12, atol=1e-12, err_msg=what,
    )  # fmt: skip


def test_practice_numbers_are_never_a_student_s_and_keep_the_lesson(
    drawn: list[dict[str, Any]],
) -> None:
    problems = [dataset(case["problem"]) for case in drawn]
    assert len(set(problems)) > 0.95 * CASES  # fresh numbers, not a few repeated
    for data in problems:
        numbers = np.concatenate([data.X.ravel(), data.theta])
        whole = bool(np.all(np.round(numbers) == numbers))
        assert not whole, f"a student ID could give {data.describe()}"
        assert data != solutions.SEED
        assert variant.keeps_the_lesson(data), data.describe()
        assert float(data.eta) in variant.ETA_VALUES


def test_every_number_matches_solutions(drawn: list[dict[str, Any]]) -> None:
    for case in drawn:
        data = dataset(case["problem"])
        expected = solutions.answers(data.theta, data.X, data.y, data.eta)
        for name in mutants.ORDER:
            if name == "loss_decreased":
                assert case["answers"][name] is expected[name]
            else:
                assert_numbers(case["answers"][name], expected[name], name)
        fwd = solutions.forward(data.theta, data.X)
        assert_numbers(case["forward"]["z"], fwd.z, "z")
        assert_numbers(case["forward"]["h"], fwd.h, "h")


def test_the_guesses_are_the_variant_generator_s(drawn: list[dict[str, Any]]) -> None:
    for case in drawn:
        data = dataset(case["problem"])
        assert_numbers(case["guesses"], variant.guesses(data), "guesses")


def test_the_learning_rate_scan_matches_the_chapter_s(drawn: list[dict[str, Any]]) -> None:
    for case in drawn[:SCANNED]:
        data = dataset(case["problem"])
        try:
            eta_star = worked.largest_decreasing_eta(data=data)
        except ValueError:  # no sign change on the scan's grid
            assert case["eta_star"] is None, data.describe()
        else:
            assert case["eta_star"] == pytest.approx(eta_star, abs=1e-9), data.describe()


def test_every_run_matches_solutions(drawn: list[dict[str, Any]]) -> None:
    with np.errstate(all="ignore"):
        for case in drawn[:RUN_CASES]:
            data = dataset(case["problem"])
            for run in case["runs"]:
                history = solutions.train(data.theta, data.X, data.y, run["eta"], RUN_STEPS)
                final = float(history.losses[-1])
                z = solutions.forward(history.thetas[-1], data.X).z
                if np.all(z <= 0):
                    kind = "off"
                elif not np.isfinite(final) or final > history.losses[0]:
                    kind = "divergence"
                else:
                    kind = "lower"
                assert run["kind"] == kind, (data.describe(), run)
                if np.isfinite(final):
                    assert run["loss"] == pytest.approx(final, rel=1e-9, abs=1e-12)
                else:
                    assert run["loss"] is None


def typed_answer(name: str, data: Dataset, rng: random.Random) -> Any:
    """An answer a reader might type for ``name``: right, a known mistake, or wrong."""
    if name == "loss_decreased":
        return rng.random() < 0.5
    reference = solutions.answers(data.theta, data.X, data.y, data.eta)[name]
    computation = mutants.Computation(
        np.asarray(data.X, dtype=float), np.asarray(data.y, dtype=float),
        np.asarray(data.theta, dtype=float), float(data.eta), {},
    )  # fmt: skip
    local = mutants.LOCAL_MUTATIONS[name]
    pairs = [p for p in combinations(local, 2) if TAG_OF_MUTATION[p[0]] != TAG_OF_MUTATION[p[1]]]
    kind = rng.choice(["right", "mistake", "mistake", "pair", "one_off", "zeros", "noise"])
    value = np.asarray(reference, dtype=float)
    if kind == "mistake":
        value = np.asarray(computation.value(name, frozenset([rng.choice(local)])), dtype=float)
    elif kind == "pair" and pairs:
        value = np.asarray(computation.value(name, frozenset(rng.choice(pairs))), dtype=float)
    elif kind == "one_off":
        value = value.copy()
        value.flat[rng.randrange(value.size)] += rng.choice([-1, 1]) * rng.uniform(0.01, 2)
    elif kind == "zeros":
        value = np.zeros_like(value)
    elif kind == "noise":
        value = value + np.asarray(
            np.random.default_rng(rng.randrange(2**32)).normal(size=value.shape)
        )
    decimals = rng.choice([2, 3, 4, 6])
    return np.round(value, decimals).tolist()


def test_every_verdict_matches_the_grader(
    drawn: list[dict[str, Any]], data_file: Path, tmp_path: Path
) -> None:
    rng = random.Random(23)
    cases = []
    for case in drawn:
        data = dataset(case["problem"])
        name = rng.choice(mutants.ORDER)
        cases.append(
            {"name": name, "typed": typed_answer(name, data, rng), "problem": case["problem"]}
        )
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(cases))
    verdicts = node(CHECK, str(ENGINE), str(data_file), str(cases_file))
    seen: set[str] = set()
    for case, verdict in zip(cases, verdicts, strict=True):
        data = dataset(case["problem"])
        name = case["name"]
        reference = solutions.answers(data.theta, data.X, data.y, data.eta)
        earlier = mutants.ORDER[: mutants.ORDER.index(name)]
        answers = {n: reference[n] for n in earlier} | {name: case["typed"]}
        report = grader.grade(answers, data.X, data.y, data.theta, data.eta)
        key, index = QUESTION_OF[name]
        part = report.questions[key].parts[index]
        got = (verdict["status"], tuple(verdict["tags"]), verdict["points"])
        assert got == (part.status, part.tags, part.points), (data.describe(), case, part)
        seen.add(part.status)
        seen.update(part.tags)
    # the cases exercise every verdict and every mistake of the grader
    assert {"correct", "partial", "incorrect"} <= seen
    assert {m for m in TAG_OF_MUTATION.values()} <= seen
