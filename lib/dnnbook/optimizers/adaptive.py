"""AdaGrad, RMSProp and Adam: per-coordinate scaling, Adam's bias correction, eps, and decoupled weight decay.

* ``best_distance``: how close each method gets to the minimum of a badly scaled quadratic in a fixed number of
  steps, at its best learning rate, axis-aligned or rotated (per-coordinate scaling only sees the axes).
* ``bias_correction_factor``: what Adam's step is multiplied by when the bias correction is left out; running Adam
  with that factor as a learning-rate schedule is Adam without bias correction (``uncorrected_adam_run``).
* ``first_step``: the size of Adam's first step against the gradient, with eps outside or inside the square root.
* ``decay_by_pixel_activity``: how much weight decay shrank the first-layer weights of rarely and often active
  input pixels, coupled (L2 in Adam) or decoupled (AdamW).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from dnnopt import optim

from ..experiments import experiment_split
from .quadratic import Quadratic, descend
from .training import SETUP, Run, TrainingSetup, _train, train_run

__all__ = [
    "ADAPTIVE",
    "best_distance",
    "bias_correction_factor",
    "decay_by_pixel_activity",
    "first_step",
    "pixel_activity",
    "uncorrected_adam_run",
]

ADAPTIVE: dict[str, Callable[[float], Callable]] = {
    "GD": lambda lr: lambda params: optim.SGD(params, lr=lr),
    "AdaGrad": lambda lr: lambda params: optim.Adagrad(params, lr=lr),
    "RMSProp": lambda lr: lambda params: optim.RMSprop(params, lr=lr),
    "Adam": lambda lr: lambda params: optim.Adam(params, lr=lr),
}
"""name -> lr -> a ``descend`` factory: plain gradient descent and the three adaptive methods, torch's defaults."""


def best_distance(
    problem: Quadratic, method: str, x0: np.ndarray, learning_rates: Sequence[float], steps: int = 100
) -> tuple[float, float]:
    """(distance, lr): the smallest worst-case ||x_T|| / ||x_0|| over the runs in ``x0`` (n_runs, d) after ``steps``
    steps, over the learning rates, and the rate that achieves it."""
    start = np.linalg.norm(x0, axis=1)
    results = []
    for lr in learning_rates:
        end = np.linalg.norm(descend(problem, ADAPTIVE[method](lr), x0, steps)[-1], axis=1)
        worst = np.max(np.where(np.isfinite(end), end / start, np.inf))
        results.append((float(worst), float(lr)))
    return min(results)


def bias_correction_factor(t: np.ndarray, beta1: float = 0.9, beta2: float = 0.999) -> np.ndarray:
    """(1 - beta1^t) / sqrt(1 - beta2^t): Adam's uncorrected step over its corrected step at step t >= 1 (eps aside).

    Without the correction m_t and v_t are biased towards their zero start by the factors (1 - beta1^t) and
    (1 - beta2^t); the step m / sqrt(v) is off by their ratio, e.g. 0.1 / sqrt(0.001) = 3.16 at t = 1.
    """
    t = np.asarray(t, dtype=np.float64)
    if np.any(t < 1):
        raise ValueError("Adam counts its steps from t = 1")
    return (1 - beta1**t) / np.sqrt(1 - beta2**t)


@functools.lru_cache(maxsize=8)
def uncorrected_adam_run(lr: float, seed: int, setup: TrainingSetup = SETUP) -> Run:
    """The chapter's MLP trained with Adam *without* bias correction: dnnopt's Adam with the learning rate of step t
    multiplied by ``bias_correction_factor(t)``, which undoes the correction (exactly, up to where eps enters)."""
    return _train(
        "Adam", lr * float(bias_correction_factor(1)), seed, setup, None, lambda opt: None,
        lambda step: lr * float(bias_correction_factor(step + 1)),
    )  # fmt: skip


def first_step(gradient: np.ndarray, eps: float = 1e-8, eps_inside: bool = False) -> np.ndarray:
    """|Adam's first step| / lr for each gradient entry: |g| / (|g| + eps), or |g| / sqrt(g^2 + eps) with eps inside.

    After one step the bias-corrected moments are m = g and v = g^2.
    """
    g = np.abs(np.asarray(gradient, dtype=np.float64))
    return g / np.sqrt(g * g + eps) if eps_inside else g / (g + eps)


def pixel_activity(setup: TrainingSetup = SETUP) -> np.ndarray:
    """(64,): the fraction of training images in which each input pixel is not zero."""
    return (experiment_split(setup).X_train > 0).mean(axis=0)


def decay_by_pixel_activity(
    optimizer: str, lr: float, weight_decay: float, seed: int, quiet: float = 0.05, busy: float = 0.5
) -> tuple[float, float]:
    """How much decay shrank the first-layer weights of quiet and of busy input pixels: (quiet, busy).

    Each is the norm of that group's weights (the rows of W for pixels active in fewer than ``quiet``, or more than
    ``busy``, of the training images) at the end of the decayed run, divided by the same norm at the end of the
    run without decay (Adam, same lr and seed): 1 means untouched, 0.1 means shrunk tenfold.
    """
    activity = pixel_activity()
    decayed = train_run(optimizer, lr, seed, weight_decay=weight_decay).first_weights
    plain = train_run("Adam", lr, seed).first_weights
    groups = (activity < quiet, activity > busy)
    return tuple(float(np.linalg.norm(decayed[rows]) / np.linalg.norm(plain[rows])) for rows in groups)
