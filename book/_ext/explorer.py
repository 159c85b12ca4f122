"""The explorer: the homework's network in the browser, to change numbers and to practise.

``{explorer}`` places the widget (``_static/explorer.js``, on the network of
``_static/explorer-engine.js``) in a page; only the pages that hold one load its
scripts. The widget checks a reader's answers as the grader does, with the grader's
own tolerances, mistakes and guesses (a right component that 0, ±1 or an entry of y or θ
gives earns points only beside one no guess gives): at build time they are written from
the Python into ``_static/explorer-data.js`` (:func:`explorer_data`), never typed twice.
So are the value sets of the students' variants (practice numbers are never a
student's), the names of question 7's regimes and the scan that finds the largest
learning rate whose first step lowers the loss. The full edition also gets the
homework's own numbers, to start from; the student edition does not, and computes
nothing for numbers a student ID could give (the homework's included).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective

from grader.judgment import grading, misconceptions, mutants, rubric
from solutions import SEED, variant

DATA_FILE = "explorer-data.js"
SCRIPTS = (DATA_FILE, "explorer-engine.js", "explorer.js")
STYLE = "explorer.css"
MARKER = "hw4-explorer"
# what a printed page holds in the widget's place (print.css): a note, never numbers
PRINT_NOTE = "hw4-explorer-print-note"
REGIME_KEYS = ("small", "good", "divergence", "off")
"""The explorer's names for question 7's regimes, in the order of ``worked.LEARNING_RATES``."""
SHAPES = {"y_hat": (2,), "grad_per_sample": (2, 5), "grad": (5,), "theta_new": (5,)}


def _worked(srcdir: Path) -> ModuleType:
    """``book/worked.py``, as the chapters import it."""
    spec = importlib.util.spec_from_file_location("worked", srcdir / "book" / "worked.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _numbers(array: Any) -> Any:
    return [_numbers(item) for item in array] if hasattr(array, "__len__") else float(array)


def explorer_data(srcdir: Path, student_edition: bool) -> dict[str, Any]:
    """What the widget needs from the Python, as plain JSON-safe data."""
    worked = _worked(srcdir)
    scan = inspect.signature(worked.largest_decreasing_eta).parameters
    data: dict[str, Any] = {
        "edition": "student" if student_edition else "full",
        # with the numbers that, beside y's and θ's, count as guesses (solutions.variant)
        "rubric": rubric.RUBRIC.to_dict() | {"guess_constants": list(variant.GUESS_CONSTANTS)},
        "mistakes": {
            "misconceptions": [
                {
                    "tag": m.tag,
                    "title": m.title,
                    "sentence": m.sentence,
                    "mutations": list(m.mutations),
                }
                for m in misconceptions.MISCONCEPTIONS
            ],
            "local_mutations": {k: list(v) for k, v in mutants.LOCAL_MUTATIONS.items()},
        },
        "hints": grading.HINTS,
        "labels": {name: grading.component_names(name, shape) for name, shape in SHAPES.items()},
        "variant": {
            "x_values": list(variant.X_VALUES),
            "theta_values": list(variant.THETA_VALUES),
            "y_tenths": list(variant.Y_TENTHS),
            "eta_values": list(variant.ETA_VALUES),
            "max_loss": variant.MAX_LOSS,
            "min_relative_decrease": variant.MIN_RELATIVE_DECREASE,
        },
        "regimes": dict(zip(REGIME_KEYS, worked.LEARNING_RATES, strict=True)),
        "first_step_scan": {
            "eta_max": scan["eta_max"].default,
            "grid_size": scan["grid_size"].default,
        },
    }
    if not student_edition:
        X, y, theta, eta = SEED
        data["homework"] = {"X": _numbers(X), "y": _numbers(y), "theta": _numbers(theta),
                            "eta": float(eta)}  # fmt: skip
    return data


def data_script(data: dict[str, Any]) -> str:
    """The data as a script that sets ``window.HW4ExplorerData``."""
    return f"window.HW4ExplorerData = {json.dumps(data, ensure_ascii=False, indent=1)};\n"


class ExplorerDirective(SphinxDirective):
    """``{explorer}``: the widget's place; the script builds it (a note without JavaScript)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        html = (
            f'<div class="{MARKER}">'
            "<noscript><p>The explorer needs JavaScript (it runs in the page, "
            "offline).</p></noscript></div>"
            f'<p class="{PRINT_NOTE}">The explorer is interactive: it runs on this page '
            "of the website, where its numbers can be changed.</p>"
        )
        return [nodes.raw("", html, format="html")]


def add_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Load the widget's style and scripts on the pages that hold one."""
    if doctree is None:
        return
    if any(MARKER in node.astext() for node in doctree.findall(nodes.raw)):
        app.add_css_file(STYLE)
        for script in SCRIPTS:
            app.add_js_file(script, defer="defer")


def write_data(app: Sphinx) -> None:
    """Write ``_static/explorer-data.js`` for this edition (before the pages, which name
    its checksum)."""
    if app.builder.format != "html":
        return
    data = explorer_data(Path(app.srcdir), bool(getattr(app.config, "student_edition", False)))
    target = Path(app.outdir) / "_static" / DATA_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(data_script(data), encoding="utf-8")


def record_source_digest(app: Sphinx, config: Config) -> None:
    """This file's digest as an "html" config value: a change to it rewrites every page."""
    config.explorer_source_digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive, the per-page scripts and the data file."""
    app.add_config_value("explorer_source_digest", "", "html")
    app.connect("config-inited", record_source_digest)
    app.add_directive("explorer", ExplorerDirective)
    # before offline_site's filter, which replaces the page's list of scripts by a copy
    app.connect("html-page-context", add_scripts, priority=400)
    app.connect("builder-inited", write_data)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
