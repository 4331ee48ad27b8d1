"""Figures (and the small cached experiment behind them) for the introduction and the gradients chapter.

Every ``plot_*`` function returns a ``matplotlib.figure.Figure`` that is not registered with pyplot, so a notebook
shows it exactly once (as the cell's value) and tests can inspect its artists. Colours come from ``PALETTE``.
Figures are at most 7 inches wide, so that a phone shrinking them to its width keeps the text legible, and legends
sit outside the data. Log axes are labelled in plain text (10⁻³⁰, 0.2): no mathtext to parse, so they draw fast.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

from .. import functional as F
from .. import init as initializers
from ..data import digits
from ..models import mlp
from ..optim import clip_grad_norm, clip_grad_value
from ..train import History, probe
from . import PALETTE

__all__ = [
    "STANDARD_INIT",
    "draw_history",
    "draw_layer_gradient_norms",
    "layer_gradient_norms",
    "plot_activation_derivatives",
    "plot_clipping",
    "plot_depth_sweep",
    "plot_digits",
    "plot_history",
    "plot_layer_gradient_norms",
    "plot_loss_curves",
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
    """The first ``n_samples`` digits training images in float64 (no underflow for tiny gradients)."""
    split = digits(seed=seed)
    return split.X_train[:n_samples].astype(np.float64), split.y_train[:n_samples]  # (n_samples, 64), (n_samples,)


@functools.lru_cache(maxsize=256)
def _layer_gradient_norms(
    activation: str, depth: int, gain: float, residual: bool, width: int, n_samples: int, seed: int
) -> np.ndarray:
    """Uncached body of ``layer_gradient_norms`` (arguments already checked)."""
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
    return probe(model, X, y).grad_norms


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
    norms : array of shape (depth + 1,), input side first (cached: repeated calls are free)
    """
    if activation not in STANDARD_INIT:
        raise ValueError(f"unknown activation {activation!r}; expected one of {sorted(STANDARD_INIT)}")
    if not (isinstance(depth, int) and depth >= 1):
        raise ValueError(f"depth must be a positive int, got {depth!r}")
    if not gain > 0:
        raise ValueError(f"gain must be positive, got {gain!r}")
    return _layer_gradient_norms(activation, depth, float(gain), bool(residual), width, n_samples, seed).copy()


# --- axes helpers ---------------------------------------------------------------------------------------------------
def _panels(n: int, figsize=None, sharey: bool = False, vertical: bool = False) -> tuple[Figure, list]:
    """A figure with ``n`` axes side by side (or stacked, sharing x, when ``vertical``)."""
    default = (6.5, 3.0 if n == 1 else 2.1 * n + 0.6) if vertical else (3.4 * n + 0.4, 3.3)
    fig = Figure(figsize=figsize or default, layout="constrained")
    shape = (n, 1) if vertical else (1, n)
    axes = fig.subplots(*shape, sharex=vertical, sharey=sharey, squeeze=False).ravel()
    return fig, list(axes)


def _plain_number(value: float, _position=None) -> str:
    return f"{value:g}"


def _two_and_five(value: float, _position=None) -> str:
    """Label the minor ticks at 2 and 5 times a power of ten, leave the others blank."""
    mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return f"{value:g}" if round(mantissa) in (2, 5) and abs(mantissa - round(mantissa)) < 1e-6 else ""


def _plain_log_scale(ax) -> None:
    """A log y axis labelled 0.1, 0.2, 0.5, 1 rather than 10^-1: easier to read for losses within a few decades."""
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(_plain_number))
    ax.yaxis.set_minor_formatter(FuncFormatter(_two_and_five))


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(exponent: int) -> str:
    """``10⁻³⁰`` as plain text (unicode superscripts)."""
    return "10" + str(exponent).translate(_SUPERSCRIPTS)


def _decade_range(values: np.ndarray) -> tuple[int, int]:
    """The exponents of the powers of ten below and above the positive ``values`` (points never on the frame)."""
    logs = np.log10(values[values > 0])
    return math.floor(logs.min() - 0.15), math.ceil(logs.max() + 0.15)


def _decade_axis(ax, low: int, high: int, max_ticks: int = 7) -> None:
    """A log y axis from ``10**low`` to ``10**high``, ticks at every 1, 2, 5, 10 or 20 decades in plain text."""
    step = next((k for k in (1, 2, 5, 10, 20) if (high - low) / k < max_ticks), 50)
    exponents = range(math.ceil(low / step) * step, high + 1, step)
    ax.set_yscale("log")
    ax.set_yticks([10.0**e for e in exponents], labels=[_power_of_ten(e) for e in exponents])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylim(10.0**low, 10.0**high)


def _check_not_empty(mapping: Mapping, what: str) -> None:
    if not mapping:
        raise ValueError(f"{what} is empty: nothing to plot")


def _legend_below(fig, ax, ncols: int = 2) -> None:
    """One legend for the figure, centred under the axes (constrained layout makes room for it)."""
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=ncols)


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
    fig = Figure(figsize=(1.0 * cols, 1.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
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
    fig, (loss_ax, acc_ax) = _panels(2, figsize=(7.0, 3.4))
    draw_history(loss_ax, acc_ax, history)
    _plain_log_scale(loss_ax)
    loss_ax.set_title("Loss falls ...")
    acc_ax.set_title("... and accuracy rises")
    _legend_below(fig, loss_ax)
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
    fig, (value_ax, slope_ax) = _panels(2, figsize=(7.0, 3.4))
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
    _decade_axis(ax, *(decades or _decade_range(np.concatenate(arrays))))
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
    fig, axes = _panels(len(panels), vertical=True)
    for ax, (panel_title, lines) in zip(axes, panels.items(), strict=True):
        draw_layer_gradient_norms(ax, lines, panel_title)
    for ax in axes[:-1]:
        ax.set_xlabel("")  # the panels share the x axis: label it once, at the bottom
    _legend_below(fig, axes[0], ncols=len(labels[0]))
    if title:
        fig.suptitle(title)
    return fig


def plot_depth_sweep(depths, ratios: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """How the first layer's gradient norm, relative to the last layer's, changes with depth (log scale).

    ``ratios`` maps a label (an activation) to an array (len(depths),) of ||dW_first|| / ||dW_last||.
    """
    _check_not_empty(ratios, "ratios")
    fig, (ax,) = _panels(1, figsize=(6.0, 3.6))
    depths = np.asarray(depths)
    arrays = [np.asarray(values, dtype=np.float64) for values in ratios.values()]
    for colour, marker, label, values in zip(PALETTE, "os^Dv", ratios, arrays, strict=False):
        if values.shape != depths.shape:
            raise ValueError(f"ratios[{label!r}] has shape {values.shape}, depths has {depths.shape}")
        ax.plot(depths, values, color=colour, marker=marker, label=label)
    ax.axhline(1.0, color="0.5", linewidth=0.8, linestyle=":")
    _decade_axis(ax, *_decade_range(np.concatenate([*arrays, np.ones(1)])))  # 1 included: the reference line
    ax.set(
        title=title or "Gradient reaching the first layer, relative to the last",
        xlabel="number of hidden layers",
        ylabel="||dW first|| / ||dW last||",
    )
    _legend_below(fig, ax, ncols=len(ratios))
    return fig


def plot_loss_curves(runs: Mapping[str, History], title: str = "", per: str = "step") -> Figure:
    """Training loss (log scale) of several runs, one line per ``{label: History}`` entry.

    ``per="step"`` plots every mini-batch's loss (``History.step_loss``), ``per="epoch"`` the end-of-epoch
    training loss. A run that diverged ends where its loss stopped being finite.
    """
    if per not in ("step", "epoch"):
        raise ValueError(f"per must be 'step' or 'epoch', got {per!r}")
    _check_not_empty(runs, "runs")
    fig, (ax,) = _panels(1, figsize=(6.0, 3.8))
    marker = "o" if per == "epoch" else None  # few points per epoch: show them; hundreds of steps: a line
    for colour, (label, history) in zip(PALETTE, runs.items(), strict=False):
        losses = history.step_loss if per == "step" else history.train_loss
        ax.plot(
            np.arange(1, len(losses) + 1), losses, color=colour, linewidth=1.2, marker=marker, markersize=3, label=label
        )
    _plain_log_scale(ax)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel="mini-batch step" if per == "step" else "epoch", ylabel="training loss (log scale)")
    _legend_below(fig, ax)
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
    fig, (ax,) = _panels(1, figsize=(6.0, 4.0))
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
    _legend_below(fig, ax)
    return fig
