"""Experiments, figures and explorables of the introduction and the chapter on vanishing and exploding gradients.

* ``layer_gradient_norms``: ||dW|| of every layer of a fresh deep MLP after one backward pass (cached);
* training runs, cached so that the chapter's tables, figures and claim checks share them: ``deep_sigmoid_run``
  (a 10-layer sigmoid MLP, plain or residual), ``tanh_run`` (a small tanh MLP at a learning rate, with or without
  weight decay and clipping) and ``readout_loss`` (a linear classifier trained on one layer's outputs);
* figures: ``plot_digits`` and ``plot_history`` (introduction), ``plot_activation_derivatives``,
  ``plot_layer_gradient_norms``, ``plot_depth_sweep``, ``plot_signal_and_gradient``, ``plot_loss_curves``,
  ``plot_clipping``;
* explorables: ``gradient_flow`` (this chapter) and ``training_curves`` (the introduction).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import MaxNLocator, NullLocator

from dnnopt import functional as F
from dnnopt import init as initializers
from dnnopt.data import Split, digits
from dnnopt.layers import Linear
from dnnopt.models import mlp
from dnnopt.optim import SGD, clip_grad_norm, clip_grad_value
from dnnopt.train import History, fit, probe

from .experiments import read_only
from .explorable import Explorable
from .figures import LINESTYLES, MARKERS, PALETTE, legend_below, log_axis, new_figure

__all__ = [
    "DEEP",
    "DEEP_LR",
    "STANDARD_INIT",
    "TANH",
    "Recipe",
    "deep_sigmoid_run",
    "draw_history",
    "draw_layer_gradient_norms",
    "gradient_flow",
    "layer_gradient_norms",
    "plot_activation_derivatives",
    "plot_clipping",
    "plot_depth_sweep",
    "plot_digits",
    "plot_history",
    "plot_layer_gradient_norms",
    "plot_loss_curves",
    "plot_signal_and_gradient",
    "readout_loss",
    "tanh_run",
    "training_curves",
]

# The initializer each activation is usually paired with (chapter "Weight initialization" explains why).
STANDARD_INIT = {
    "sigmoid": "xavier_normal",
    "tanh": "xavier_normal",
    "relu": "he_normal",
    "leaky_relu": "he_normal",
    "prelu": "he_normal",
}


# --- experiments ----------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _probe_batch(n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n_samples`` digits training images in float64 (no underflow for tiny gradients), read-only."""
    split = digits(seed=seed)
    X, y = split.X_train[:n_samples].astype(np.float64), split.y_train[:n_samples]  # (n_samples, 64), (n_samples,)
    read_only(X, y)
    return X, y


@functools.lru_cache(maxsize=256)
def _layer_gradient_norms(
    activation: str, depth: int, gain: float, residual: bool, width: int, n_samples: int, seed: int
) -> np.ndarray:
    """Cached body of ``layer_gradient_norms`` (arguments already checked): a read-only array."""
    X, y = _probe_batch(n_samples, seed)
    init = functools.partial(initializers.get(STANDARD_INIT[activation]), gain=gain)
    model = mlp(
        [X.shape[1]] + [width] * depth + [10],
        activation=activation,
        init=init,
        residual=residual,
        rng=seed,
        dtype=np.float64,
    )
    norms = probe(model, X, y).grad_norms
    read_only(norms)
    return norms


def layer_gradient_norms(
    activation: str,
    depth: int,
    *,
    gain: float = 1.0,
    residual: bool = False,
    width: int = 64,
    n_samples: int = 256,
    seed: int = 0,
) -> np.ndarray:
    """||dW|| of every ``Linear`` of a fresh deep MLP after one backward pass on digits (no update).

    The MLP is ``mlp([64] + [width] * depth + [10], activation)`` in float64, initialized with
    ``STANDARD_INIT[activation]`` whose standard deviation is multiplied by ``gain``.

    Returns
    -------
    norms : array of shape (depth + 1,), input side first: a copy of a cached result (repeated calls are free)
    """
    if activation not in STANDARD_INIT:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(STANDARD_INIT)}")
    if not (isinstance(depth, int) and depth >= 1):
        raise ValueError(f"depth must be a positive int, got {depth!r}")
    if not gain > 0:
        raise ValueError(f"gain must be positive, got {gain!r}")
    return _layer_gradient_norms(activation, depth, float(gain), bool(residual), width, n_samples, seed).copy()


@dataclass(frozen=True)
class Recipe:
    """A training run of the chapter: an MLP on the digits training set, trained by mini-batch SGD."""

    depth: int  # hidden layers
    activation: str  # initialized with STANDARD_INIT[activation]
    batch_size: int
    epochs: int = 10
    width: int = 64  # of every hidden layer

    @property
    def sizes(self) -> list[int]:
        return [64] + [self.width] * self.depth + [10]  # 8x8 pixels in, 10 classes out


DEEP = Recipe(depth=10, activation="sigmoid", batch_size=128)
"""The deep sigmoid MLP the chapter trains, plain and residual, at learning rate ``DEEP_LR``."""
DEEP_LR = 0.2
TANH = Recipe(depth=2, activation="tanh", batch_size=64)
"""The small tanh MLP (64-64-64-10) of the learning-rate and clipping experiments."""


@functools.lru_cache(maxsize=1)
def _training_split() -> Split:
    """The digits split every training run uses (seed 0: 1348 training, 449 validation images), read-only."""
    split = digits(seed=0)
    read_only(*split)
    return split


@functools.cache
def _train(
    recipe: Recipe, lr: float, seed: int, residual: bool, weight_decay: float, clip_norm: float | None
) -> History:
    """Cached body of the training runs: the History is shared, so callers get copies."""
    split = _training_split()
    model = mlp(
        recipe.sizes, activation=recipe.activation, init=STANDARD_INIT[recipe.activation], residual=residual, rng=seed
    )
    optimizer = SGD(model, lr=lr, weight_decay=weight_decay)
    return fit(
        model,
        split.X_train,
        split.y_train,
        optimizer=optimizer,
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        clip_norm=clip_norm,
        rng=seed,
        progress=False,
    )


def deep_sigmoid_run(residual: bool, seed: int = 0) -> History:
    """``DEEP`` (10 sigmoid layers, Xavier) trained at ``DEEP_LR``, plain or with residual connections.

    Returns a copy of a cached run: its ``grad_norms`` and ``unit_std`` have shape (DEEP.epochs, DEEP.depth + 1).
    """
    return copy.deepcopy(_train(DEEP, DEEP_LR, int(seed), bool(residual), 0.0, None))


def tanh_run(lr: float, seed: int = 0, weight_decay: float = 0.0, clip_norm: float | None = None) -> History:
    """``TANH`` (64-64-64-10, Xavier) trained by SGD at ``lr``, optionally with weight decay or norm clipping.

    Returns a copy of a cached run (one entry per epoch, ``step_loss`` one per mini-batch; 22 per epoch).
    """
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr!r}")
    return copy.deepcopy(_train(TANH, float(lr), int(seed), False, float(weight_decay), clip_norm))


def readout_loss(layer: int, seed: int = 0) -> float:
    """Training loss of a linear classifier trained on layer ``layer``'s outputs of the fresh, plain ``DEEP`` net.

    ``layer`` 0 is the pixels, ``k`` the output of hidden layer k (before any training of the deep net, whose
    initial weights are those of ``deep_sigmoid_run(False, seed)``). The classifier, a ``Linear(64, 10)``, is
    trained like the deep net (``DEEP_LR``, ``DEEP.batch_size``, ``DEEP.epochs``): it shows how much the network's
    top could learn from what reaches it. Cached.
    """
    if not (isinstance(layer, int) and 0 <= layer <= DEEP.depth):
        raise ValueError(f"layer must be an int from 0 (the pixels) to {DEEP.depth}, got {layer!r}")
    return _readout_loss(layer, int(seed))


@functools.cache
def _readout_loss(layer: int, seed: int) -> float:
    split = _training_split()
    model = mlp(DEEP.sizes, activation=DEEP.activation, init=STANDARD_INIT[DEEP.activation], rng=seed)
    features = split.X_train if layer == 0 else model.forward_all(split.X_train)[layer - 1]  # (N, width)
    readout = Linear(features.shape[1], 10, init=STANDARD_INIT[DEEP.activation], rng=seed)
    history = fit(
        readout,
        features,
        split.y_train,
        optimizer=SGD(readout, lr=DEEP_LR),
        epochs=DEEP.epochs,
        batch_size=DEEP.batch_size,
        statistics=False,  # only the loss is used
        rng=seed,
        progress=False,
    )
    return history.train_loss[-1]


# --- axes helpers ---------------------------------------------------------------------------------------------------
def _decade_range(values: np.ndarray) -> tuple[int, int]:
    """The exponents of the powers of ten below and above the positive ``values`` (points never on the frame)."""
    logs = np.log10(values[values > 0])
    return math.floor(logs.min() - 0.15), math.ceil(logs.max() + 0.15)


def _check_not_empty(mapping: Mapping, what: str) -> None:
    if not mapping:
        raise ValueError(f"{what} is empty: nothing to plot")


# --- introduction ---------------------------------------------------------------------------------------------------
def plot_digits(X: np.ndarray, y: np.ndarray, n: int = 12, side: int = 8, per_row: int = 6) -> Figure:
    """The first ``n`` images of X (N, side * side), ``per_row`` to a row, each titled with its label from y (N,)."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != side * side:
        raise ValueError(f"X must have shape (N, {side * side}) for {side}x{side} images, got {X.shape}")
    n = min(n, len(X))
    if n < 1:
        raise ValueError("no images to show")
    rows, cols = math.ceil(n / per_row), min(n, per_row)
    fig, axes = new_figure(cols, rows, figsize=(1.0 * cols, 1.2 * rows))
    for ax, image, label in zip(axes, X[:n], y[:n], strict=False):
        ax.imshow(image.reshape(side, side), cmap="gray_r", vmin=0.0, vmax=1.0)  # (side, side)
        ax.set_title(f"label {label}", fontsize="small")
    for ax in axes:
        ax.set_axis_off()
    return fig


def draw_history(loss_ax, acc_ax, history: History) -> None:
    """Draw loss and accuracy per epoch, training and validation, onto two existing axes (no legend, no log scale)."""
    epochs = np.arange(1, len(history.train_loss) + 1)
    for ax, (train, val), label in (
        (loss_ax, (history.train_loss, history.val_loss), "loss (cross-entropy)"),
        (acc_ax, (history.train_acc, history.val_acc), "accuracy"),
    ):
        ax.plot(epochs, train, color=PALETTE[0], marker="o", markersize=3, label="training set")
        if val:
            ax.plot(epochs, val, color=PALETTE[1], marker="s", markersize=3, linestyle="--", label="validation set")
        ax.set(xlabel="epoch", ylabel=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def plot_history(history: History, title: str = "Training on digits") -> Figure:
    """Loss (log scale) and accuracy per epoch, training and validation, from ``fit``'s ``History``."""
    if not history.train_loss:
        raise ValueError("the history has no epochs (did training diverge in the first epoch?)")
    fig, (loss_ax, acc_ax) = new_figure(2, figsize=(7.0, 3.4))
    draw_history(loss_ax, acc_ax, history)
    log_axis(loss_ax)
    loss_ax.set_title("Loss falls ...")
    acc_ax.set_title("... and accuracy rises")
    legend_below(fig, ncols=2)
    fig.suptitle(title)
    return fig


# --- gradients chapter ----------------------------------------------------------------------------------------------
def plot_activation_derivatives(alpha: float = 0.1) -> Figure:
    """Sigmoid, tanh, ReLU and leaky ReLU (slope ``alpha``) and their derivatives, from dnnopt's own kernels."""
    z = np.linspace(-4.0, 4.0, 801)  # (801,), includes z = 0 exactly
    kernels = {
        "sigmoid": (F.sigmoid_forward, F.sigmoid_backward),
        "tanh": (F.tanh_forward, F.tanh_backward),
        "ReLU": (F.relu_forward, F.relu_backward),
        f"leaky ReLU (alpha={alpha})": (functools.partial(F.leaky_relu_forward, alpha=alpha), F.leaky_relu_backward),
    }
    fig, (value_ax, slope_ax) = new_figure(2, figsize=(7.0, 3.4))
    at_zero = len(z) // 2  # z[at_zero] == 0
    for colour, linestyle, (name, (forward, backward)) in zip(
        PALETTE[:4], ["-", "-", "-", "--"], kernels.items(), strict=True
    ):
        out, cache = forward(z)
        slope = backward(np.ones_like(z), cache)  # d activation / dz, elementwise
        value_ax.plot(z, out, color=colour, linestyle=linestyle, label=name)
        jumps = np.flatnonzero(np.abs(np.diff(slope)) > 0.5)  # ReLU's kink: do not draw a vertical line
        slope_ax.plot(
            np.insert(z, jumps + 1, np.nan),
            np.insert(slope, jumps + 1, np.nan),
            color=colour,
            linestyle=linestyle,
            label=name,
        )
        if jumps.size:  # the value a framework uses at the kink
            slope_ax.plot(z[at_zero], slope[at_zero], "o", color=colour, markersize=5)
    for level, text in ((0.25, "1/4"), (1.0, "1")):
        slope_ax.axhline(level, color="0.5", linewidth=0.8, linestyle=":")
        slope_ax.annotate(text, (-4.0, level), xytext=(2, 3), textcoords="offset points", color="0.3")
    value_ax.set(title="Activation", xlabel="pre-activation z", ylabel="activation(z)", ylim=(-1.5, 4.0))
    slope_ax.set(title="Its derivative: the chain-rule factor", xlabel="pre-activation z", ylabel="d activation / dz")
    slope_ax.text(
        0.98,
        0.45,
        "dots: the value\nused at z = 0",
        transform=slope_ax.transAxes,
        ha="right",
        color="0.3",
        fontsize="small",
    )
    value_ax.legend(loc="upper left")
    return fig


def draw_layer_gradient_norms(
    ax, lines: Mapping[str, np.ndarray], title: str = "", decades: tuple[int, int] | None = None
) -> None:
    """Draw per-layer gradient norms on a log scale, one line per ``{label: norms}`` entry, onto ``ax`` (no legend).

    Each ``norms`` is an array (n_layers,) from ``layer_gradient_norms`` or ``Probe.grad_norms``, input side first.
    Zero norms (underflow) are not drawn: a log scale has no place for them. The y axis runs from ``10**low`` to
    ``10**high`` for ``decades = (low, high)``; by default it spans the data.
    """
    _check_not_empty(lines, f"the lines of panel {title!r}")
    arrays = [np.asarray(norms, dtype=np.float64) for norms in lines.values()]
    for colour, label, norms in zip(PALETTE, lines, arrays, strict=False):
        layers = np.arange(1, len(norms) + 1)
        shown = norms > 0
        ax.plot(layers[shown], norms[shown], color=colour, marker="o", markersize=2.5, label=label)
    log_axis(ax, decades=decades or _decade_range(np.concatenate(arrays)))
    ax.set(title=title, xlabel="layer (1 = next to the input)", ylabel="||dW|| (log scale)")


def plot_layer_gradient_norms(panels: Mapping[str, Mapping[str, np.ndarray]], title: str = "") -> Figure:
    """Per-layer gradient norms on a log scale: one panel per key of ``panels``, one line per inner key.

    ``panels`` maps a panel title to ``{line label: norms}`` (see ``draw_layer_gradient_norms``); every panel has
    the same line labels, explained by one legend under the figure. Panels are stacked and share the layer axis;
    each has its own y range (they can differ by dozens of decades).
    """
    _check_not_empty(panels, "panels")
    labels = [list(lines) for lines in panels.values()]
    if any(other != labels[0] for other in labels):
        raise ValueError(f"every panel needs the same line labels (one legend explains them all), got {labels}")
    n = len(panels)
    fig, axes = new_figure(nrows=n, figsize=(6.5, 3.0 if n == 1 else 2.1 * n + 0.6), sharex=True)
    for ax, (panel_title, lines) in zip(axes, panels.items(), strict=True):
        draw_layer_gradient_norms(ax, lines, panel_title)
    for ax in axes[:-1]:
        ax.set_xlabel("")  # the panels share the x axis: label it once, at the bottom
    legend_below(fig, ncols=len(labels[0]))
    if title:
        fig.suptitle(title)
    return fig


def plot_depth_sweep(depths, ratios: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """How the first layer's gradient norm, relative to the last layer's, changes with depth (log scale).

    ``ratios`` maps a label (an activation) to an array (len(depths),) of ||dW_first|| / ||dW_last||.
    """
    _check_not_empty(ratios, "ratios")
    fig, (ax,) = new_figure(figsize=(6.0, 3.6))
    depths = np.asarray(depths)
    arrays = [np.asarray(values, dtype=np.float64) for values in ratios.values()]
    for colour, marker, label, values in zip(PALETTE, "os^Dv", ratios, arrays, strict=False):
        if values.shape != depths.shape:
            raise ValueError(f"ratios[{label!r}] has shape {values.shape}, depths has {depths.shape}")
        ax.plot(depths, values, color=colour, marker=marker, label=label)
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
    log_axis(ax, decades=_decade_range(np.concatenate([*arrays, np.ones(1)])))  # 1 included: the reference line
    ax.set(
        title=title or "Gradient reaching the first layer, relative to the last",
        xlabel="number of hidden layers",
        ylabel="||dW first|| / ||dW last||",
    )
    legend_below(fig, ncols=len(ratios))
    return fig


def plot_loss_curves(
    runs: Mapping[str, History | Sequence[History]], title: str = "", per: str = "step", chance: bool = False
) -> Figure:
    """Training loss (log scale) of several runs, one colour per ``{label: History}`` entry.

    A value may also be a sequence of histories (the same run from several seeds): one thin line per seed, all in
    the label's colour. ``per="step"`` plots every mini-batch's loss (``History.step_loss``), ``per="epoch"`` the
    end-of-epoch training loss. A run that diverged ends where its loss stopped being finite. ``chance`` adds a
    dotted line at ln 10, the loss of a network that gives every one of the 10 classes the same probability.
    """
    if per not in ("step", "epoch"):
        raise ValueError(f"per must be 'step' or 'epoch', got {per!r}")
    _check_not_empty(runs, "runs")
    fig, (ax,) = new_figure(figsize=(6.0, 3.8))
    for colour, marker, (label, group) in zip(PALETTE, MARKERS, runs.items(), strict=False):
        histories = [group] if isinstance(group, History) else list(group)
        _check_not_empty(histories, f"the runs of {label!r}")
        for seed, history in enumerate(histories):
            losses = history.step_loss if per == "step" else history.train_loss
            ax.plot(
                np.arange(1, len(losses) + 1),
                losses,
                color=colour,
                linewidth=1.2 if len(histories) == 1 else 0.9,
                marker=marker if per == "epoch" else None,  # few points per epoch: show them; many steps: a line
                markersize=3,
                label=label if seed == 0 else "_" + label,  # one legend entry per label
            )
    if chance:
        ax.axhline(math.log(10), color="0.4", linewidth=1.0, linestyle=":", label="ln 10: a uniform guess")
    log_axis(ax)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel="mini-batch step" if per == "step" else "epoch", ylabel="training loss (log scale)")
    legend_below(fig, ncols=2)
    return fig


def plot_signal_and_gradient(runs: Mapping[str, History], epochs: Sequence[int] = (0, -1)) -> Figure:
    """Forward and backward, layer by layer, from ``fit``'s History: two panels side by side, log scales.

    Left, what reaches each layer on the way forward: ``History.unit_std``, the mean over a layer's units of each
    unit's std across the examples of a batch (0 when every input gives the same output). Right, what reaches it on
    the way back: ``History.grad_norms``. One colour per ``{label: History}`` entry, one line style per epoch.
    """
    _check_not_empty(runs, "runs")
    fig, (forward_ax, backward_ax) = new_figure(2, figsize=(7.4, 3.6), sharex=True)
    for colour, (label, history) in zip(PALETTE, runs.items(), strict=False):
        n_epochs = len(history.train_loss)
        for linestyle, epoch in zip(LINESTYLES, epochs, strict=False):
            if not -n_epochs <= epoch < n_epochs:
                raise ValueError(f"epoch {epoch} is not in {label!r}, which trained {n_epochs} epochs")
            name = f"{label}, epoch {epoch % n_epochs + 1}"
            for ax, values in ((forward_ax, history.unit_std[epoch]), (backward_ax, history.grad_norms[epoch])):
                layers = np.arange(1, len(values) + 1)
                ax.plot(layers, values, color=colour, linestyle=linestyle, marker="o", markersize=2.5, label=name)
    for ax in (forward_ax, backward_ax):
        log_axis(ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    forward_ax.set(
        title="Forward: the input's signal", xlabel="layer (last = logits)", ylabel="per-unit std across images"
    )
    backward_ax.set(title="Backward: the gradient", xlabel="layer (last = output layer)", ylabel="||dW||")
    legend_below(fig, ncols=2)
    return fig


def _angle_degrees(v: np.ndarray) -> float:
    return math.degrees(math.atan2(v[1], v[0]))


def plot_clipping(grad, clip_value: float = 1.0, max_norm: float = 1.0) -> Figure:
    """A 2-D gradient before and after clipping by value and by global norm (with ``dnnopt.optim``'s functions).

    Value clipping moves the tip into the square [-clip_value, clip_value]^2 and turns the arrow; norm clipping
    shrinks it onto the circle of radius ``max_norm`` and keeps its direction.
    """
    grad = np.asarray(grad, dtype=np.float64)
    if grad.shape != (2,):
        raise ValueError(f"grad must be a 2-D vector (shape (2,)) to draw, got shape {grad.shape}")
    by_value, by_norm = grad.copy(), grad.copy()
    clip_grad_value([by_value], clip_value)
    clip_grad_norm([by_norm], max_norm)
    fig, (ax,) = new_figure(figsize=(6.0, 4.0))
    ax.add_patch(
        Rectangle(
            (-clip_value, -clip_value),
            2 * clip_value,
            2 * clip_value,
            fill=False,
            edgecolor=PALETTE[1],
            linestyle="--",
            label=f"|g_i| <= {clip_value:g} (value clip)",
        )
    )
    ax.add_patch(
        Circle(
            (0, 0),
            max_norm,
            fill=False,
            edgecolor=PALETTE[2],
            linestyle=":",
            label=f"||g|| <= {max_norm:g} (norm clip)",
        )
    )
    for vector, colour, name in (
        (grad, PALETTE[0], "original gradient"),
        (by_value, PALETTE[1], "clipped by value"),
        (by_norm, PALETTE[2], "clipped by global norm"),
    ):
        ax.annotate(
            "",
            xy=vector,
            xytext=(0, 0),
            arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 2.0, "shrinkA": 0, "shrinkB": 0},
        )
        ax.plot([], [], color=colour, linewidth=2.0, label=f"{name}: {_angle_degrees(vector):.0f}°")
    radius = max(clip_value, max_norm)
    ax.set(
        xlim=(-1.15 * radius, 1.1 * max(grad[0], radius)),
        ylim=(-1.15 * radius, 1.1 * max(grad[1], radius)),
        aspect="equal",
        title="Value clipping turns the update, norm clipping only shortens it",
        xlabel="gradient component g_1",
        ylabel="gradient component g_2",
    )
    legend_below(fig, ncols=2)
    return fig


# --- explorables ----------------------------------------------------------------------------------------------------
# Every frame's experiment is cached, so the static page (all frames) and the live widget share the work. Every frame
# has the same axes at the same place (fixed margins, limits and ticks): moving a control changes the data and
# nothing else, and drawing a frame needs no layout engine and no tick search.
def _fixed_layout(fig, **margins) -> None:
    """Place the axes at fixed fractions of the figure: no layout engine, identical frames."""
    fig.set_layout_engine("none")
    fig.subplots_adjust(**margins)


# --- gradient flow --------------------------------------------------------------------------------------------------
ACTIVATIONS = ("sigmoid", "tanh", "relu")
DEPTHS = (10, 50)
WEIGHT_SCALES = (0.5, 1.0, 2.0)
DECADES = (-50, 25)  # every frame's y range, 10^-50 to 10^25: it holds all 36 networks' gradient norms


def _gradient_flow_frame(fig, activation: str, depth: int, weight_scale: float) -> None:
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
        _gradient_flow_frame,
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
                statistics=False,  # the explorable draws only the loss and accuracy curves
                rng=seed,
                progress=False,
            )
    return runs


def _training_curves_frame(fig, lr: float, batch_size: int) -> None:
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
        _training_curves_frame,
        controls={"lr": list(LEARNING_RATES), "batch_size": list(BATCH_SIZES)},
        defaults={"lr": 0.1, "batch_size": 32},
        figsize=(7.0, 3.4),
        alt="Training and validation loss (log scale, 0.02 to 5) and accuracy (0 to 1) per epoch of the digits "
        "classifier, for the chosen learning rate and batch size.",
    )
