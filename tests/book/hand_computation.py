"""The homework's numbers, worked out from the seed's text with plain Python.

Independent of the ``solutions`` package and of the site: the data, θ and η
are the seed's, and each step is the seed's formula written out by hand.
"""

from __future__ import annotations

X = ((2.0, 1.0), (-3.0, 2.0))
Y = (1.3, 1.9)
THETA = (1.0, 1.0, 0.0, 1.0, 0.0)
ETA = 0.01


def predict(theta: tuple[float, ...], x: tuple[float, float]) -> tuple[float, float, float]:
    """z, h = max(0, z) and ŷ = w3 h + w4 for one sample."""
    w0, w1, w2, w3, w4 = theta
    z = w0 * x[0] + w1 * x[1] + w2
    h = max(0.0, z)
    return z, h, w3 * h + w4


def mse(theta: tuple[float, ...]) -> float:
    """𝓛(D): the mean of (ŷ − y)² over the two samples."""
    return sum((predict(theta, x)[2] - y) ** 2 for x, y in zip(X, Y, strict=True)) / len(Y)


def sample_gradient(theta: tuple[float, ...], x: tuple[float, float], y: float) -> list[float]:
    """Equalities (1)-(5) for one sample, with g'(z) = 1 if z > 0 else 0."""
    z, h, y_hat = predict(theta, x)
    d_y_hat = 2 * (y_hat - y)
    d_h = d_y_hat * theta[3] * (1.0 if z > 0 else 0.0)
    return [d_h * x[0], d_h * x[1], d_h, d_y_hat * h, d_y_hat]


Y_HAT = [predict(THETA, x)[2] for x in X]
LOSS = mse(THETA)
GRADS = [sample_gradient(THETA, x, y) for x, y in zip(X, Y, strict=True)]
GRAD = [(a + b) / 2 for a, b in zip(*GRADS, strict=True)]
THETA_NEW = tuple(w - ETA * g for w, g in zip(THETA, GRAD, strict=True))
LOSS_NEW = mse(THETA_NEW)


def loss_after_first_step(eta: float) -> float:
    """𝓛(θ − η∇𝓛) from the seed's starting point."""
    return mse(tuple(w - eta * g for w, g in zip(THETA, GRAD, strict=True)))


PER_SAMPLE_LOSS = [(y_hat - y) ** 2 for y_hat, y in zip(Y_HAT, Y, strict=True)]
DELTA_Y_HAT = [2 * (y_hat - y) for y_hat, y in zip(Y_HAT, Y, strict=True)]
DELTA_H = [grads[2] for grads in GRADS]  # equality (3): ∂L/∂w2 = δh
