"""The execution cache is emptied when the code the chapters import changes.

jupyter-cache keys notebooks on their cell sources only; the local Sphinx
extension ``execution_freshness`` covers the code around them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from tests.book.site_crawl import ROOT


def load_extension() -> ModuleType:
    """The extension module, loaded from its file (it is not an installed package)."""
    path = ROOT / "book" / "_ext" / "execution_freshness.py"
    spec = importlib.util.spec_from_file_location("execution_freshness", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def extension() -> ModuleType:
    return load_extension()


def fake_app(cache: Path, digest: str) -> SimpleNamespace:
    """Just what ``refresh_execution_cache`` reads from a Sphinx application."""
    return SimpleNamespace(
        env=SimpleNamespace(mystnb_config=SimpleNamespace(execution_cache_path=str(cache))),
        config=SimpleNamespace(chapter_code_digest=digest),
    )


def test_the_digest_covers_the_solutions_package(extension: ModuleType) -> None:
    names = {path.name for path in extension.watched_files(ROOT)}
    assert {"network.py", "training.py", "data.py"} <= names
    assert {"worked.py", "figures.py", "glued.py", "rubric.py"} <= names


def test_the_digest_changes_with_a_helper_module(extension: ModuleType, tmp_path: Path) -> None:
    helper = tmp_path / "book" / "texfmt.py"
    helper.parent.mkdir()
    helper.write_text("DIGITS = 6\n")
    before = extension.code_digest(tmp_path)
    assert extension.code_digest(tmp_path) == before
    helper.write_text("DIGITS = 4\n")
    assert extension.code_digest(tmp_path) != before


def test_a_cache_filled_with_other_code_is_emptied(extension: ModuleType, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "global.db").write_text("executed with the old code")
    (cache / extension.STAMP_NAME).write_text("old-digest\n")
    extension.refresh_execution_cache(fake_app(cache, "new-digest"))
    assert sorted(path.name for path in cache.iterdir()) == [extension.STAMP_NAME]
    assert (cache / extension.STAMP_NAME).read_text().strip() == "new-digest"


def test_a_cache_without_a_stamp_is_emptied(extension: ModuleType, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "global.db").write_text("origin unknown")
    extension.refresh_execution_cache(fake_app(cache, "digest"))
    assert not (cache / "global.db").exists()


def test_a_cache_filled_with_the_same_code_is_kept(extension: ModuleType, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "global.db").write_text("executed with this code")
    (cache / extension.STAMP_NAME).write_text("digest\n")
    extension.refresh_execution_cache(fake_app(cache, "digest"))
    assert (cache / "global.db").read_text() == "executed with this code"
