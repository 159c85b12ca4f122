"""The grader's three layers, as the README's "Architecture" draws them: every module in one
of them, imports only downwards, and the modules the README names exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRADER = ROOT / "grader"
LAYERS = ("judgment", "sandbox", "course")
MAY_IMPORT = {
    "judgment": ("grader.judgment", "solutions"),
    "sandbox": ("grader.sandbox",),
    "course": ("grader", "solutions"),
}
"""The project's packages each layer may import: its own, and those drawn below it."""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every absolute module a file imports, at any depth (relative imports resolved)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names.add(base)
    return names


def layer_modules(layer: str) -> list[Path]:
    return sorted((GRADER / layer).rglob("*.py"))


def test_every_module_is_in_a_layer() -> None:
    outside = {path.name for path in GRADER.glob("*.py")}
    assert outside == {"__init__.py", "__main__.py"}
    assert all(layer_modules(layer) for layer in LAYERS)


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_only_downwards(layer: str) -> None:
    allowed = MAY_IMPORT[layer]
    for path in layer_modules(layer):
        project = {n for n in imported(path) if n.split(".")[0] in ("grader", "solutions")}
        wrong = {n for n in project if not any(n == a or n.startswith(a + ".") for a in allowed)}
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_the_grader_package_exposes_only_the_judgment() -> None:
    imports = {name for name in imported(GRADER / "__init__.py") if name.startswith("grader")}
    assert imports and all(name.startswith("grader.judgment.") for name in imports)


def test_the_readme_architecture_names_modules_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    for layer in LAYERS:
        assert f"grader/{layer}/" in section
    named = set(re.findall(r"`(?:course/|grader/)?([a-z_]+\.py)`", section))
    named |= set(re.findall(r"([a-z_]+\.py) ", section))
    named -= {"nbgrader_config.py"}  # the course's configuration, not the grader's
    existing = {path.name for layer in LAYERS for path in layer_modules(layer)}
    existing |= {path.name for path in GRADER.glob("*.py")}
    assert named and named <= existing, sorted(named - existing)
    for module in ("course/batch.py", "course/grade_one.py", "course/writer.py"):
        assert (GRADER / module).is_file()
        assert module in section
