"""The students' self-checks agree with the reference and reveal none of its numbers."""

from __future__ import annotations

import importlib.util
import re
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import solutions
from solutions.variant import make_variant
from tests.course import COURSE_SOURCE


def load_selfcheck() -> ModuleType:
    path = COURSE_SOURCE / "source" / "hw4" / "hw4_selfcheck.py"
    spec = importlib.util.spec_from_file_location("hw4_selfcheck", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


selfcheck = load_selfcheck()


def reference_sample_loss(theta: Any, x: Any, target: Any) -> float:
    return float(solutions.loss(theta, np.reshape(x, (1, 2)), [target]))


@pytest.mark.parametrize("student", ["", "alice", "bob", "s123456"])
def test_finite_differences_of_the_reference_loss_match_backprop(student: str) -> None:
    v = make_variant(student)
    grads = solutions.backprop(v.theta, v.X, v.y).grads
    for n in range(2):
        slopes = selfcheck.finite_differences(reference_sample_loss, v.theta, v.X[n], v.y[n])
        np.testing.assert_allclose(slopes, grads[n], atol=1e-5)


def test_checks_pass_on_consistent_answers_and_fail_otherwise(
    capsys: pytest.CaptureFixture[str],
) -> None:
    v = make_variant("alice")
    grads = solutions.backprop(v.theta, v.X, v.y).grads
    grad = grads.mean(axis=0)
    theta_new = v.theta - v.eta * grad
    assert selfcheck.check_per_sample_gradients(reference_sample_loss, v.theta, v.X, v.y, grads)
    assert selfcheck.check_mean(grads, grad)
    assert selfcheck.check_update(v.theta, grad, v.eta, theta_new)
    assert selfcheck.check_decrease(2.0, 1.0, True)
    off = grads.copy()
    off[1, 3] += 0.5
    assert not selfcheck.check_per_sample_gradients(reference_sample_loss, v.theta, v.X, v.y, off)
    assert not selfcheck.check_mean(grads, grad * 2)
    assert not selfcheck.check_update(v.theta, grad, v.eta, v.theta + v.eta * grad)
    assert not selfcheck.check_decrease(2.0, 1.0, False)
    out = capsys.readouterr().out
    assert out.count("[ok]") == 6 and out.count("[CHECK]") == 4  # row 1 of `off` agrees


def test_run_self_checks_never_stops_the_notebook(capsys: pytest.CaptureFixture[str]) -> None:
    def not_written(theta: Any, x: Any, target: Any) -> float:
        raise NotImplementedError()

    selfcheck.run_self_checks({"my_sample_loss": not_written, "theta": np.zeros(5)})
    selfcheck.run_self_checks(
        {
            "grad_per_sample": "rubbish",
            "grad": np.zeros(5),
            "loss": 1.0,
            "loss_new": None,
            "loss_decreased": True,
        }
    )
    out = capsys.readouterr().out
    assert "[skip] finite differences: define X, y, grad_per_sample first" in out
    assert "[error] mean" in out and "[error] decrease" in out
    assert "[skip] update: define theta, eta, theta_new first" in out


def test_self_checks_show_only_the_students_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    v = make_variant("alice")

    def wrong_sample_loss(theta: Any, x: Any, target: Any) -> float:
        return float((theta[3] * (theta[0] * x[0] + theta[1] * x[1]) + theta[4] - target) ** 2)

    grads = np.full((2, 5), 0.25)
    selfcheck.run_self_checks(
        {
            "my_sample_loss": wrong_sample_loss,
            "theta": v.theta,
            "X": v.X,
            "y": v.y,
            "eta": v.eta,
            "grad_per_sample": grads,
            "grad": np.full(5, 0.25),
            "theta_new": v.theta,
            "loss": 9.5,
            "loss_new": 9.25,
            "loss_decreased": True,
        }
    )
    out = capsys.readouterr().out
    grad = solutions.gradient(v.theta, v.X, v.y)
    reference = [
        *solutions.forward(v.theta, v.X).y_hat,
        solutions.loss(v.theta, v.X, v.y),
        *solutions.backprop(v.theta, v.X, v.y).grads.flat,
        *grad,
        *solutions.gd_step(v.theta, grad, v.eta),
    ]
    secret = [float(value) for value in reference if not float(value).is_integer()]
    assert len(secret) >= 5
    for value in secret:
        for form in {repr(round(value, 6)), f"{value:.3f}", f"{value:.2f}"}:
            assert not re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", out), (value, out)
