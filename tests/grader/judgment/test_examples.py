"""The example answer sets show what they claim, and are what their generator writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader import grade
from grader.judgment.examples.generate import example_files

EXAMPLES = Path(__file__).resolve().parents[3] / "grader" / "judgment" / "examples"
FILES = sorted(EXAMPLES.glob("*.json"))


def test_there_are_examples_of_every_kind() -> None:
    assert len(FILES) >= 6
    statuses = set()
    for path in FILES:
        claims = json.loads(path.read_text(encoding="utf-8"))["claims"]
        statuses |= {claim["status"] for claim in claims.values()}
    assert {"correct", "carried_forward", "partial", "invalid", "missing"} <= statuses


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_example_shows_what_it_claims(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    variant = data["variant"]
    report = grade(data["answers"], variant["X"], variant["y"], variant["theta"], variant["eta"])
    for question, claim in data["claims"].items():
        result = report.questions[question]
        assert result.status == claim["status"], (question, result.feedback)
        assert list(result.tags) == claim["tags"], (question, result.feedback)


def test_examples_are_what_the_generator_writes() -> None:
    written = {path.name: path.read_text(encoding="utf-8") for path in FILES}
    assert written == example_files()
