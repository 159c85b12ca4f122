"""``python -m grader report`` end to end, as an instructor runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from grader import Report, grade

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted((ROOT / "grader" / "judgment" / "examples").glob("*.json"))


def report_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", "report", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def examples_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report")
    result = report_command(*map(str, EXAMPLES), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_feedback_pages_and_summary_for_every_example(examples_out: tuple[Path, str]) -> None:
    out, stdout = examples_out
    assert (out / "summary.html").is_file()
    for path in EXAMPLES:
        student = json.loads(path.read_text(encoding="utf-8"))["student_id"]
        page = (out / "feedback" / f"{student}.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert f"{student}:" in stdout
        assert f'href="feedback/{student}.html"' in (out / "summary.html").read_text()


def test_saved_reports_are_the_grades(examples_out: tuple[Path, str]) -> None:
    out, _ = examples_out
    for path in EXAMPLES:
        data = json.loads(path.read_text(encoding="utf-8"))
        v = data["variant"]
        saved = json.loads((out / "reports" / f"{data['student_id']}.json").read_text())
        assert saved["student_id"] == data["student_id"]
        expected = grade(data["answers"], v["X"], v["y"], v["theta"], v["eta"])
        assert Report.from_dict(saved) == expected


def test_bad_files_are_named_and_the_others_still_processed(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    keyless = tmp_path / "keyless.json"
    keyless.write_text(json.dumps({"student_id": "x", "answers": {}}), encoding="utf-8")
    bad_variant = tmp_path / "bad_variant.json"
    bad_variant.write_text(
        json.dumps(
            {
                "student_id": "v",
                "variant": {"X": [[1]], "y": [1], "theta": [1], "eta": -1},
                "answers": {},
            }
        ),
        encoding="utf-8",
    )
    absent = tmp_path / "absent.json"
    out = tmp_path / "out"
    args = [str(broken), str(EXAMPLES[0]), str(keyless), str(bad_variant), str(absent)]
    result = report_command(*args, "--out", str(out))
    assert result.returncode == 1
    assert f"{broken}: is not valid JSON" in result.stderr
    assert f"{keyless}: missing key(s) variant" in result.stderr
    assert f"{bad_variant}: bad variant" in result.stderr
    assert f"{absent}: cannot be read" in result.stderr
    assert "Traceback" not in result.stderr
    good = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))["student_id"]
    assert (out / "feedback" / f"{good}.html").is_file()
    assert (out / "summary.html").is_file()


def test_help_lists_the_command() -> None:
    result = report_command("--help")
    assert result.returncode == 0 and "--out" in result.stdout
