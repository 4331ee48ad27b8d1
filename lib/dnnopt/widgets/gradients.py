"""Explorables for the introduction and the chapter on vanishing and exploding gradients.

* ``gradient_flow()``: per-layer gradient norms of a fresh deep MLP, with and without residual connections, for a
  chosen activation, depth and weight scale.
* ``training_curves()``: the introduction's digits classifier trained with a chosen learning rate and batch size.

Every frame's experiment is cached, so the static page (all frames) and the live widget share the work. Every frame
has the same axes at the same place (fixed margins, limits and ticks): moving a control changes the data and nothing
else, and drawing a frame needs no layout engine and no tick search.
"""

from __future__ import annotations

import functools

from matplotlib.ticker import NullLocator

from ..data import digits
from ..models import mlp
from ..optim import SGD
from ..plots.gradients import draw_history, draw_layer_gradient_norms, layer_gradient_norms
from ..train import History, fit
from ._core import Explorable

__all__ = ["gradient_flow", "training_curves"]


def _fixed_layout(fig, **margins) -> None:
    """Place the axes at fixed fractions of the figure: no layout engine, identical frames."""
    fig.set_layout_engine("none")
    fig.subplots_adjust(**margins)


# --- gradient flow --------------------------------------------------------------------------------------------------
ACTIVATIONS = ("sigmoid", "tanh", "relu")
DEPTHS = (10, 50)
WEIGHT_SCALES = (0.5, 1.0, 2.0)
DECADES = (-50, 25)  # every frame's y range, 10^-50 to 10^25: it holds all 36 networks' gradient norms


def _draw_gradient_flow(fig, activation: str, depth: int, weight_scale: float) -> None:
    """One frame: ||dW|| per layer of the plain and the residual MLP, on the same axes for every frame."""
    _fixed_layout(fig, left=0.12, right=0.98, bottom=0.14, top=0.8)
    ax = fig.subplots()
    lines = {
        label: layer_gradient_norms(activation, depth, gain=weight_scale, residual=residual)
        for label, residual in (("plain: h -> f(h)", False), ("residual: h -> h + f(h)", True))
    }
    draw_layer_gradient_norms(ax, lines, decades=DECADES)
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_xlim(0, max(DEPTHS) + 2)  # depth 10 draws a short line: the slope per layer is comparable
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    fig.suptitle(f"{activation}, {depth} hidden layers, weight std x {weight_scale:g}")


def gradient_flow() -> Explorable:
    """Per-layer ||dW|| after one backward pass on digits, plain vs residual, for a chosen activation/depth/scale.

    ``weight_scale`` multiplies the standard deviation of the activation's usual initializer (Xavier for sigmoid
    and tanh, He for ReLU). 18 frames; each is one forward and backward pass per network, cached.
    """
    return Explorable(
        _draw_gradient_flow,
        controls={"activation": list(ACTIVATIONS), "depth": list(DEPTHS), "weight_scale": list(WEIGHT_SCALES)},
        defaults={"activation": "sigmoid", "depth": 50, "weight_scale": 1.0},
        figsize=(7.0, 3.6),
        alt="Per-layer gradient norms on a log scale from 10^-50 to 10^25 for a plain and a residual MLP, for the "
        "chosen activation, depth and weight scale.",
    )


# --- training curves ------------------------------------------------------------------------------------------------
LEARNING_RATES = (0.01, 0.1, 1.0, 3.0)
BATCH_SIZES = (32, 128)
LOSS_TICKS = (0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5)  # every frame's loss axis: it holds all eight runs' losses


@functools.lru_cache(maxsize=1)
def _training_runs(epochs: int = 10, seed: int = 0) -> dict[tuple[float, int], History]:
    """The introduction's MLP trained once per (lr, batch_size): the live widget then only redraws."""
    split = digits(seed=seed)
    runs = {}
    for lr in LEARNING_RATES:
        for batch_size in BATCH_SIZES:
            model = mlp([64, 64, 10], activation="relu", rng=seed)
            runs[lr, batch_size] = fit(
                model,
                split.X_train,
                split.y_train,
                optimizer=SGD(model, lr=lr),
                epochs=epochs,
                batch_size=batch_size,
                val_data=(split.X_val, split.y_val),
                rng=seed,
                progress=False,
            )
    return runs


def _draw_training_curves(fig, lr: float, batch_size: int) -> None:
    """One frame: loss and accuracy per epoch for (lr, batch_size), on the same axes for every frame."""
    _fixed_layout(fig, left=0.1, right=0.98, bottom=0.27, top=0.88, wspace=0.3)
    history = _training_runs()[lr, batch_size]
    loss_ax, acc_ax = fig.subplots(1, 2)
    draw_history(loss_ax, acc_ax, history)
    for ax in (loss_ax, acc_ax):
        ax.set_xticks(range(2, len(history.train_loss) + 1, 2))
    loss_ax.set_yscale("log")
    loss_ax.set(
        yticks=LOSS_TICKS,
        yticklabels=[f"{tick:g}" for tick in LOSS_TICKS],
        ylim=(0.8 * LOSS_TICKS[0], 1.25 * LOSS_TICKS[-1]),
    )
    loss_ax.yaxis.set_minor_locator(NullLocator())
    acc_ax.set_ylim(0.0, 1.0)
    loss_ax.set_title(f"lr = {lr:g}, batch size {batch_size}")
    acc_ax.set_title(f"final validation accuracy {history.val_acc[-1]:.2f}")
    fig.legend(*loss_ax.get_legend_handles_labels(), loc="lower center", ncols=2)


def training_curves() -> Explorable:
    """The introduction's MLP (64-64-10, ReLU) on digits for 10 epochs of SGD, for a chosen lr and batch size.

    The eight runs are trained when the explorable is built (under a second), so moving a control only redraws.
    """
    _training_runs()
    return Explorable(
        _draw_training_curves,
        controls={"lr": list(LEARNING_RATES), "batch_size": list(BATCH_SIZES)},
        defaults={"lr": 0.1, "batch_size": 32},
        figsize=(7.0, 3.4),
        alt="Training and validation loss (log scale, 0.02 to 5) and accuracy (0 to 1) per epoch of the digits "
        "classifier, for the chosen learning rate and batch size.",
    )
