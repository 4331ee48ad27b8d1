"""The remedies for overfitting: more data, weight decay, early stopping, data augmentation, ensembles.

* ``early_stopping_point``: where early stopping with a given patience stops on a validation curve;
* ``LabelSmoothing``: a last layer that trains a classifier against smoothed targets;
* ``subset_ensembles``: loss and accuracy of every ensemble of a subset of trained models;
* figures: ``plot_learning_curve``, ``plot_weight_histograms``, ``plot_early_stopping``, ``plot_augmentation``,
  ``plot_ensemble``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from dnnopt import functional as F
from dnnopt._checks import check_float_array
from dnnopt.layers import Layer
from dnnopt.train import History

from ..figures import LINESTYLES, MARKERS, PALETTE, legend_below, log_axis, new_figure, style

__all__ = [
    "LabelSmoothing",
    "early_stopping_point",
    "plot_augmentation",
    "plot_early_stopping",
    "plot_ensemble",
    "plot_learning_curve",
    "plot_weight_histograms",
    "subset_ensembles",
]


# --- early stopping -------------------------------------------------------------------------------------------------
def early_stopping_point(val_loss: Sequence[float], patience: int) -> tuple[int, int]:
    """Where ``fit(..., patience=patience)`` stops on this validation curve: (best epoch, stopped epoch), 0-based.

    The rule of ``dnnopt.train.fit`` with ``min_delta=0``: stop after ``patience`` epochs in a row without a new
    lowest validation loss; the weights of the best epoch are restored. One long run's curve thus answers the
    question for every patience at once. If the curve ends first, the stopped epoch is its last one.
    """
    if not (isinstance(patience, int) and patience >= 1):
        raise ValueError(f"patience must be an int >= 1, got {patience!r}")
    if len(val_loss) == 0:
        raise ValueError("val_loss is empty: early stopping needs at least one epoch")
    best_epoch, waited = 0, 0
    for epoch in range(1, len(val_loss)):
        if val_loss[epoch] < val_loss[best_epoch]:
            best_epoch, waited = epoch, 0
        else:
            waited += 1
            if waited >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_loss) - 1


# --- label smoothing ------------------------------------------------------------------------------------------------
class LabelSmoothing(Layer):
    """The identity on the logits, whose backward pass trains against smoothed targets (Szegedy et al., 2016).

    The targets become ``q = (1 - smoothing) * one_hot(y) + smoothing / C``. Put the layer last in a ``Sequential``
    trained by ``fit`` with the cross-entropy: ``fit`` hands it ``dout = (softmax - one_hot) / N``, so
    ``one_hot = softmax - N * dout``, and the gradient for the smoothed targets needs no labels:
    ``(softmax - q) / N = (1 - smoothing) * dout + smoothing * (softmax - 1/C) / N``. Only training changes: the
    forward pass and the loss ``fit`` reports (plain cross-entropy) are those of the network without the layer.
    """

    def __init__(self, smoothing: float) -> None:
        super().__init__()
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
        self.smoothing = smoothing

    def forward(self, x, training=True):
        self._cache = x  # (N, C) logits
        return x

    def backward(self, dout):
        logits = self._forward_cache()
        n, n_classes = logits.shape
        smoothed = (1.0 - self.smoothing) * dout + self.smoothing * (F.softmax(logits) - 1.0 / n_classes) / n
        return smoothed.astype(dout.dtype)

    def __repr__(self) -> str:
        return f"LabelSmoothing(smoothing={self.smoothing})"


# --- ensembles --------------------------------------------------------------------------------------------------------
def subset_ensembles(probs: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Cross-entropy and accuracy of every ensemble that averages the probabilities of a subset of the models.

    Parameters
    ----------
    probs : array of shape (K, N, C), predicted class probabilities of K models on the same N samples
    labels : int array of shape (N,)

    Returns
    -------
    scores : list of K arrays; ``scores[k - 1]`` has shape (K choose k, 2): (loss, accuracy) of each k-model ensemble
    """
    check_float_array(probs, "probs", ndim=3)
    if labels.shape != probs.shape[1:2]:
        raise ValueError(f"labels must have shape ({probs.shape[1]},) to match probs {probs.shape}, got {labels.shape}")
    rows = np.arange(len(labels))
    scores = []
    for k in range(1, len(probs) + 1):
        averages = [probs[list(subset)].mean(axis=0) for subset in itertools.combinations(range(len(probs)), k)]
        scores.append(
            np.array([(-np.mean(np.log(p[rows, labels])), np.mean(p.argmax(axis=1) == labels)) for p in averages])
        )
    return scores


# --- figures ----------------------------------------------------------------------------------------------------------
def plot_learning_curve(
    n_train: Sequence[int], train_error: Sequence[float], val_error: Sequence[float], title: str
) -> Figure:
    """Training and validation error rate against the number of training samples (log x)."""
    fig, (ax,) = new_figure(figsize=(7.0, 3.4))
    with style():
        ax.plot(n_train, val_error, marker="o", color=PALETTE[1], label="validation error")
        ax.plot(n_train, train_error, marker="s", linestyle="--", color=PALETTE[0], label="training error")
        ax.fill_between(n_train, train_error, val_error, color=PALETTE[1], alpha=0.15, label="generalization gap")
        log_axis(ax, "x")
        ax.set_xticks(n_train, [str(n) for n in n_train])
        ax.set(title=title, xlabel="training samples (log scale)", ylabel="error rate (1 - accuracy)")
        ax.legend()
    return fig


def plot_weight_histograms(
    weights: Mapping[str, np.ndarray], curves: Mapping[str, Sequence[float]], bins: int = 60
) -> Figure:
    """Left: validation loss per epoch for each run. Right: histograms of one weight matrix per run (log counts).

    A run has the same colour and line style in both panels; one legend below the figure names them all.
    """
    fig, (left, right) = new_figure(2, figsize=(7.5, 4.0))
    styles = {
        label: {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % 4]} for i, label in enumerate(curves)
    }
    with style():
        for label, val_loss in curves.items():
            left.plot(np.arange(1, len(val_loss) + 1), val_loss, label=label, **styles[label])
        log_axis(left)
        left.set(title="Validation loss", xlabel="epoch", ylabel="cross-entropy (log scale)")
        limit = max(float(np.abs(w).max()) for w in weights.values())
        edges = np.linspace(-limit, limit, bins + 1)
        for label, w in weights.items():
            right.hist(w.ravel(), bins=edges, histtype="step", linewidth=1.8, **styles[label])
        log_axis(right)
        right.set(title="Hidden-to-hidden weights after training", xlabel="weight value", ylabel="count (log scale)")
        legend_below(fig)
    return fig


def plot_early_stopping(history: History, patiences: Sequence[int]) -> Figure:
    """A long run's validation and training loss, and where early stopping with each patience would stop.

    For each patience (``early_stopping_point`` on ``history.val_loss``): a star at the best epoch, whose weights
    are restored, and a vertical line at the epoch where training stops.
    """
    fig, (ax,) = new_figure(figsize=(7.0, 4.2))
    with style():
        epochs = np.arange(1, len(history.val_loss) + 1)
        ax.plot(epochs, history.val_loss, color="black", linewidth=1.2, label="validation loss")
        ax.plot(epochs, history.train_loss, color="grey", linestyle="--", linewidth=1.0, label="training loss")
        for i, patience in enumerate(patiences):
            best, stop = early_stopping_point(history.val_loss, patience)
            colour = PALETTE[(i + 1) % len(PALETTE)]
            ax.axvline(stop + 1, color=colour, linestyle=LINESTYLES[(i + 1) % 4], label=f"patience {patience}: stop")
            ax.plot(best + 1, history.val_loss[best], marker=MARKERS[i % len(MARKERS)], markersize=11, color=colour,
                    linestyle="none", label=f"patience {patience}: restored epoch {best + 1}")  # fmt: skip
        log_axis(ax)
        ax.set(
            title="Early stopping with three patiences on one validation curve",
            xlabel="epoch",
            ylabel="cross-entropy loss (log scale)",
        )
        legend_below(fig, ncols=2)
    return fig


def plot_augmentation(
    image: np.ndarray, shifted: Sequence[np.ndarray], accuracy: Mapping[str, Mapping[str, float]]
) -> Figure:
    """Left: one digit and shifted copies, framed. Right: accuracy of each run (``accuracy[run][test set]``)."""
    fig = Figure(figsize=(7.5, 3.4), layout="constrained")
    with style():
        images_fig, bars_fig = fig.subfigures(1, 2, width_ratios=[1.0, 1.3])
        tiles = images_fig.subplots(2, (len(shifted) + 2) // 2)
        for ax in tiles.ravel():
            ax.set_axis_off()
        for ax, picture, label in zip(
            tiles.ravel(),
            [image, *shifted],
            ["original", *[f"shifted {i + 1}" for i in range(len(shifted))]],
            strict=False,
        ):
            ax.set_axis_on()
            ax.imshow(picture.reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            ax.set(title=label, xticks=[], yticks=[])
            ax.spines[:].set_visible(True)  # the frame is the image border: it shows where the digit moved
        images_fig.suptitle("Augmented copies of one training image", fontsize="medium")
        ax = bars_fig.subplots()
        runs = list(accuracy)
        test_sets = list(accuracy[runs[0]])
        positions = np.arange(len(test_sets))
        width = 0.8 / len(runs)
        for i, run in enumerate(runs):
            values = [accuracy[run][t] for t in test_sets]
            x = positions + (i - (len(runs) - 1) / 2) * width
            ax.bar(x, values, width=width, color=PALETTE[i], hatch=["", "//", "..", "xx"][i % 4], label=run)
            for xi, v in zip(x, values, strict=True):
                ax.annotate(f"{v:.3f}", (xi, v), ha="center", va="bottom", fontsize="small")
        ax.set_xticks(positions, test_sets)
        ax.set(title="Validation accuracy", ylabel="accuracy", ylim=(0.0, 1.25))
        ax.set_yticks(np.linspace(0.0, 1.0, 6))
        ax.legend(loc="upper center", ncols=len(runs))
    return fig


def plot_ensemble(scores: Sequence[np.ndarray]) -> Figure:
    """Loss and accuracy of ensembles of k models against k: every subset as a dot, their mean as a line.

    ``scores`` is ``subset_ensembles``'s result: ``scores[k - 1]`` has one (loss, accuracy) row per k-model subset.
    """
    fig, axes = new_figure(2, figsize=(7.5, 3.6))
    k = np.arange(1, len(scores) + 1)
    with style():
        for ax, column, ylabel in ((axes[0], 0, "cross-entropy loss"), (axes[1], 1, "accuracy")):
            for size, rows in zip(k, scores, strict=True):
                ax.plot(
                    np.full(len(rows), size),
                    rows[:, column],
                    marker="o",
                    linestyle="none",
                    color=PALETTE[1],
                    alpha=0.6,
                    label="one ensemble (a subset of the models)" if size == 1 else None,
                )
            ax.plot(
                k,
                [rows[:, column].mean() for rows in scores],
                marker="s",
                color=PALETTE[0],
                label="mean over the subsets of that size",
            )
            ax.set(xlabel="k (models averaged)", ylabel=f"validation {ylabel}", xticks=k)
        axes[0].set_title("Averaging predicted probabilities")
        axes[1].set_title("Accuracy of the same ensembles")
        legend_below(fig, ncols=2)
    return fig
