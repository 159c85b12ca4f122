"""Build the nbgrader source folder of hw4 from its committed text files.

The notebook is committed as a jupytext MyST file (``source/hw4/hw4.md``) so its diffs
stay readable; this script writes ``hw4.ipynb`` beside it (no outputs) and copies the
variant generator ``grader/variant.py`` in as ``hw4_variant.py``. Both results are
generated files (gitignored). ``make release`` runs it, then
``nbgrader generate_assignment hw4 --force``.

Usage: ``python assignments/prepare_source.py [COURSE_ROOT]`` (default: this folder).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jupytext
import nbformat

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
ASSIGNMENT = "hw4"
COMMITTED_FILES = ("hw4.md", "hw4_selfcheck.py")


def prepare(course_root: Path) -> Path:
    """Write the source notebook and hw4_variant.py into course_root/source/hw4; return it."""
    committed = HERE / "source" / ASSIGNMENT
    target = course_root / "source" / ASSIGNMENT
    target.mkdir(parents=True, exist_ok=True)
    if target.resolve() != committed:
        for name in COMMITTED_FILES:
            shutil.copyfile(committed / name, target / name)
    shutil.copyfile(REPOSITORY / "grader" / "variant.py", target / "hw4_variant.py")
    notebook = jupytext.read(committed / f"{ASSIGNMENT}.md")
    notebook.metadata.pop("jupytext", None)
    nbformat.write(notebook, target / f"{ASSIGNMENT}.ipynb")
    return target


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    print(f"source notebook written to {prepare(root)}")
