"""Underfitting and overfitting in a neural network, the learning rate and the batch size: figures and measurements.

* ``gradient_noise`` and ``gradient_spread``: how far mini-batch gradients are from the full-batch gradient;
* figures: ``plot_loss_curves``, ``plot_decision_boundaries``, ``plot_lr_paths``, ``plot_step_losses``,
  ``plot_batch_size``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from dnnopt import functional as F
from dnnopt._checks import as_rng
from dnnopt.layers import Layer
from dnnopt.train import History

from ..figures import LINESTYLES, MARKERS, PALETTE, legend_below, log_axis, new_figure, style

__all__ = [
    "gradient_noise",
    "gradient_spread",
    "plot_batch_size",
    "plot_decision_boundaries",
    "plot_loss_curves",
    "plot_lr_paths",
    "plot_step_losses",
]


# --- gradient noise of mini-batches ---------------------------------------------------------------------------------
def _flat_gradient(model: Layer, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """All parameter gradients of the mean cross-entropy on (X, y), concatenated: shape (n_params,)."""
    _, dlogits = F.softmax_cross_entropy(model.forward(X, training=True), y)
    model.backward(dlogits)
    return np.concatenate([g.ravel() for _, g in sorted(model.grads.items())]).astype(np.float64)


def gradient_spread(model: Layer, X: np.ndarray, y: np.ndarray) -> float:
    """``(1/N) sum_i ||g_i - g||^2``: the spread of the N per-example gradients around the full-batch gradient."""
    full = _flat_gradient(model, X, y)  # (n_params,)
    return float(
        np.mean([np.sum((_flat_gradient(model, X[i : i + 1], y[i : i + 1]) - full) ** 2) for i in range(len(X))])
    )


def gradient_noise(
    model: Layer, X: np.ndarray, y: np.ndarray, batch_sizes: Sequence[int], n_draws: int = 20, rng=None
) -> np.ndarray:
    """Mean squared distance between a mini-batch gradient and the full-batch gradient, per batch size.

    Batches are drawn without replacement; the model is not updated. Returns an array of shape
    (len(batch_sizes),): the average over ``n_draws`` batches of ``||g_B - g||^2``.
    """
    rng = as_rng(rng)
    if any(not 1 <= b <= len(X) for b in batch_sizes):
        raise ValueError(f"batch sizes must be between 1 and the {len(X)} samples, got {list(batch_sizes)}")
    full = _flat_gradient(model, X, y)  # (n_params,)
    noise = []
    for batch_size in batch_sizes:
        draws = [rng.choice(len(X), size=batch_size, replace=False) for _ in range(n_draws)]
        noise.append(np.mean([np.sum((_flat_gradient(model, X[b], y[b]) - full) ** 2) for b in draws]))
    return np.array(noise)


# --- figures ----------------------------------------------------------------------------------------------------------
def plot_loss_curves(histories: Mapping[str, History], title: str) -> Figure:
    """Validation loss (solid) and training loss (dashed) per epoch for each labelled run (log scale)."""
    fig, (ax,) = new_figure(figsize=(7.0, 3.8))
    with style():
        for i, (label, history) in enumerate(histories.items()):
            epochs = np.arange(1, len(history.val_loss) + 1)
            ax.plot(epochs, history.val_loss, color=PALETTE[i % len(PALETTE)], label=label)
            ax.plot(epochs, history.train_loss, color=PALETTE[i % len(PALETTE)], linestyle="--")
        for linestyle, label in (("-", "validation"), ("--", "training")):
            ax.plot([], [], color="grey", linestyle=linestyle, label=label)  # legend entries for the line styles
        log_axis(ax)
        ax.set(title=title, xlabel="epoch", ylabel="cross-entropy loss (log scale)")
        legend_below(fig)
    return fig


def plot_decision_boundaries(models: Mapping[str, Layer], X: np.ndarray, y: np.ndarray, n_grid: int = 120) -> Figure:
    """One panel per two-input classifier: its predicted probability of class 1 and the training points."""
    fig, axes = new_figure(len(models), figsize=(2.5 * len(models), 3.0), sharey=True)
    pad = 0.5
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - pad, X.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, n_grid), np.linspace(x1_min, x1_max, n_grid))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1).astype(X.dtype)  # (n_grid**2, 2)
    with style():
        for ax, (label, model) in zip(axes, models.items(), strict=True):
            prob = F.softmax(model.forward(grid, training=False))[:, 1].reshape(g0.shape)  # (n_grid, n_grid)
            ax.contourf(g0, g1, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
            ax.contour(g0, g1, prob, levels=[0.5], colors="black", linewidths=1.5)
            for cls, (colour, marker) in enumerate(((PALETTE[0], "o"), (PALETTE[3], "s"))):
                ax.scatter(
                    *X[y == cls].T,
                    s=14,
                    color=colour,
                    marker=marker,
                    edgecolor="white",
                    linewidth=0.4,
                    label=f"class {cls}",
                )
            ax.set(title=label, xlabel="$x_1$")
            ax.grid(False)
        axes[0].set_ylabel("$x_2$")
        legend_below(fig)
    return fig


def plot_lr_paths(
    runs: Mapping[str, tuple[np.ndarray, np.ndarray]],
    design: np.ndarray,
    targets: np.ndarray,
    theta_star: np.ndarray,
    n_path_steps: int = 15,
) -> Figure:
    """Gradient descent on a least-squares line for several learning rates.

    Parameters
    ----------
    runs : label -> (path of shape (T + 1, 2), losses of shape (T,)), parameters (slope, intercept) per step
    design : (N, 2) matrix [x, 1]; targets : (N,); theta_star : (2,) the least-squares solution
    n_path_steps : steps drawn in parameter space

    Left: contours of the mean squared error and the first ``n_path_steps`` steps of every path. Right: the loss
    above its minimum, per step (log scale): straight lines mean a constant factor per step.
    """
    fig, (left, right) = new_figure(2, figsize=(7.5, 4.0))
    converged = [path for path, losses in runs.values() if losses[-1] <= losses[0]]
    points = np.concatenate([*converged, theta_star[None]])  # (P, 2): what the view must contain
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.25 * (high - low).max()
    w, b = np.meshgrid(
        np.linspace(low[0] - margin, high[0] + margin, 120), np.linspace(low[1] - margin, high[1] + margin, 120)
    )
    residuals = w[..., None] * design[:, 0] + b[..., None] * design[:, 1] - targets  # (120, 120, N)
    min_loss = float(np.mean((design @ theta_star - targets) ** 2))
    with style():
        left.contour(w, b, np.mean(residuals**2, axis=-1), levels=12, colors="grey", linewidths=0.6)
        left.plot(*theta_star, marker="*", markersize=14, color="black", linestyle="none")
        for i, (label, (path, losses)) in enumerate(runs.items()):
            style_kw = {
                "color": PALETTE[i % len(PALETTE)],
                "marker": MARKERS[i % 6],
                "markersize": 3,
                "linestyle": LINESTYLES[i % 4],
            }
            left.plot(path[: n_path_steps + 1, 0], path[: n_path_steps + 1, 1], linewidth=1.0, label=label, **style_kw)
            right.plot(np.arange(len(losses)), losses - min_loss, **style_kw)
        left.set(
            xlim=(w.min(), w.max()),
            ylim=(b.min(), b.max()),
            title=f"First {n_path_steps} steps from (0, 0); ★ = minimum",
            xlabel="slope w",
            ylabel="intercept b",
        )
        left.grid(False)
        log_axis(right)
        right.set(title="Loss above the minimum", xlabel="step", ylabel="MSE - min MSE (log scale)")
        legend_below(fig, ncols=len(runs))
    return fig


def plot_step_losses(histories: Mapping[str, History], title: str, smooth: int = 10) -> Figure:
    """Mini-batch training loss (moving average over ``smooth`` steps, log scale) of each labelled run."""
    fig, (ax,) = new_figure(figsize=(7.0, 3.8))
    kernel = np.ones(smooth) / smooth
    with style():
        for i, (label, history) in enumerate(histories.items()):
            loss = np.convolve(history.step_loss, kernel, mode="valid")
            ax.plot(
                np.arange(smooth, len(history.step_loss) + 1),
                loss,
                color=PALETTE[i % len(PALETTE)],
                linestyle=LINESTYLES[i % 4],
                label=label,
            )
        log_axis(ax)
        ax.set(title=title, xlabel="step", ylabel=f"training loss, mean of {smooth} steps (log scale)")
        legend_below(fig, ncols=len(histories))
    return fig


def plot_batch_size(
    batch_sizes: Sequence[int], noise: np.ndarray, predicted: np.ndarray, final_losses: Mapping[int, np.ndarray]
) -> Figure:
    """Left: gradient noise against batch size (log-log) with the sampling prediction. Right: final training and
    validation loss per batch size, averaged over seeds, with the mean gap annotated and each seed's validation loss
    as a dot.

    ``final_losses[batch_size]`` has shape (2 or more, n_seeds): row 0 the training loss, row 1 the validation loss.
    """
    fig, (left, right) = new_figure(2, figsize=(7.5, 3.6))
    with style():
        left.plot(batch_sizes, noise, marker="o", linestyle="none", color=PALETTE[0], label="measured")
        left.plot(batch_sizes, predicted, color=PALETTE[1], label="σ²/B · (N-B)/(N-1)")
        log_axis(left, "both")
        left.set(
            title="Noise of a mini-batch gradient",
            xlabel="batch size B (log scale)",
            ylabel="E ||g_B - g||² (log scale)",
        )
        left.legend(loc="lower left")
        positions = np.arange(len(final_losses))
        train_loss = np.array([losses[0] for losses in final_losses.values()])  # (n_sizes, n_seeds)
        val_loss = np.array([losses[1] for losses in final_losses.values()])  # (n_sizes, n_seeds)
        right.bar(positions - 0.2, train_loss.mean(axis=1), width=0.4, color=PALETTE[0], label="training")
        right.bar(positions + 0.2, val_loss.mean(axis=1), width=0.4, color=PALETTE[1], hatch="//", label="validation")
        for x, seeds in zip(positions + 0.2, val_loss, strict=True):
            right.plot(np.full(len(seeds), x), seeds, linestyle="none", marker="o", markersize=3, color="black")
        for x, top, gap in zip(positions, val_loss.max(axis=1), (val_loss - train_loss).mean(axis=1), strict=True):
            right.annotate(
                f"gap {gap:.3f}", (x, top), xytext=(0, 4), textcoords="offset points", ha="center", fontsize="small"
            )
        right.set_xticks(positions, [str(b) for b in final_losses])
        right.set(
            title="After the same number of updates",
            xlabel="batch size",
            ylabel="cross-entropy loss",
            ylim=(0.0, 1.25 * val_loss.max()),
        )
        right.legend(loc="upper left", ncols=2)
    return fig
