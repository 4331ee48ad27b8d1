"""Experiments, figures and the explorable of the weight-initialization chapter (``book/initialization.md``).

Experiments:

* ``layer_statistics``: one forward and backward pass through a fresh deep MLP (no training), to see how the scale of
  the activations and of their gradients changes from layer to layer for a given activation and initializer;
* ``train_run``: one training run on the digits for an activation, an initializer, a seed and a ``Recipe`` (cached,
  read-only), and ``init_sweep``: many of them, summarized per (initializer, activation) pair;
* ``jacobian_singular_values``: the spectrum of a deep linear network's input-output map (dynamical isometry).

Initializers are named as in ``dnnopt.init`` (``"xavier_normal"``, ...), by a key of ``INITIALIZERS`` (which adds
fixed-scale normals such as ``"std=0.01"`` and Glorot & Bengio's ``"standard"``), or given as a callable with the
initializer signature ``(shape, rng=None, dtype=np.float32, gain=1.0)``. Two initializers live here for now:
``standard_uniform`` (the pre-2010 recipe) and ``orthogonal`` (Saxe et al. 2014).

Figures: ``draw_activation_histograms``, ``draw_gradient_histograms``, ``draw_layer_scales``,
``draw_weight_matrices``, ``draw_seed_curves`` (each on given axes). Explorable: ``activation_histograms``.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes

from dnnopt import data, models, optim, train
from dnnopt import init as initializers

from .experiments import read_only
from .explorable import Explorable
from .figures import LINESTYLES, PALETTE, log_axis
from .tables import markdown_table

__all__ = [
    "ACTIVATIONS",
    "DEPTH",
    "HISTOGRAM_RANGE",
    "INITIALIZERS",
    "LayerStats",
    "Recipe",
    "Run",
    "SweepCell",
    "activation_histograms",
    "digits_split",
    "distinct_units",
    "draw_activation_histograms",
    "draw_gradient_histograms",
    "draw_layer_scales",
    "draw_seed_curves",
    "draw_weight_matrices",
    "fixed_std",
    "init_sweep",
    "jacobian_singular_values",
    "layer_statistics",
    "orthogonal",
    "resolve_initializer",
    "standard_uniform",
    "steps_to_target",
    "sweep_table",
    "train_run",
    "unit_gap",
    "unit_std",
]


# --- initializers -------------------------------------------------------------------------------------------------
def fixed_std(std: float) -> Callable:
    """An initializer drawing N(0, std**2) whatever the fans: the "just pick a small number" recipe."""

    def initializer(shape, rng=None, dtype=np.float32, gain=1.0):
        return initializers.normal(shape, gain * std, rng, dtype)

    initializer.__name__ = initializer.__qualname__ = f"std={std:g}"
    return initializer


def standard_uniform(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """Glorot & Bengio's "standard" initialization U(-1/sqrt(fan_in), 1/sqrt(fan_in)), variance 1 / (3 fan_in)."""
    fan_in, _ = initializers.fan_in_fan_out(shape)
    if fan_in == 0:
        raise ValueError(f"cannot initialize a weight with a zero fan_in, shape {tuple(shape)}")
    return initializers.uniform(shape, gain / math.sqrt(fan_in), rng, dtype)


def orthogonal(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """A random (semi-)orthogonal dense weight (Saxe et al. 2014), times ``gain``.

    ``shape = (fan_in, fan_out)``: the columns are orthonormal when fan_in >= fan_out (``W.T @ W = I``), the rows
    otherwise (``W @ W.T = I``), so every singular value of W is exactly ``gain``. Drawn from the uniform (Haar)
    distribution: the QR decomposition of a standard-normal matrix, with the signs of R's diagonal moved into Q
    (without them Q is biased).
    """
    if len(tuple(shape)) != 2:
        raise ValueError(f"orthogonal needs a dense weight shape (fan_in, fan_out), got {tuple(shape)}")
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"dtype must be a floating-point type such as np.float32, got {np.dtype(dtype)}")
    if not (isinstance(gain, numbers.Real) and math.isfinite(gain) and gain >= 0):
        raise ValueError(f"gain must be a finite number >= 0, got {gain!r}")
    fan_in, fan_out = initializers.fan_in_fan_out(shape)
    if min(fan_in, fan_out) == 0:
        raise ValueError(f"cannot initialize a weight with a zero fan, shape {tuple(shape)}")
    gaussian = initializers.normal((max(fan_in, fan_out), min(fan_in, fan_out)), 1.0, rng, np.float64)
    q, r = np.linalg.qr(gaussian)  # q: (max, min), orthonormal columns
    q *= np.sign(np.diag(r))
    weight = q if fan_in >= fan_out else q.T  # (fan_in, fan_out)
    return (gain * weight).astype(dtype)


INITIALIZERS: dict[str, Callable] = {
    "std=0.01": fixed_std(0.01),
    "standard": standard_uniform,
    "xavier_normal": initializers.xavier_normal,
    "he_normal": initializers.he_normal,
    "std=1": fixed_std(1.0),
}
"""The initializers the chapter's figures compare: too small, Glorot & Bengio's standard, Xavier, He, too large."""

HISTOGRAM_RANGE = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, 4.0)}
"""x-range of the activation histograms; values outside are piled into the edge bins."""


def resolve_initializer(init: str | Callable) -> Callable:
    """The initializer function for a key of ``INITIALIZERS``, a ``dnnopt.init`` name, or a callable."""
    if isinstance(init, str) and init in INITIALIZERS:
        return INITIALIZERS[init]
    return initializers.get(init)


def distinct_units(W: np.ndarray, rtol: float = 1e-6) -> int:
    """Number of different hidden units (columns) of W (fan_in, fan_out), up to floating-point rounding.

    Two columns count as one unit when no entry differs by more than ``rtol`` times the largest |weight|: the
    default, 1e-6, is about 8 float32 rounding steps (float32 resolves 1.2e-7 relative). Columns that exact
    arithmetic keeps equal can differ by a step or two, since a matrix product may sum in a different order for
    different columns.
    """
    if W.ndim != 2:
        raise ValueError(f"W must be a 2-D weight (fan_in, fan_out), got shape {W.shape}")
    tolerance = rtol * float(np.abs(W).max())
    representatives: list[np.ndarray] = []
    for column in W.T:
        if not any(np.abs(column - kept).max() <= tolerance for kept in representatives):
            representatives.append(column)
    return len(representatives)


def unit_gap(W: np.ndarray) -> float:
    """The largest difference between two hidden units' weights: max over inputs i and units j, k of |W_ij - W_ik|."""
    if W.ndim != 2:
        raise ValueError(f"W must be a 2-D weight (fan_in, fan_out), got shape {W.shape}")
    return float(np.ptp(W, axis=1).max())


# --- one forward and backward pass through a deep network ---------------------------------------------------------
@dataclass(frozen=True)
class LayerStats:
    """How activations and gradients scale through the hidden layers of one freshly initialized MLP (read-only).

    Two spreads of a layer's output h_l (N examples, width units): ``act_std`` is the std of all N * width values
    together (spread across units *and* examples: what a histogram of h_l shows); ``unit_std`` is the mean over units
    of each unit's std across the N examples (how much the layer's output depends on the input: 0 when every input
    gives the same h_l, however different the units are).
    """

    activations: tuple[np.ndarray, ...]  # each hidden layer's output h_l after the activation, (N, width), input first
    gradients: tuple[np.ndarray, ...]  # d(loss)/dh_l for each hidden layer, (N, width)
    act_std: np.ndarray  # (depth,) std of all values of h_l
    unit_std: np.ndarray  # (depth,) mean over units of the std of h_l across examples
    grad_std: np.ndarray  # (depth,) std of all values of d(loss)/dh_l: the backward signal

    def __post_init__(self) -> None:
        read_only(*self.activations, *self.gradients, self.act_std, self.unit_std, self.grad_std)


def unit_std(h: np.ndarray) -> float:
    """Mean over units (columns) of the std across examples (rows) of h (N, width)."""
    return float(h.std(axis=0).mean())


@functools.lru_cache(maxsize=128)
def layer_statistics(
    depth: int, activation: str, init: str | Callable, width: int = 128, n_samples: int = 128, seed: int = 0
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
    grads = tuple(probe.output_grads[:-1])
    return LayerStats(
        hidden,
        grads,
        np.array([h.std() for h in hidden]),
        np.array([unit_std(h) for h in hidden]),
        np.array([g.std() for g in grads]),
    )


def jacobian_singular_values(init: str | Callable, depth: int = 30, width: int = 64, seed: int = 0) -> np.ndarray:
    """Singular values (descending, (width,)) of W_1 W_2 ... W_depth, each W_l (width, width) from ``init``.

    This product is the input-output Jacobian of a deep *linear* network, the model Saxe et al. (2014) analyse:
    ``init`` sets how a small change of the input is stretched or squashed on its way to the output, direction by
    direction. Float64.
    """
    initializer = resolve_initializer(init)
    rng = np.random.default_rng(seed)
    product = np.eye(width)
    for _ in range(depth):
        product = product @ initializer((width, width), rng=rng, dtype=np.float64)  # (width, width)
    return np.linalg.svd(product, compute_uv=False)


# --- training runs on the digits ----------------------------------------------------------------------------------
@functools.lru_cache(maxsize=2)
def digits_split(inputs: str = "raw") -> data.Split:
    """The chapter's digits split (seed 0), read-only: ``"raw"`` pixels in [0, 1], or ``"centered"`` on the
    training set's mean image (the same shift applied to the validation images)."""
    split = data.digits(seed=0)
    if inputs == "centered":
        mean = split.X_train.mean(axis=0)  # (64,) the mean image
        split = data.Split(split.X_train - mean, split.y_train, split.X_val - mean, split.y_val)
    elif inputs != "raw":
        raise ValueError(f"inputs must be 'raw' or 'centered', got {inputs!r}")
    read_only(*split)
    return split


@dataclass(frozen=True)
class Recipe:
    """How ``train_run`` trains ``mlp([64] + [width] * depth + [10])``: SGD with momentum 0.9 (hashable)."""

    depth: int = 6  # hidden layers
    width: int = 64  # units per hidden layer
    epochs: int = 6
    lr: float = 0.05
    batch_size: int = 128
    clip_norm: float | None = None  # clip the global gradient norm before every step
    inputs: str = "raw"  # ``digits_split``: "raw" or "centered"


@dataclass(frozen=True)
class Run:
    """What one training run measured (read-only). Per-layer statistics cover the hidden layers, input side first,
    each the mean over an epoch's mini-batches (see ``dnnopt.train.History``)."""

    train_loss: np.ndarray  # (epochs,) loss on the whole training set after each epoch
    val_acc: np.ndarray  # (epochs,) validation accuracy after each epoch
    step_loss: np.ndarray  # (steps,) loss of every mini-batch
    act_mean: np.ndarray  # (epochs, depth) mean of h_l
    act_std: np.ndarray  # (epochs, depth) std of all values of h_l in a batch
    unit_std: np.ndarray  # (epochs, depth) mean over units of the std across a batch's examples
    diverged: bool  # the loss became non-finite and training stopped

    def __post_init__(self) -> None:
        read_only(self.train_loss, self.val_acc, self.step_loss, self.act_mean, self.act_std, self.unit_std)


@functools.lru_cache(maxsize=128)
def train_run(activation: str, init: str | Callable, seed: int, recipe: Recipe = Recipe()) -> Run:
    """Train ``mlp([64] + [recipe.width] * recipe.depth + [10])`` on the digits as ``recipe`` says (cached).

    ``seed`` draws the initial weights and shuffles the batches.
    """
    split = digits_split(recipe.inputs)
    model = models.mlp(
        [split.X_train.shape[1]] + [recipe.width] * recipe.depth + [10],
        activation=activation,
        init=resolve_initializer(init),
        rng=seed,
    )
    history = train.fit(
        model,
        split.X_train,
        split.y_train,
        optimizer=optim.SGD(model, lr=recipe.lr, momentum=0.9),
        epochs=recipe.epochs,
        batch_size=recipe.batch_size,
        clip_norm=recipe.clip_norm,
        val_data=(split.X_val, split.y_val),
        rng=seed,
        progress=False,
    )
    hidden = slice(0, recipe.depth)  # History's per-layer columns: the hidden blocks, then the output layer
    return Run(
        np.array(history.train_loss),
        np.array(history.val_acc),
        np.array(history.step_loss),
        history.act_mean[:, hidden],
        history.act_std[:, hidden],
        history.unit_std[:, hidden],
        history.diverged,
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
    inits: Mapping[str, str | Callable],
    activations: Sequence[str],
    seeds: Sequence[int],
    recipe: Recipe = Recipe(),
    target_loss: float = 0.5,
) -> list[SweepCell]:
    """Train every (initializer, activation) pair once per seed with ``train_run`` (cached runs).

    ``inits`` maps a label (shown in the table) to an initializer name or callable.
    """
    cells = []
    for label, init in inits.items():
        for activation in activations:
            runs = [train_run(activation, init, seed, recipe) for seed in seeds]
            cells.append(
                SweepCell(
                    init=label,
                    activation=activation,
                    val_acc=tuple(math.nan if r.diverged else float(r.val_acc[-1]) for r in runs),
                    steps=tuple(steps_to_target(r.step_loss, target_loss) for r in runs),
                    diverged=sum(r.diverged for r in runs),
                    total_steps=max(len(r.step_loss) for r in runs),
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


def sweep_table(cells: Sequence[SweepCell]) -> str:
    """A Markdown table: one row per initializer, accuracy and steps to the target for each activation."""
    activations = list(dict.fromkeys(c.activation for c in cells))
    inits = list(dict.fromkeys(c.init for c in cells))
    by_key = {(c.init, c.activation): c for c in cells}
    header = ["initializer"] + [f"{a}: {what}" for a in activations for what in ("val. accuracy", "steps")]
    rows = [[init] + [text for a in activations for text in _format_cell(by_key[init, a])] for init in inits]
    return markdown_table(header, rows)


# --- figures ------------------------------------------------------------------------------------------------------
def _layers_to_show(depth: int, max_layers: int) -> np.ndarray:
    """At most ``max_layers`` evenly spaced 0-based layer indices, always the first and the last."""
    return np.unique(np.linspace(0, depth - 1, min(depth, max_layers)).round().astype(int))


def _draw_ridges(
    ax: Axes,
    layers: Sequence[np.ndarray],
    stds: np.ndarray,
    value_range: tuple[float, float],
    max_layers: int,
    color: str,
    bins: int,
    drop_zeros: bool = False,
) -> None:
    """Per-layer histograms stacked from layer 1 (top) down to the last layer, each labelled with its std.

    Each histogram is scaled to the same height; values outside ``value_range`` are piled into the edge bins.
    """
    low, high = value_range
    edges = np.linspace(low, high, bins + 1)
    centers = 0.5 * (edges[:-1] + edges[1:])  # (bins,)
    shown = _layers_to_show(len(layers), max_layers)
    for row, layer in enumerate(shown):
        values = layers[layer].ravel()
        if drop_zeros:
            values = values[values != 0]
        counts, _ = np.histogram(np.clip(values, low, high), bins=edges)
        height = counts / max(counts.max(), 1) * 0.9  # (bins,)
        baseline = len(shown) - 1 - row  # layer 1 on top
        ax.fill_between(centers, baseline, baseline + height, color=color, alpha=0.5, linewidth=0)
        ax.plot(centers, baseline + height, color=color, linewidth=0.8)
        ax.text(1.01, baseline + 0.3, f"std {stds[layer]:.2g}", transform=ax.get_yaxis_transform(), fontsize="x-small")
    ax.set_yticks(np.arange(len(shown)), [str(layer + 1) for layer in shown[::-1]])
    ax.set_ylim(-0.2, len(shown))
    ax.set_xlim(low, high)
    ax.set_xticks(np.linspace(low, high, 5))
    ax.set_ylabel("hidden layer")
    ax.grid(axis="y", visible=False)


def draw_activation_histograms(
    ax: Axes, stats: LayerStats, activation: str, max_layers: int = 10, color: str = PALETTE[0], bins: int = 40
) -> None:
    """Histograms of each hidden layer's output h_l, layer 1 on top, each labelled with its std (``act_std``).

    ReLU outputs are shown without their exact zeros (about half of every layer), which would otherwise dwarf the
    rest of the histogram.
    """
    if activation not in HISTOGRAM_RANGE:
        raise ValueError(f"no histogram range for activation {activation!r}; expected one of {sorted(HISTOGRAM_RANGE)}")
    relu = activation == "relu"
    _draw_ridges(
        ax, stats.activations, stats.act_std, HISTOGRAM_RANGE[activation], max_layers, color, bins, drop_zeros=relu
    )
    ax.set_xlabel("activation value" + (" (> 0 only)" if relu else ""))


def draw_gradient_histograms(
    ax: Axes, stats: LayerStats, limit: float, max_layers: int = 10, color: str = PALETTE[0], bins: int = 40
) -> None:
    """Histograms of the back-propagated gradient d(loss)/dh_l of each hidden layer in [-limit, limit], layer 1 on top,
    each labelled with its std (``grad_std``)."""
    if not limit > 0:
        raise ValueError(f"limit must be positive, got {limit}")
    _draw_ridges(ax, stats.gradients, stats.grad_std, (-limit, limit), max_layers, color, bins)
    ax.set_xticks([-limit, 0.0, limit], [f"{-limit:g}", "0", f"{limit:g}"])  # plain labels, no offset text
    ax.set_xlabel(r"back-propagated gradient $\partial\mathcal{L}/\partial h_l$")


def draw_layer_scales(ax: Axes, curves: Mapping[str, np.ndarray], ylabel: str) -> None:
    """One line per label: a per-layer quantity (e.g. ``LayerStats.unit_std``) against the hidden layer, log scale."""
    for (label, values), color in zip(curves.items(), PALETTE, strict=False):
        ax.plot(np.arange(1, len(values) + 1), values, marker=".", color=color, label=label)
    log_axis(ax)
    ax.set_xlabel("hidden layer (1 = next to the input)")
    ax.set_ylabel(ylabel)


def draw_seed_curves(
    ax: Axes, curves: Mapping[str, Sequence[np.ndarray]], xlabel: str = "epoch", ylabel: str = "", log: bool = False
) -> None:
    """One colour per label and one line per seed (line styles in seed order), x counted from 1.

    ``curves`` maps a label to one 1-D array per seed; the legend names each label once.
    """
    for (label, per_seed), color in zip(curves.items(), PALETTE, strict=False):
        for seed_index, values in enumerate(per_seed):
            ax.plot(
                np.arange(1, len(values) + 1),
                values,
                color=color,
                linestyle=LINESTYLES[seed_index % len(LINESTYLES)],
                label=label if seed_index == 0 else None,
            )
    if log:
        log_axis(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def draw_weight_matrices(axes: Sequence[Axes], weights: Mapping[str, np.ndarray]) -> None:
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


# --- explorable ---------------------------------------------------------------------------------------------------
DEPTH = 30  # deep enough that a per-layer factor of 0.5 or 2 compounds to about 1e-9 or 1e9
ACTIVATIONS = ["sigmoid", "tanh", "relu"]
EXPLORABLE_INITS = ["std=0.01", "xavier_normal", "he_normal", "std=1"]


def _activation_histograms_frame(fig, activation: str, init: str, depth: int = DEPTH) -> None:
    """Left: per-layer activation histograms. Right: three spreads per layer (log scale)."""
    stats = layer_statistics(depth, activation, init)
    hist_ax, scale_ax = fig.subplots(
        1, 2, width_ratios=[1.25, 1], gridspec_kw=dict(left=0.07, right=0.985, bottom=0.13, top=0.74, wspace=0.5)
    )
    draw_activation_histograms(hist_ax, stats, activation)
    draw_layer_scales(
        scale_ax,
        {
            "std of all of $h_l$": stats.act_std,
            "per-unit std of $h_l$": stats.unit_std,
            r"std of $\partial\mathcal{L}/\partial h_l$": stats.grad_std,
        },
        "std (log scale)",
    )
    scale_ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False, fontsize="small"
    )  # above the axes: never on the lines
    # one title for both panels: each axes title costs a layout pass per frame
    fig.suptitle(
        f"{activation}, {init}: activations of ten layers (left), spreads through {depth} layers (right)",
        fontsize="medium",
    )


def activation_histograms() -> Explorable:
    """Per-layer activation histograms and signal scales of a 30-layer MLP for a chosen activation and initializer.

    12 frames (3 activations x 4 initializers), each one forward and backward pass of 128 standard-normal samples
    through 30 hidden layers of width 128 (``layer_statistics``). All 12 passes run here, once (cached), so that a
    live update only redraws.
    """
    for activation in ACTIVATIONS:
        for init in EXPLORABLE_INITS:
            layer_statistics(DEPTH, activation, init)
    return Explorable(
        _activation_histograms_frame,
        controls={"activation": ACTIVATIONS, "init": EXPLORABLE_INITS},
        defaults={"activation": "tanh", "init": "xavier_normal"},
        figsize=(7.5, 3.6),
        layout="none",  # the frame sets fixed margins: no layout pass (None would mean the style's constrained layout)
        alt=f"Left: histograms of the activations of ten evenly spaced hidden layers of a {DEPTH}-layer network, "
        "stacked from the first layer at the top to the last at the bottom, each labelled with its standard "
        "deviation. Right: three spreads at every hidden layer on a log scale: the standard deviation of all of a "
        "layer's outputs, the per-unit standard deviation across inputs, and the standard deviation of the "
        "back-propagated gradient. Controls choose the activation function and the initializer.",
    )
