"""The chapters' figures, drawn from the worked values (``worked``) by chapter."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import worked
from diagrams import draw_computational_graph, draw_network, draw_symbolic_graph
from matplotlib.figure import Figure
from texfmt import dec

LINE_COLOR = "#1f4e8c"
OFF_COLOR = "#a1261b"


def intro() -> dict[str, Figure]:
    """The network, its computational graph with the homework's values, and with formulas.

    The student edition shows the last one: it is drawn from no number at all.
    """
    samples = worked.graph_labels()
    labels = [{key: dec(value) for key, value in sample.items()} for sample in samples]
    return {
        "fig-network": draw_network(),
        "fig-graph": draw_computational_graph(labels),
        "fig-graph-symbols": draw_symbolic_graph(),
    }


def learning_rate_curves() -> Figure:
    """The loss over the steps of each run of question 7's experiment (log scale)."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharey=False)
    runs = worked.learning_rate_runs()
    for ax, (name, run) in zip(axes.flat, runs.items(), strict=True):
        steps = np.arange(len(run.losses))
        ax.plot(steps, run.losses, marker="o", markersize=3, color=LINE_COLOR)
        dead = ~run.active.any(axis=1)
        if dead.any():
            ax.plot(steps[dead], run.losses[dead], "s", color=OFF_COLOR, markersize=4,
                    label="hidden unit off for every sample")  # fmt: skip
            ax.legend(loc="upper right")
        ax.set_yscale("log")
        ax.set_title(f"{name} (η = {run.eta})")
        ax.set_xlabel("step")
        ax.set_ylabel("loss 𝓛 (log scale)")
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def first_step_curve() -> Figure:
    """The loss after the first step as a function of η, with the largest η that lowers it."""
    values = worked.q7_learning_rate()
    loss_0, eta_star = values["loss_0"], values["eta_star"]
    etas = np.linspace(0.0, 0.7, 701)
    after_first = np.array([loss_0 + worked.first_step_change(eta) for eta in etas])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(etas, after_first, color=LINE_COLOR, label="loss after the first step")
    ax.axhline(loss_0, color="black", linestyle="--", linewidth=1, label="loss before the step")
    ax.axvline(eta_star, color=OFF_COLOR, linestyle=":",
               label=f"largest η that lowers it ≈ {eta_star:.3f}")  # fmt: skip
    for name, run in worked.learning_rate_runs().items():
        ax.plot(run.eta, run.losses[1], "o", color="#444444")
        ax.annotate(name, (run.eta, run.losses[1]), textcoords="offset points", xytext=(5, 8),
                    fontsize=9)  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlabel("learning rate η")
    ax.set_ylabel("𝓛(θ − η∇𝓛) (log scale)")
    ax.legend(loc="upper left")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig


def q7_learning_rate() -> dict[str, Figure]:
    """Question 7's two figures."""
    return {"fig-lr-curves": learning_rate_curves(), "fig-first-step": first_step_curve()}


CHAPTERS: dict[str, Callable[[], dict[str, Figure]]] = {
    "intro": intro,
    "q7_learning_rate": q7_learning_rate,
}
"""The chapters that show figures, and their figures by glue key."""
