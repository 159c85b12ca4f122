"""The class summary's two charts as SVG: a histogram of scores, bars of misconceptions.

The geometry is computed here and drawn by ``templates/histogram.svg.j2`` and
``templates/bars.svg.j2``: plain shapes and text, no plotting library, so writing a
summary costs milliseconds (a batch and the service write one after each grading).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.judgment.pages import render

BAR_COLOUR = "#3a6ea5"
QUESTION_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
"""Matplotlib's ``tab10``: distinct, and readable by most colour-blind readers."""


@dataclass(frozen=True)
class Box:
    """The plotting area inside an SVG canvas of ``width`` × ``height`` pixels."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def inner_width(self) -> float:
        return float(self.width - self.left - self.right)

    @property
    def inner_height(self) -> float:
        return float(self.height - self.top - self.bottom)


def nice_step(largest: float, ticks: int = 6) -> int:
    """An integer tick step (1, 2, 5, 10, 20, ...) giving at most about ``ticks`` ticks."""
    if largest <= ticks:
        return 1
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return int(factor * power)
    return int(10 * power)


def count_ticks(largest: int) -> list[int]:
    """Integer ticks from 0 to at least ``largest``."""
    step = nice_step(max(largest, 1))
    top = step * math.ceil(max(largest, 1) / step)
    return list(range(0, top + 1, step))


def histogram_svg(scores: Sequence[float], max_score: float, alt: str) -> str:
    """The scores in bins of half a point, from 0 to ``max_score``."""
    box = Box(width=600, height=300, left=56, right=16, top=16, bottom=52)
    edges = [i / 2 for i in range(int(max_score * 2) + 2)]
    counts = [0] * (len(edges) - 1)
    for score in scores:
        index = min(max(int(score * 2), 0), len(counts) - 1)
        counts[index] += 1
    y_ticks = count_ticks(max(counts, default=0))
    span_x, span_y = edges[-1] - edges[0], y_ticks[-1]

    def x(value: float) -> float:
        return box.left + (value - edges[0]) / span_x * box.inner_width

    def y(value: float) -> float:
        return box.top + box.inner_height * (1 - value / span_y)

    bars = [
        {
            "x": x(edges[i]),
            "y": y(n),
            "width": x(edges[i + 1]) - x(edges[i]),
            "height": y(0) - y(n),
            "label": f"{n} student(s) scored from {edges[i]:g} to under {edges[i + 1]:g}",
        }
        for i, n in enumerate(counts)
        if n
    ]
    step = nice_step(max_score, 11)
    x_ticks = [{"at": x(v), "label": f"{v:g}"} for v in range(0, int(max_score) + 1, step)]
    return render(
        "histogram.svg.j2",
        box=box,
        alt=alt,
        colour=BAR_COLOUR,
        bars=bars,
        x_ticks=x_ticks,
        y_ticks=[{"at": y(v), "label": str(v)} for v in y_ticks],
        x_label=f"score (of {max_score:g} autograded points)",
        y_label="students",
    )


def bars_svg(counts: Mapping[str, Counter[str]], question_keys: Sequence[str], alt: str) -> str:
    """One bar per misconception, split by question, with a legend of the questions."""
    tags = list(counts) or ["(none)"]
    label_width = 8 * max(len(tag) for tag in tags) + 16
    row = 30
    box = Box(
        width=640, height=row * len(tags) + 70, left=label_width, right=120, top=12, bottom=50
    )
    totals = [sum(counts.get(tag, Counter()).values()) for tag in tags]
    ticks = count_ticks(max(totals, default=0))

    def x(value: float) -> float:
        return box.left + value / ticks[-1] * box.inner_width

    used = [key for key in question_keys if any(counts.get(t, Counter())[key] for t in tags)]
    colours = {key: QUESTION_COLOURS[i % len(QUESTION_COLOURS)] for i, key in enumerate(used)}
    segments = []
    for i, tag in enumerate(tags):
        start = 0
        for key in used:
            n = counts.get(tag, Counter())[key]
            if n:
                segments.append(
                    {
                        "x": x(start),
                        "y": box.top + i * row + 4,
                        "width": x(start + n) - x(start),
                        "height": row - 8,
                        "colour": colours[key],
                        "label": f"{tag}: {n} in {key}",
                    }
                )
                start += n
    return render(
        "bars.svg.j2",
        box=box,
        alt=alt,
        rows=[{"label": tag, "y": box.top + i * row + row / 2} for i, tag in enumerate(tags)],
        segments=segments,
        ticks=[{"at": x(v), "label": str(v)} for v in ticks],
        legend=[
            {"key": key, "colour": colours[key], "y": box.top + 20 + 18 * i}
            for i, key in enumerate(used)
        ],
        legend_x=box.width - box.right + 12,
        x_label="students",
    )
