"""Matplotlib drawings of the network and of its computational graph."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

INPUT_COLOR = "#dbe9f6"
UNIT_COLOR = "#fde8c8"
PARAM_COLOR = "#e6e6e6"
FORWARD_COLOR = "#1f4e8c"  # dark blue: forward values
BACKWARD_COLOR = "#a1261b"  # dark red: backward errors


def _box(ax: Axes, x: float, y: float, text: str, color: str, width: float = 1.0) -> None:
    """A rounded box centred on (x, y) with ``text`` in it."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - 0.28),
            width,
            0.56,
            boxstyle="round,pad=0.05,rounding_size=0.2",
            facecolor=color,
            edgecolor="black",
            linewidth=1.2,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=13)


def _arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    label: str = "",
    where: float = 0.5,
) -> None:
    """An arrow from ``start`` to ``end``, labelled at fraction ``where`` of its length."""
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.3, "shrinkA": 0, "shrinkB": 0},
    )
    if label:
        x = start[0] + where * (end[0] - start[0])
        y = start[1] + where * (end[1] - start[1])
        ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=13,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )


def _finish(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_network() -> Figure:
    """The homework's network: inputs x[0], x[1] and 1, hidden unit z → h, output ŷ."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    inputs = {"x[0]": 2.2, "x[1]": 1.0, "1": -0.2}
    for text, y in inputs.items():
        _box(ax, 0, y, f"${text}$", INPUT_COLOR, width=0.9)
    hidden, bias, output = (3.4, 1.0), (3.4, -0.6), (6.6, 1.0)
    _box(ax, *hidden, r"$z \;\rightarrow\; h = g(z)$", UNIT_COLOR, width=2.2)
    _box(ax, *bias, "$1$", INPUT_COLOR, width=0.9)
    _box(ax, *output, r"$\hat{y}$", UNIT_COLOR, width=0.9)
    for y, weight in zip(inputs.values(), ("w_0", "w_1", "w_2"), strict=True):
        _arrow(ax, (0.5, y), (hidden[0] - 1.15, hidden[1]), f"${weight}$", where=0.45)
    _arrow(ax, (hidden[0] + 1.15, hidden[1]), (output[0] - 0.5, output[1]), "$w_3$")
    _arrow(ax, (bias[0] + 0.5, bias[1]), (output[0] - 0.5, output[1] - 0.15), "$w_4$")
    for x, name in ((0, "input layer"), (3.4, "hidden layer"), (6.6, "output layer")):
        ax.text(x, 3.0, name, ha="center", va="center", fontsize=11, style="italic")
    _finish(ax, (-0.8, 7.4), (-1.1, 3.3))
    return fig


def draw_computational_graph(
    samples: Sequence[Mapping[str, str]],
) -> Figure:
    """The computational graph of L, one panel per sample, with the values of the pass.

    Each mapping gives the forward values (``x0``, ``x1``, ``z``, ``h``,
    ``y_hat``, ``y``, ``L``) and the backward errors (``d_y_hat``, ``d_h``) as
    ready-to-print text.
    """
    fig, axes = plt.subplots(len(samples), 1, figsize=(10, 3.3 * len(samples)), squeeze=False)
    for index, (ax, values) in enumerate(zip(axes[:, 0], samples, strict=True), start=1):
        title = f"Sample {index}: forward values (blue), backward errors (red)"
        _draw_graph_panel(ax, _value_labels(values), title)
    fig.tight_layout()
    return fig


SYMBOL_LABELS = {
    "x0": "$x[0]$",
    "x1": "$x[1]$",
    "y": "$y$",
    "z": r"$z = w_0 x[0] + w_1 x[1] + w_2$",
    "h": "$h = g(z)$",
    "y_hat": r"$\hat y = w_3\,h + w_4$",
    "L": r"$L = (\hat y - y)^2$",
    "d_y_hat": r"$\delta_{\hat y} = 2\,(\hat y - y)$",
    "d_h": r"$\delta_h = \delta_{\hat y}\, w_3\, g'(z)$",
}
"""The graph's labels as formulas: what each value is computed from, with no number."""


def draw_symbolic_graph() -> Figure:
    """The computational graph of L for any sample, each value given by its formula.

    It takes no numbers, so it shows no answer: the student edition draws this one.
    """
    fig, ax = plt.subplots(figsize=(10, 3.3))
    title = "Any sample (x, y): forward values (blue) and backward errors (red) as formulas"
    # the formula of z is long: moved clear of the arrows into z, and h's with it
    _draw_graph_panel(ax, SYMBOL_LABELS, title, shifts={"z": 0.5, "h": 0.25})
    fig.tight_layout()
    return fig


def _value_labels(v: Mapping[str, str]) -> dict[str, str]:
    """The graph's labels for one sample's values."""
    return {
        "x0": rf"$x[0]={v['x0']}$",
        "x1": rf"$x[1]={v['x1']}$",
        "y": rf"$y={v['y']}$",
        "z": f"$z={v['z']}$",
        "h": f"$h={v['h']}$",
        "y_hat": rf"$\hat y={v['y_hat']}$",
        "L": f"$L={v['L']}$",
        "d_y_hat": rf"$\delta_{{\hat y}}={v['d_y_hat']}$",
        "d_h": rf"$\delta_h={v['d_h']}$",
    }


def _draw_graph_panel(
    ax: Axes,
    labels: Mapping[str, str],
    title: str,
    fontsize: int = 12,
    shifts: Mapping[str, float] | None = None,
) -> None:
    """One graph: x, w0..w2 → z → h → ŷ (with w3, w4) → L (with y), labelled by ``labels``.

    The labels above the nodes have size ``fontsize``; ``shifts`` moves those above a
    node (``z``, ``h``, ``y_hat``, ``L``) to the right of its centre.
    """
    z, h, y_hat, loss = (3.0, 1.0), (5.2, 1.0), (7.4, 1.0), (9.6, 1.0)
    _box(ax, 0.6, 2.1, labels["x0"], INPUT_COLOR, width=1.6)
    _box(ax, 0.6, 1.0, labels["x1"], INPUT_COLOR, width=1.6)
    _box(ax, 0.6, -0.1, r"$w_0, w_1, w_2$", PARAM_COLOR, width=1.6)
    _box(ax, *z, "$z$", UNIT_COLOR, width=0.8)
    _box(ax, *h, "$h$", UNIT_COLOR, width=0.8)
    _box(ax, *y_hat, r"$\hat{y}$", UNIT_COLOR, width=0.8)
    _box(ax, *loss, "$L$", UNIT_COLOR, width=0.8)
    _box(ax, 6.3, -0.3, r"$w_3, w_4$", PARAM_COLOR, width=1.3)
    _box(ax, 8.5, -0.3, labels["y"], INPUT_COLOR, width=1.3)
    for y in (2.1, 1.0, -0.1):
        _arrow(ax, (1.45, y), (z[0] - 0.45, z[1]))
    _arrow(ax, (z[0] + 0.45, z[1]), (h[0] - 0.45, h[1]), "$g$")
    _arrow(ax, (h[0] + 0.45, h[1]), (y_hat[0] - 0.45, y_hat[1]))
    _arrow(ax, (y_hat[0] + 0.45, y_hat[1]), (loss[0] - 0.45, loss[1]))
    _arrow(ax, (6.5, 0.0), (y_hat[0] - 0.2, y_hat[1] - 0.32))
    _arrow(ax, (8.7, 0.0), (loss[0] - 0.2, loss[1] - 0.32))
    nodes = {"z": z, "h": h, "y_hat": y_hat, "L": loss}
    above = {name: (x + (shifts or {}).get(name, 0.0), y) for name, (x, y) in nodes.items()}
    for name, (x, y) in above.items():
        ax.text(x, y + 0.55, labels[name], ha="center", fontsize=fontsize, color=FORWARD_COLOR)
    for name, error in (("y_hat", "d_y_hat"), ("z", "d_h")):
        x, y = above[name]
        ax.text(x, y + 1.0, labels[error], ha="center", fontsize=fontsize, color=BACKWARD_COLOR)
    ax.set_title(title, fontsize=12)
    _finish(ax, (-0.4, 10.3), (-0.8, 2.9))
