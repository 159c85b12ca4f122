"""The misconceptions the grader recognises: a tag, a title and one feedback sentence each.

Each misconception is carried out by one or more *mutations* (flags of
:mod:`grader.judgment.mutants`): the reference computation with that one mistake made.
The sentences explain the mistake and never give a number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Misconception:
    """A mistake students make, how it is tagged and what they are told."""

    tag: str
    title: str
    sentence: str
    mutations: tuple[str, ...]


MISCONCEPTIONS: tuple[Misconception, ...] = (
    Misconception(
        "no_relu",
        "No ReLU in the forward pass",
        "The forward pass leaves out the ReLU: the hidden unit outputs h = g(z) = max(0, z), "
        "so a sample with z ≤ 0 gives h = 0, not z.",
        ("no_relu",),
    ),
    Misconception(
        "sum_instead_of_mean",
        "Sum instead of mean over the samples",
        "The loss 𝓛 and its gradient ∇𝓛 are means over the N samples: "
        "divide the sum over the samples by N.",
        ("sum_loss", "sum_gradient"),
    ),
    Misconception(
        "missing_factor_2",
        "Missing factor 2 in ∂L/∂ŷ",
        "The derivative of L = (ŷ − y)² with respect to ŷ is 2(ŷ − y): "
        "the factor 2 from the square is missing.",
        ("half_delta",),
    ),
    Misconception(
        "wrong_error_sign",
        "(y − ŷ) instead of (ŷ − y)",
        "The error in the output layer is ∂L/∂ŷ = 2(ŷ − y), not 2(y − ŷ): "
        "with the reversed difference every gradient entry gets the wrong sign.",
        ("flip_delta",),
    ),
    Misconception(
        "relu_derivative",
        "ReLU derivative taken as 1 where z ≤ 0",
        "The ReLU's (left) derivative g′(z) is 0 for every z ≤ 0, z = 0 included: "
        "an inactive hidden unit passes no error back to w0, w1 and w2.",
        ("derivative_one", "derivative_one_at_zero"),
    ),
    Misconception(
        "z_instead_of_h",
        "z instead of h in ∂L/∂w3",
        "∂L/∂w3 = δŷ · h uses the hidden unit's output h = g(z), not its input z; "
        "the two differ wherever the unit is inactive.",
        ("z_for_h",),
    ),
    Misconception(
        "add_gradient",
        "Adding the gradient",
        "Gradient descent steps against the gradient, θ ← θ − η∇𝓛: "
        "adding the gradient moves uphill and raises the loss.",
        ("add_gradient",),
    ),
    Misconception(
        "forget_eta",
        "Forgetting the learning rate",
        "The update scales the gradient by the learning rate, θ ← θ − η∇𝓛: "
        "the step was taken without η.",
        ("no_eta",),
    ),
    Misconception(
        "per_sample_update",
        "Per-sample (stochastic) update",
        "θ was updated once per sample (stochastic gradient descent); "
        "the homework takes one full-batch step with the mean gradient over all samples.",
        ("per_sample", "per_sample_reversed"),
    ),
    Misconception(
        "old_theta_loss",
        "𝓛′ computed with the old θ",
        "The loss after the update needs a new forward pass with the updated parameters θ′; "
        "it was computed with the old θ.",
        ("old_theta",),
    ),
)

BY_TAG = {m.tag: m for m in MISCONCEPTIONS}
TAG_OF_MUTATION = {mutation: m.tag for m in MISCONCEPTIONS for mutation in m.mutations}


def sentence(tag: str) -> str:
    """The feedback sentence of a misconception."""
    return BY_TAG[tag].sentence
