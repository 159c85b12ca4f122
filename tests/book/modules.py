"""The book's own Python files (``book/*.py``, ``book/_ext/*.py``), loaded for the tests.

They are not an installed package: the chapters import them from their folder.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.book.site_crawl import ROOT

BOOK = ROOT / "book"


def load_book_module(name: str, folder: str = "") -> ModuleType:
    """``book/[folder/]name.py`` as a module, with ``book/`` importable as the chapters see it."""
    if str(BOOK) not in sys.path:
        sys.path.append(str(BOOK))
    path = (BOOK / folder / f"{name}.py") if folder else BOOK / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
