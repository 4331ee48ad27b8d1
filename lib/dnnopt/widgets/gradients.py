"""Explorables for the introduction and the chapter on vanishing and exploding gradients.

* ``gradient_flow()``: per-layer gradient norms of a fresh deep MLP, with and without residual connections, for a
  chosen activation, depth and weight scale.
* ``training_curves()``: the introduction's digits classifier trained with a chosen learning rate and batch size.

Every frame's experiment is cached, so the static page (all frames) and the live widget share the work.
"""

from __future__ import annotations

import functools

from ..data import digits
from ..models import mlp
from ..optim import SGD
from ..plots.gradients import draw_history, draw_layer_gradient_norms, layer_gradient_norms
from ..train import History, fit
from ._core import Explorable

__all__ = ["gradient_flow", "training_curves"]


def _draw_gradient_flow(fig, activation: str, depth: int, weight_scale: float) -> None:
    lines = {label: layer_gradient_norms(activation, depth, gain=weight_scale, residual=residual)
             for label, residual in (("plain: h -> f(h)", False), ("residual: h -> h + f(h)", True))}
    draw_layer_gradient_norms(fig.subplots(), lines,
                              f"{activation}, {depth} hidden layers, weights x {weight_scale:g} the standard std")


def gradient_flow() -> Explorable:
    """Per-layer ||dW|| after one backward pass on digits, plain vs residual, for a chosen activation/depth/scale.

    ``weight_scale`` multiplies the standard deviation of the activation's usual initializer (Xavier for sigmoid
    and tanh, He for ReLU). 18 frames; each is one forward and backward pass per network, cached.
    """
    return Explorable(
        _draw_gradient_flow,
        controls={"activation": ["sigmoid", "tanh", "relu"], "depth": [10, 50], "weight_scale": [0.5, 1.0, 2.0]},
        defaults={"activation": "sigmoid", "depth": 50, "weight_scale": 1.0},
        figsize=(7.0, 3.6),
        alt="Per-layer gradient norms on a log scale for a plain and a residual MLP, for the chosen activation, "
            "depth and weight scale.",
    )


LEARNING_RATES = (0.01, 0.1, 1.0, 3.0)
BATCH_SIZES = (32, 128)


@functools.lru_cache(maxsize=1)
def _training_runs(epochs: int = 10, seed: int = 0) -> dict[tuple[float, int], History]:
    """The introduction's MLP trained once per (lr, batch_size): the live widget then only redraws."""
    split = digits(seed=seed)
    runs = {}
    for lr in LEARNING_RATES:
        for batch_size in BATCH_SIZES:
            model = mlp([64, 64, 10], activation="relu", rng=seed)
            runs[lr, batch_size] = fit(model, split.X_train, split.y_train, optimizer=SGD(model, lr=lr),
                                       epochs=epochs, batch_size=batch_size, val_data=(split.X_val, split.y_val),
                                       rng=seed, progress=False)
    return runs


def _draw_training_curves(fig, lr: float, batch_size: int) -> None:
    history = _training_runs()[lr, batch_size]
    loss_ax, acc_ax = fig.subplots(1, 2)
    draw_history(loss_ax, acc_ax, history)
    acc_ax.set_ylim(0.0, 1.0)
    loss_ax.set_title(f"lr = {lr:g}, batch size {batch_size}")
    outcome = (f"diverged in epoch {history.stopped_epoch + 2}" if history.diverged
               else f"final validation accuracy {history.val_acc[-1]:.3f}")
    acc_ax.set_title(outcome)


def training_curves() -> Explorable:
    """The introduction's MLP (64-64-10, ReLU) on digits for 10 epochs of SGD, for a chosen lr and batch size.

    The eight runs are trained when the explorable is built (a few seconds), so moving a control only redraws.
    """
    _training_runs()
    return Explorable(
        _draw_training_curves,
        controls={"lr": list(LEARNING_RATES), "batch_size": list(BATCH_SIZES)},
        defaults={"lr": 0.1, "batch_size": 32},
        figsize=(7.5, 3.2),
        alt="Training and validation loss and accuracy per epoch of the digits classifier, for the chosen "
            "learning rate and batch size.",
    )
