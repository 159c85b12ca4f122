"""Reference solution of the homework: a 2-input, 1-hidden-ReLU-unit network.

The network (parameters ``theta = (w0, w1, w2, w3, w4)``)::

    z  = w0 * x[0] + w1 * x[1] + w2
    h  = relu(z)
    y_hat = w3 * h + w4

trained on the mean squared error by full-batch gradient descent. Every
function works on float arrays and, exactly, on arrays of
:class:`fractions.Fraction`.
"""

from solutions.answers import answers
from solutions.data import SEED, Dataset
from solutions.exact import as_exact, checked
from solutions.network import (
    BackpropResult,
    ForwardPass,
    backprop,
    forward,
    gradient,
    loss,
    relu,
    relu_left_derivative,
)
from solutions.numerics import numerical_gradient
from solutions.training import TrainingHistory, gd_step, train

__all__ = [
    "SEED",
    "BackpropResult",
    "Dataset",
    "ForwardPass",
    "TrainingHistory",
    "answers",
    "as_exact",
    "backprop",
    "checked",
    "forward",
    "gd_step",
    "gradient",
    "loss",
    "numerical_gradient",
    "relu",
    "relu_left_derivative",
    "train",
]
