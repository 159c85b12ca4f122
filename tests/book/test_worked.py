"""The chapters' worked values (``book/worked.py``) against the seed's hand computation.

Every expected number comes from ``hand_computation`` (plain Python, the seed's
formulas written out) or, for question 7's runs, from gradient descent written
out here with the same hand formulas; none from ``solutions`` or ``worked``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from itertools import pairwise
from types import ModuleType

import pytest

from grader import RUBRIC
from tests.book import hand_computation as hand
from tests.book.modules import load_book_module
from tests.book.site_crawl import ROOT

worked: ModuleType = load_book_module("worked")

EXACT = 1e-12


def close(value: float, expected: float, tol: float = EXACT) -> bool:
    return math.isclose(value, expected, rel_tol=0, abs_tol=tol)


def vector(values: dict[str, float], prefix: str, size: int) -> list[float]:
    return [values[f"{prefix}{i}"] for i in range(size)]


def all_close(got: Sequence[float], expected: Sequence[float], tol: float = EXACT) -> bool:
    return len(got) == len(expected) and all(
        close(a, b, tol) for a, b in zip(got, expected, strict=True)
    )


def test_intro_states_the_data() -> None:
    values = worked.intro()
    assert values["n_samples"] == len(hand.Y) and values["n_params"] == len(hand.THETA)
    for n, (x, y) in enumerate(zip(hand.X, hand.Y, strict=True), start=1):
        assert [values[f"x{n}_0"], values[f"x{n}_1"], values[f"y{n}"]] == [*x, y]
    assert vector(values, "w", 5) == list(hand.THETA)
    assert values["eta"] == hand.ETA


def test_the_computational_graph_shows_the_forward_and_backward_values() -> None:
    for n, labels in enumerate(worked.graph_labels()):
        z, h, y_hat = hand.predict(hand.THETA, hand.X[n])
        assert all_close(
            [labels["z"], labels["h"], labels["y_hat"], labels["L"]],
            [z, h, y_hat, hand.PER_SAMPLE_LOSS[n]],
        )
        assert close(labels["d_y_hat"], hand.DELTA_Y_HAT[n])
        assert close(labels["d_h"], hand.DELTA_H[n])


def test_q1_the_forward_pass() -> None:
    values = worked.q1_forward()
    for n, x in enumerate(hand.X, start=1):
        z, h, y_hat = hand.predict(hand.THETA, x)
        assert all_close([values[f"z{n}"], values[f"h{n}"], values[f"y_hat{n}"]], [z, h, y_hat])


def test_q2_the_loss() -> None:
    values = worked.q2_loss()
    assert all_close([values["L1"], values["L2"]], hand.PER_SAMPLE_LOSS)
    assert close(values["loss"], hand.LOSS)
    assert values["n_samples"] == len(hand.Y)


def central_differences(theta: Sequence[float], eps: float = 1e-6) -> list[float]:
    result = []
    for i in range(len(theta)):
        up = [w + eps * (j == i) for j, w in enumerate(theta)]
        down = [w - eps * (j == i) for j, w in enumerate(theta)]
        result.append((hand.mse(tuple(up)) - hand.mse(tuple(down))) / (2 * eps))
    return result


def test_q3_backpropagation_and_finite_differences_at_the_kink() -> None:
    values = worked.q3_proofs()
    theta = list(hand.THETA)
    theta[2] = -(theta[0] * hand.X[0][0] + theta[1] * hand.X[0][1])
    assert vector(values, "k", 5) == theta
    assert values["z_kink"] == 0
    per_sample = [
        hand.sample_gradient(tuple(theta), x, y) for x, y in zip(hand.X, hand.Y, strict=True)
    ]
    backprop = [(a + b) / 2 for a, b in zip(*per_sample, strict=True)]
    assert all_close(vector(values, "grad_kink", 5), backprop)
    numeric = central_differences(theta)
    assert all_close(vector(values, "numeric_kink", 5), numeric, 1e-5)
    assert close(values["w2_kink_gap"], abs(numeric[2] - backprop[2]), 1e-5)
    assert values["w2_kink_gap"] > 0.1  # the chapter's point: the two disagree at the kink


def test_q4_errors_and_gradients() -> None:
    values = worked.q4_gradient()
    assert all_close([values["d_y_hat1"], values["d_y_hat2"]], hand.DELTA_Y_HAT)
    assert all_close([values["d_h1"], values["d_h2"]], hand.DELTA_H)
    for n, row in enumerate(hand.GRADS, start=1):
        assert all_close(vector(values, f"g{n}_", 5), row)
    assert all_close(vector(values, "grad_", 5), hand.GRAD)
    assert all_close(vector(values, "num_", 5), hand.GRAD, 1e-6)
    gaps = [abs(a - b) for a, b in zip(vector(values, "num_", 5), hand.GRAD, strict=True)]
    assert all_close(vector(values, "gap_", 5), gaps, 1e-9)
    assert close(values["max_gap"], max(gaps), 1e-9)
    assert close(values["w4_grad"], hand.GRAD[4])
    assert values["w3"] == hand.THETA[3]


def test_q5_the_update() -> None:
    values = worked.q5_update()
    assert values["eta"] == hand.ETA
    assert all_close(vector(values, "g", 5), hand.GRAD)
    assert all_close(vector(values, "new", 5), hand.THETA_NEW)
    changes = [new - old for new, old in zip(hand.THETA_NEW, hand.THETA, strict=True)]
    assert all_close(vector(values, "change", 5), changes)


def test_q6_the_loss_after_the_update() -> None:
    values = worked.q6_loss_after()
    for n, x in enumerate(hand.X, start=1):
        z, h, y_hat = hand.predict(hand.THETA_NEW, x)
        expected = [z, h, y_hat, (y_hat - hand.Y[n - 1]) ** 2]
        got = [values[f"z{n}"], values[f"h{n}"], values[f"y_hat{n}"], values[f"L{n}"]]
        assert all_close(got, expected)
    assert close(values["loss_before"], hand.LOSS)
    assert close(values["loss_after"], hand.LOSS_NEW)
    assert close(values["drop"], hand.LOSS - hand.LOSS_NEW)
    assert close(values["drop_percent"], 100 * (hand.LOSS - hand.LOSS_NEW) / hand.LOSS, 1e-9)
    norm_sq = sum(g * g for g in hand.GRAD)
    assert close(values["grad_norm_sq"], norm_sq, 1e-9)
    assert close(values["predicted_drop"], hand.ETA * norm_sq, 1e-9)
    ratio = (hand.LOSS - hand.LOSS_NEW) / (hand.ETA * norm_sq)
    assert close(values["prediction_ratio"], ratio, 1e-9)


def descend(eta: float, steps: int) -> tuple[list[float], list[tuple[float, ...]]]:
    """Gradient descent from the seed's θ, by the hand formulas: losses and thetas."""
    theta = hand.THETA
    thetas, losses = [theta], [hand.mse(theta)]
    for _ in range(steps):
        per_sample = [
            hand.sample_gradient(theta, x, y) for x, y in zip(hand.X, hand.Y, strict=True)
        ]
        grad = [sum(column) / len(column) for column in zip(*per_sample, strict=True)]
        theta = tuple(w - eta * g for w, g in zip(theta, grad, strict=True))
        thetas.append(theta)
        losses.append(hand.mse(theta))
    return losses, thetas


def active(theta: tuple[float, ...]) -> list[bool]:
    return [hand.predict(theta, x)[0] > 0 for x in hand.X]


def test_q7_runs_follow_gradient_descent_by_hand() -> None:
    runs = worked.learning_rate_runs()
    assert list(runs) == list(worked.LEARNING_RATES)
    for name, (eta, steps) in worked.LEARNING_RATES.items():
        losses, thetas = descend(eta, steps)
        run = runs[name]
        assert run.eta == eta
        assert all(
            math.isclose(a, b, rel_tol=1e-9) for a, b in zip(run.losses, losses, strict=True)
        )
        assert [list(row) for row in run.active] == [active(t) for t in thetas]


def test_q7_the_prose_describes_the_runs() -> None:
    """What the chapter says of each run, checked on the hand computation's runs."""
    values = worked.q7_learning_rate()
    rates = worked.LEARNING_RATES
    small, _ = descend(*rates["too small"])
    good, _ = descend(*rates["well chosen"])
    big, big_thetas = descend(*rates["too large: divergence"])
    dead, dead_thetas = descend(*rates["too large: the ReLU switches off"])
    assert all(b < a for a, b in pairwise(small)), "too small: every step lowers the loss"
    assert good[-1] < small[-1], "well chosen beats too small"
    assert all(b > a for a, b in pairwise(big)), "divergence: the loss grows at every step"
    assert all(a[0] * b[0] < 0 for a, b in pairwise(big_thetas)), "w0 flips"
    flags = [active(t) for t in big_thetas]
    assert all(b == [not f for f in a] for a, b in pairwise(flags)), "active alternates"
    off = [not any(active(t)) for t in dead_thetas]
    dead_from = off.index(True)
    assert all(off[dead_from:]), "the unit stays off for every sample"
    mean_y = sum(hand.Y) / len(hand.Y)
    variance = sum((y - mean_y) ** 2 for y in hand.Y) / len(hand.Y)
    assert math.isclose(dead[-1], variance, rel_tol=1e-9), "the stall is at the targets' variance"
    expected = {
        "eta_seed": hand.ETA,
        "loss_0": hand.LOSS,
        "small_eta": rates["too small"][0],
        "small_steps": rates["too small"][1],
        "small_final": small[-1],
        "good_eta": rates["well chosen"][0],
        "good_final": good[-1],
        "big_eta": rates["too large: divergence"][0],
        "big_steps": rates["too large: divergence"][1],
        "big_final": big[-1],
        "dead_eta": rates["too large: the ReLU switches off"][0],
        "dead_from": dead_from,
        "dead_final": dead[-1],
        "variance_y": variance,
        "mean_y": mean_y,
    }
    for key, value in expected.items():
        assert math.isclose(values[key], value, rel_tol=1e-9, abs_tol=1e-12), key


def test_q7_the_largest_learning_rate_that_lowers_the_loss() -> None:
    eta_star = worked.q7_learning_rate()["eta_star"]
    assert hand.loss_after_first_step(eta_star - 1e-9) < hand.LOSS
    assert hand.loss_after_first_step(eta_star + 1e-9) >= hand.LOSS
    assert all(hand.loss_after_first_step(eta_star * k / 50) < hand.LOSS for k in range(1, 50))


def test_the_assignment_page_gives_the_rubrics_points() -> None:
    values = worked.assignment()
    points = [values[f"points_q{n}"] for n in range(1, 8)]
    assert points == [RUBRIC.points(f"q{n}") for n in range(1, 8)]
    assert all(isinstance(p, int) for p in points)  # printed as "2", not "2.0"
    assert values["points_total"] == sum(points)
    assert values["points_automatic"] + values["points_by_hand"] == values["points_total"]
    assert values["carried_share"] == round(100 * (1 - RUBRIC.ecf_penalty))


CHAPTER_CALL = re.compile(r'glue_chapter\("(\w+)"\)')
TEXT_KEY = re.compile(r"\{glue:text\}`(\w+)")
MATH_KEY = re.compile(r"\{\{\s*\(?\s*(\w+)")
FIGURE_KEY = re.compile(r"```\{glue:figure\} (\S+)")


def chapter_sources() -> dict[str, str]:
    """The chapters that are notebooks (the explorer's page is plain Markdown)."""
    sources = {}
    for path in sorted((ROOT / "book").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if "kernelspec:" not in text:
            continue
        calls = CHAPTER_CALL.findall(text)
        assert calls == [path.stem], path.name  # one call, with the chapter's own name
        sources[path.stem] = text
    return sources


@pytest.mark.parametrize("chapter", sorted(chapter_sources()))
def test_every_key_a_chapter_shows_is_worked_out(chapter: str) -> None:
    text = chapter_sources()[chapter]
    numbers = worked.CHAPTERS[chapter]()
    shown = set(TEXT_KEY.findall(text)) | set(MATH_KEY.findall(text))
    assert shown, chapter
    assert shown <= set(numbers), shown - set(numbers)
    figures = set(FIGURE_KEY.findall(text))
    assert not figures or chapter in ("intro", "q7_learning_rate")


HIDDEN_CELL = re.compile(r"```\{code-cell\} ipython3\n:tags: \[remove-cell\]\n(.*?)```", re.S)


@pytest.mark.parametrize("chapter", sorted(chapter_sources()))
def test_a_chapter_computes_nothing_in_its_hidden_cell(chapter: str) -> None:
    cells = HIDDEN_CELL.findall(chapter_sources()[chapter])
    assert len(cells) == 1, chapter
    lines = [line for line in cells[0].splitlines() if line.strip()]
    assert len(lines) <= 3, lines
    assert lines[-1] == f'glue_chapter("{chapter}")'
