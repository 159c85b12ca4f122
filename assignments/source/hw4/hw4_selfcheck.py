"""Self-checks for the homework notebook.

They compare your answers with each other and with finite differences of your own
loss function, never with the answer key, so they cannot tell you the expected
numbers. Passing them means your answers are consistent, not that they are right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

SampleLoss = Callable[[Any, Any, Any], Any]


def finite_differences(
    sample_loss: SampleLoss, theta: Any, x: Any, target: Any, eps: float = 1e-6
) -> Any:
    """(L(θ + εeᵢ) − L(θ − εeᵢ)) / 2ε of *your* one-sample loss L, for i = 0..4."""
    theta = np.asarray(theta, dtype=float)
    slopes = []
    for step in np.eye(len(theta)) * eps:
        plus = float(sample_loss(theta + step, x, target))
        minus = float(sample_loss(theta - step, x, target))
        slopes.append((plus - minus) / (2 * eps))
    return np.array(slopes)


def _report(name: str, agrees: bool, detail: str) -> bool:
    print(f"[{'ok' if agrees else 'CHECK'}] {name}: {detail}")
    return agrees


def check_per_sample_gradients(
    sample_loss: SampleLoss, theta: Any, X: Any, y: Any, grad_per_sample: Any
) -> bool:
    """Each row of your grad_per_sample against finite differences of your sample_loss."""
    rows = np.asarray(grad_per_sample, dtype=float)
    samples, targets = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    all_agree = True
    for n in range(len(targets)):
        slopes = finite_differences(sample_loss, theta, samples[n], targets[n])
        agrees = bool(np.allclose(rows[n], slopes, rtol=1e-4, atol=1e-4))
        detail = (
            f"your gradient {np.round(rows[n], 6)}, "
            f"finite differences of your loss {np.round(slopes, 6)}"
        )
        all_agree &= _report(f"sample {n + 1}", agrees, detail)
    return all_agree


def check_mean(grad_per_sample: Any, grad: Any) -> bool:
    """Your grad is the mean of your per-sample gradients."""
    mean = np.asarray(grad_per_sample, dtype=float).mean(axis=0)
    agrees = bool(np.allclose(np.asarray(grad, dtype=float), mean, rtol=1e-6, atol=1e-9))
    return _report(
        "grad is the mean of grad_per_sample", agrees, f"mean of your rows {np.round(mean, 6)}"
    )


def check_update(theta: Any, grad: Any, eta: Any, theta_new: Any) -> bool:
    """Your theta_new is θ − η·grad for your grad."""
    expected = np.asarray(theta, dtype=float) - float(eta) * np.asarray(grad, dtype=float)
    agrees = bool(np.allclose(np.asarray(theta_new, dtype=float), expected, rtol=1e-6, atol=1e-9))
    return _report(
        "theta_new = theta - eta * grad", agrees, f"from your grad: {np.round(expected, 6)}"
    )


def check_decrease(loss: Any, loss_new: Any, loss_decreased: Any) -> bool:
    """Your loss_decreased says whether your loss_new is below your loss."""
    agrees = bool(loss_decreased) == bool(float(loss_new) < float(loss))
    return _report(
        "loss_decreased matches loss and loss_new", agrees, f"{float(loss_new)} < {float(loss)}"
    )


CHECKS: tuple[tuple[str, Callable[..., bool], tuple[str, ...]], ...] = (
    (
        "finite differences",
        check_per_sample_gradients,
        ("my_sample_loss", "theta", "X", "y", "grad_per_sample"),
    ),
    ("mean", check_mean, ("grad_per_sample", "grad")),
    ("update", check_update, ("theta", "grad", "eta", "theta_new")),
    ("decrease", check_decrease, ("loss", "loss_new", "loss_decreased")),
)


def run_self_checks(namespace: Mapping[str, Any]) -> None:
    """Run every check whose inputs the notebook defines; say which inputs are missing."""
    for name, check, needs in CHECKS:
        missing = [need for need in needs if need not in namespace]
        if missing:
            print(f"[skip] {name}: define {', '.join(missing)} first")
            continue
        try:
            with np.errstate(all="ignore"):
                check(*(namespace[need] for need in needs))
        except NotImplementedError:
            print(f"[skip] {name}: write my_sample_loss first")
        except Exception as error:  # a self-check must never stop the notebook
            print(f"[error] {name}: {type(error).__name__}: {error}")
