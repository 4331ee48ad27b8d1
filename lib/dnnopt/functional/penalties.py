"""Weight penalties added to the loss, and their gradients.

``l2_grad`` gives ``weight_decay * W``: exactly what ``optim.SGD(weight_decay=...)`` adds to each gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_float_array

__all__ = ["l1_grad", "l1_penalty", "l2_grad", "l2_penalty"]


def _check(weights, weight_decay) -> list[np.ndarray]:
    if isinstance(weights, np.ndarray):
        raise TypeError("weights must be a list of arrays (e.g. [W1, W2]), not a single array")
    weights = list(weights)
    for i, W in enumerate(weights):
        check_float_array(W, f"weights[{i}]")
    if not isinstance(weight_decay, numbers.Real) or weight_decay < 0:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    return weights


def l2_penalty(weights, weight_decay: float) -> float:
    """0.5 * weight_decay * sum of squared entries over all arrays; the 0.5 makes its gradient weight_decay * W."""
    weights = _check(weights, weight_decay)
    return 0.5 * weight_decay * sum(float(np.vdot(W, W)) for W in weights)


def l2_grad(weights, weight_decay: float) -> list[np.ndarray]:
    """Gradient of ``l2_penalty``: ``weight_decay * W`` for each array."""
    return [weight_decay * W for W in _check(weights, weight_decay)]


def l1_penalty(weights, weight_decay: float) -> float:
    """weight_decay * sum of absolute values: pushes weights to exactly zero (sparse solutions)."""
    weights = _check(weights, weight_decay)
    return weight_decay * sum(float(np.abs(W).sum()) for W in weights)


def l1_grad(weights, weight_decay: float) -> list[np.ndarray]:
    """(Sub)gradient of ``l1_penalty``: ``weight_decay * sign(W)`` (0 at W = 0)."""
    return [weight_decay * np.sign(W) for W in _check(weights, weight_decay)]
