"""Experiments, figures and the explorable of the weight-initialization chapter (``book/initialization.md``).

Two kinds of experiment:

* ``layer_statistics``: one forward and backward pass through a fresh deep MLP (no training), to see how the scale of
  the activations and of their gradients changes from layer to layer for a given activation and initializer;
* ``init_sweep``: short training runs on the digits for every (initializer, activation) pair over a few seeds.

Initializers are named as in ``dnnopt.init`` (``"xavier_normal"``, ...), by a key of ``INITIALIZERS`` (which adds
fixed-scale normals such as ``"std=0.01"``), or given as a callable with the initializer signature.

Figures: ``draw_activation_histograms``, ``draw_layer_scales``, ``draw_weight_matrices`` (each on given axes).
Explorable: ``activation_histograms``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes

from dnnopt import init as initializers
from dnnopt import models, optim, train

from .experiments import read_only
from .explorable import Explorable
from .figures import PALETTE, log_axis

__all__ = [
    "ACTIVATIONS",
    "DEPTH",
    "HISTOGRAM_RANGE",
    "INITIALIZERS",
    "LayerStats",
    "SweepCell",
    "activation_histograms",
    "draw_activation_histograms",
    "draw_layer_scales",
    "draw_weight_matrices",
    "fixed_std",
    "init_sweep",
    "layer_statistics",
    "markdown_table",
    "resolve_initializer",
    "steps_to_target",
    "sweep_table",
    "train_digits",
]


def fixed_std(std: float) -> Callable:
    """An initializer drawing N(0, std**2) whatever the fans: the "just pick a small number" recipe."""

    def initializer(shape, rng=None, dtype=np.float32, gain=1.0):
        return initializers.normal(shape, gain * std, rng, dtype)

    initializer.__name__ = initializer.__qualname__ = f"std={std:g}"
    return initializer


INITIALIZERS: dict[str, Callable] = {
    "std=0.01": fixed_std(0.01),
    "xavier_normal": initializers.xavier_normal,
    "he_normal": initializers.he_normal,
    "std=1": fixed_std(1.0),
}
"""The initializers the chapter's figures and explorable compare: too small, Xavier, He, too large."""

HISTOGRAM_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}
"""x-range of the activation histograms; values outside are piled into the edge bins."""


def resolve_initializer(init: str | Callable) -> Callable:
    """The initializer function for a key of ``INITIALIZERS``, a ``dnnopt.init`` name, or a callable."""
    if isinstance(init, str) and init in INITIALIZERS:
        return INITIALIZERS[init]
    return initializers.get(init)


# --- one forward and backward pass through a deep network ---------------------------------------------------------


@dataclass(frozen=True)
class LayerStats:
    """How activations and gradients scale through the hidden layers of one freshly initialized MLP (read-only)."""

    activations: tuple[np.ndarray, ...]  # each hidden layer's output h_l after the activation, (N, width), input first
    act_std: np.ndarray  # (depth,) std of each h_l: the forward signal
    grad_std: np.ndarray  # (depth,) std of each dL/dh_l: the backward signal

    def __post_init__(self) -> None:
        read_only(*self.activations, self.act_std, self.grad_std)


@functools.lru_cache(maxsize=64)
def layer_statistics(
    depth: int, activation: str, init: str | Callable, width: int = 128, n_samples: int = 256, seed: int = 0
) -> LayerStats:
    """Push standard-normal inputs (N, width) through ``mlp([width] * (depth + 1) + [10])`` and back, no update.

    The labels are random: only the scale of the gradients matters here. The network runs in float64 so that a
    signal shrinking to 1e-30 or growing to 1e27 stays representable. Results are cached and read-only.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1 hidden layer, got {depth}")
    rng = np.random.default_rng(seed)
    model = models.mlp(
        [width] * (depth + 1) + [10], activation=activation, init=resolve_initializer(init), rng=rng, dtype=np.float64
    )
    X = rng.standard_normal((n_samples, width))  # (N, width), unit variance
    y = rng.integers(0, 10, size=n_samples)  # (N,)
    probe = train.probe(model, X, y)
    hidden = tuple(probe.activations[:-1])  # the hidden blocks' outputs h_1 ... h_depth (the last output: the logits)
    return LayerStats(hidden, np.array([h.std() for h in hidden]), np.array([g.std() for g in probe.output_grads[:-1]]))


def _layers_to_show(depth: int, max_layers: int) -> np.ndarray:
    """At most ``max_layers`` evenly spaced 0-based layer indices, always the first and the last."""
    return np.unique(np.linspace(0, depth - 1, min(depth, max_layers)).round().astype(int))


def draw_activation_histograms(
    ax: Axes, stats: LayerStats, activation: str, max_layers: int = 10, color: str = PALETTE[0], bins: int = 40
) -> None:
    """Per-layer histograms stacked from layer 1 (top) down to the last layer, each labelled with its std.

    Each histogram is scaled to the same height. ReLU outputs are shown without their exact zeros (about half of
    every layer), which would otherwise dwarf the rest of the histogram.
    """
    if activation not in HISTOGRAM_RANGE:
        raise ValueError(f"no histogram range for activation {activation!r}; expected one of {sorted(HISTOGRAM_RANGE)}")
    low, high = HISTOGRAM_RANGE[activation]
    edges = np.linspace(low, high, bins + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])  # (bins,)
    shown = _layers_to_show(len(stats.activations), max_layers)
    for row, layer in enumerate(shown):
        values = stats.activations[layer].ravel()
        if activation == "relu":
            values = values[values > 0]
        counts, _ = np.histogram(np.clip(values, low, high), bins=edges)
        height = counts / max(counts.max(), 1) * 0.9  # (bins,)
        baseline = len(shown) - 1 - row  # layer 1 on top
        ax.fill_between(centers, baseline, baseline + height, color=color, alpha=0.5, linewidth=0)
        ax.plot(centers, baseline + height, color=color, linewidth=0.8)
        ax.text(
            1.01,
            baseline + 0.3,
            f"std {stats.act_std[layer]:.2g}",
            transform=ax.get_yaxis_transform(),
            fontsize="x-small",
        )
    ax.set_yticks(np.arange(len(shown)), [str(layer + 1) for layer in shown[::-1]])
    ax.set_ylim(-0.2, len(shown))
    ax.set_xlim(low, high)
    ax.set_xticks(np.linspace(low, high, 5))
    ax.set_ylabel("hidden layer")
    ax.set_xlabel("activation value" + (" (> 0 only)" if activation == "relu" else ""))
    ax.grid(axis="y", visible=False)


def draw_layer_scales(ax: Axes, curves: dict[str, np.ndarray], ylabel: str) -> None:
    """One line per label: a per-layer quantity (e.g. ``LayerStats.act_std``) against the hidden layer, log scale."""
    for (label, values), color in zip(curves.items(), PALETTE, strict=False):
        ax.plot(np.arange(1, len(values) + 1), values, marker=".", color=color, label=label)
    log_axis(ax)
    ax.set_xlabel("hidden layer (1 = next to the input)")
    ax.set_ylabel(ylabel)


def draw_weight_matrices(axes: Sequence[Axes], weights: dict[str, np.ndarray]) -> None:
    """Heatmaps of weight matrices (fan_in rows, fan_out columns = hidden units), one per axis.

    Each uses its own colour range (min to max of its matrix), so identical columns show up as rows of one colour
    even when all weights are close to one value.
    """
    for ax, (label, W) in zip(axes, weights.items(), strict=True):
        low, high = float(W.min()), float(W.max())
        if low == high:  # a constant matrix: centre its single colour
            low, high = low - 1.0, high + 1.0
        image = ax.imshow(W, vmin=low, vmax=high, aspect="auto", interpolation="nearest")
        ax.set_title(label)
        ax.set_xlabel("hidden unit (column)")
        ax.grid(False)
        ax.figure.colorbar(image, ax=ax, shrink=0.8)
    axes[0].set_ylabel("input pixel (row)")


# --- short training runs ------------------------------------------------------------------------------------------


def train_digits(
    split,
    activation: str,
    init: str | Callable,
    seed: int,
    depth: int = 6,
    width: int = 64,
    epochs: int = 6,
    lr: float = 0.05,
    batch_size: int = 64,
) -> train.History:
    """Train ``mlp([64] + [width] * depth + [10])`` on a digits ``split`` with SGD (momentum 0.9).

    ``seed`` draws the initial weights and shuffles the batches.
    """
    model = models.mlp(
        [split.X_train.shape[1]] + [width] * depth + [10],
        activation=activation,
        init=resolve_initializer(init),
        rng=seed,
    )
    return train.fit(
        model,
        split.X_train,
        split.y_train,
        optimizer=optim.SGD(model, lr=lr, momentum=0.9),
        epochs=epochs,
        batch_size=batch_size,
        val_data=(split.X_val, split.y_val),
        rng=seed,
        progress=False,
    )


def steps_to_target(step_loss: Sequence[float], target: float, window: int = 10) -> int | None:
    """The first step count at which the mean of the last ``window`` mini-batch losses is below ``target``.

    Returns None if that never happens.
    """
    losses = np.asarray(step_loss, dtype=float)
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if len(losses) < window:
        return None
    running_mean = np.convolve(losses, np.ones(window) / window, mode="valid")  # (steps - window + 1,)
    below = np.flatnonzero(running_mean < target)
    return int(below[0]) + window if len(below) else None


@dataclass(frozen=True)
class SweepCell:
    """Results of one (initializer, activation) pair over several seeds."""

    init: str
    activation: str
    val_acc: tuple[float, ...]  # final validation accuracy per seed (NaN if the run diverged)
    steps: tuple[int | None, ...]  # steps to the target loss per seed (None: never reached)
    diverged: int  # number of seeds whose loss became non-finite
    total_steps: int  # mini-batch steps of the longest run (a full run unless every seed diverged)

    @property
    def mean_acc(self) -> float:
        """Mean final validation accuracy over the seeds (NaN if any seed diverged)."""
        return float(np.mean(self.val_acc))

    @property
    def mean_steps(self) -> float | None:
        """Mean steps to the target over the seeds that reached it (None if none did)."""
        reached = [s for s in self.steps if s is not None]
        return float(np.mean(reached)) if reached else None


def init_sweep(
    split,
    inits: dict[str, str | Callable],
    activations: Sequence[str],
    seeds: Sequence[int],
    target_loss: float = 0.5,
    **train_kwargs,
) -> list[SweepCell]:
    """Train every (initializer, activation) pair once per seed with ``train_digits(**train_kwargs)``.

    ``inits`` maps a label (shown in the table) to an initializer name or callable.
    """
    cells = []
    for label, init in inits.items():
        for activation in activations:
            runs = [train_digits(split, activation, init, seed, **train_kwargs) for seed in seeds]
            cells.append(
                SweepCell(
                    init=label,
                    activation=activation,
                    val_acc=tuple(math.nan if h.diverged else h.val_acc[-1] for h in runs),
                    steps=tuple(steps_to_target(h.step_loss, target_loss) for h in runs),
                    diverged=sum(h.diverged for h in runs),
                    total_steps=max(len(h.step_loss) for h in runs),
                )
            )
    return cells


def _format_cell(cell: SweepCell) -> tuple[str, str]:
    """The accuracy and steps-to-target texts of one table cell, saying how many seeds diverged or never arrived."""
    n = len(cell.val_acc)
    if cell.diverged == n:
        return "diverged", "never"
    accuracy = (
        f"{cell.mean_acc:.2f} ± {np.std(cell.val_acc):.2f}"
        if not cell.diverged
        else f"{np.nanmean(cell.val_acc):.2f} ({cell.diverged} of {n} diverged)"
    )
    reached = sum(s is not None for s in cell.steps)
    if reached == 0:
        steps = f"never (> {cell.total_steps})"
    elif reached < n:
        steps = f"{cell.mean_steps:.0f} ({reached} of {n} seeds)"
    else:
        steps = f"{cell.mean_steps:.0f}"
    return accuracy, steps


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A Markdown (GFM) table from a header and rows of cells (each cell formatted with ``str``)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def sweep_table(cells: Sequence[SweepCell]) -> str:
    """A Markdown table: one row per initializer, accuracy and steps to the target for each activation."""
    activations = list(dict.fromkeys(c.activation for c in cells))
    inits = list(dict.fromkeys(c.init for c in cells))
    by_key = {(c.init, c.activation): c for c in cells}
    header = ["initializer"] + [f"{a}: {what}" for a in activations for what in ("val. accuracy", "steps")]
    rows = [[init] + [text for a in activations for text in _format_cell(by_key[init, a])] for init in inits]
    return markdown_table(header, rows)


# --- explorable ---------------------------------------------------------------------------------------------------
DEPTH = 30  # deep enough that a per-layer factor of 0.5 or 2 compounds to about 1e-9 or 1e9
ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def _activation_histograms_frame(fig, activation: str, init: str, depth: int = DEPTH) -> None:
    """Left: per-layer activation histograms. Right: std of the forward and backward signal per layer (log)."""
    stats = layer_statistics(depth, activation, init)
    # fixed margins instead of the figure's automatic layout: a third less work per live update
    fig.set_layout_engine("none")
    hist_ax, scale_ax = fig.subplots(
        1, 2, width_ratios=[1.25, 1], gridspec_kw=dict(left=0.07, right=0.985, bottom=0.13, top=0.8, wspace=0.5)
    )
    draw_activation_histograms(hist_ax, stats, activation)
    draw_layer_scales(scale_ax, {"forward: h_l": stats.act_std, "backward: dL/dh_l": stats.grad_std}, "std (log scale)")
    scale_ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False, fontsize="small"
    )  # above the axes: never on the lines
    # one title for both panels: each axes title costs a layout pass per frame
    fig.suptitle(
        f"{activation}, {init}: activations of ten layers (left), signal scale through {depth} layers (right)",
        fontsize="medium",
    )


def activation_histograms() -> Explorable:
    """Per-layer activation histograms and signal scales of a 30-layer MLP for a chosen activation and initializer.

    12 frames (3 activations x 4 initializers from ``INITIALIZERS``), each one forward and backward pass of 256
    standard-normal samples through 30 hidden layers of width 128 (``layer_statistics``). All 12 passes run here,
    once (about half a second, cached), so that a live update only redraws.
    """
    for activation in ACTIVATIONS:
        for init in INITIALIZERS:
            layer_statistics(DEPTH, activation, init)
    return Explorable(
        _activation_histograms_frame,
        controls={"activation": ACTIVATIONS, "init": list(INITIALIZERS)},
        defaults={"activation": "tanh", "init": "xavier_normal"},
        figsize=(9.0, 4.0),
        alt=f"Left: histograms of the activations of ten evenly spaced hidden layers of a {DEPTH}-layer network, "
        "stacked from the first layer at the top to the last at the bottom, each labelled with its standard "
        "deviation. Right: the standard deviation of the forward signal and of the backward gradient at every "
        "hidden layer, on a log scale. Controls choose the activation function and the initializer.",
    )
