"""One call per chapter: glue its worked values and its figures for the Markdown to show."""

from __future__ import annotations

import figures
import matplotlib.pyplot as plt
import worked
from myst_nb import glue


def glue_chapter(name: str) -> None:
    """Glue every number of chapter ``name`` (``worked.CHAPTERS``) and every figure."""
    for key, value in worked.CHAPTERS[name]().items():
        glue(key, value, display=False)
    draw = figures.CHAPTERS.get(name)
    for key, figure in (draw() if draw else {}).items():
        glue(key, figure, display=False)
        plt.close(figure)
