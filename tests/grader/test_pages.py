"""The page templates: every one loads, escapes what it is given and ships with the package."""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

import pytest

from grader.pages import environment, points

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATES = REPOSITORY / "grader" / "templates"


def test_every_template_is_covered_by_the_package_data() -> None:
    pyproject = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["grader"]
    files = [path for path in TEMPLATES.rglob("*") if path.is_file()]
    assert files
    for path in files:
        relative = PurePosixPath(path.relative_to(REPOSITORY / "grader").as_posix())
        assert any(relative.match(pattern.removeprefix("**/")) for pattern in patterns), relative


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html.j2")))
def test_every_page_template_compiles(name: str) -> None:
    assert environment().get_template(name).name == name


def test_values_are_escaped_by_default() -> None:
    template = environment().from_string("<p>{{ text }}</p>")
    assert template.render(text="<b>&\"'") == "<p>&lt;b&gt;&amp;&#34;&#39;</p>"


def test_points_are_written_briefly() -> None:
    assert [points(2.0), points(1.75), points(0.5)] == ["2", "1.75", "0.5"]
