"""Experiments, figures and the explorable of the dropout chapter (``book/dropout.md``).

* ``dropout_run``: an over-parameterized MLP trained on a few hundred digits for one drop probability ``p``, with a
  fraction of the training labels flipped to a wrong class (validation labels stay clean). Cached: the chapter and
  its explorable share the runs. ``seed_setup`` gives the same experiment for another seed.
* ``thinned_predictions`` / ``ensemble_accuracy`` / ``ensemble_loss`` / ``samples_to_match``: dropout as an
  ensemble of thinned networks, measured; ``exact_ensemble``: the whole ensemble of a tiny network, mask by mask.
* figures: ``draw_network`` (a network with dropped units), ``draw_dropout_curves``, ``draw_accuracy_vs_p``,
  ``draw_ensemble``.
* explorable: ``dropout_curves``.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from dnnopt import models, optim, train
from dnnopt._checks import as_rng
from dnnopt.functional import softmax
from dnnopt.layers import Dropout, Sequential

from .experiments import experiment_split
from .explorable import Explorable
from .figures import PALETTE, log_axis

__all__ = [
    "LABELS",
    "P_VALUES",
    "SEEDS",
    "SETUP",
    "DropoutRun",
    "DropoutSetup",
    "EnsembleMeans",
    "draw_accuracy_vs_p",
    "draw_dropout_curves",
    "draw_ensemble",
    "draw_network",
    "dropout_curves",
    "dropout_run",
    "ensemble_accuracy",
    "ensemble_loss",
    "exact_ensemble",
    "flip_labels",
    "samples_to_match",
    "seed_setup",
    "thinned_masks",
    "thinned_predictions",
]

P_VALUES = (0.0, 0.2, 0.5, 0.8)
"""The drop probabilities the chapter compares."""


@dataclass(frozen=True)
class DropoutSetup:
    """The experiment: an MLP with far more weights than training images."""

    n_train: int = 300  # training images: few enough for 26k weights to memorize them, wrong labels included
    width: int = 128  # two hidden layers: 64*128 + 128*128 + 128*10 = 26k weights
    epochs: int = 40
    batch_size: int = 50  # 300 / 50: six full mini-batches per epoch
    lr: float = 2e-3  # Adam
    val_fraction: float = 0.5  # 898 clean validation images: 1% of accuracy is 9 images
    seed: int = 0  # data split, label flips, initial weights, masks and shuffling


SETUP = DropoutSetup()
"""The setup of the chapter's experiment."""

SEEDS = (0, 1, 2, 3, 4)
"""The seeds the chapter's conclusions rest on."""


def seed_setup(seed: int, setup: DropoutSetup = SETUP) -> DropoutSetup:
    """The same experiment with another seed: another data split, label flips, initial weights, masks and order."""
    return dataclasses.replace(setup, seed=seed)


@dataclass(frozen=True)
class DropoutRun:
    """One trained network (``dropout_run`` hands out a copy of the cached run: change it freely)."""

    p: float
    label_noise: float
    history: train.History
    model: Sequential
    flipped: np.ndarray  # (n_train,) bool: which training labels were changed
    memorized: float  # fraction of the flipped training images predicted as their *wrong* label
    true_train_loss: list[float]  # per epoch: eval-mode loss on the training images with their *true* labels
    true_train_acc: float  # final eval-mode accuracy on the training images with their true labels

    @property
    def gap(self) -> float:
        """Overfitting, measured cleanly: final validation loss minus training loss on the true labels."""
        return self.history.val_loss[-1] - self.true_train_loss[-1]


def flip_labels(y: np.ndarray, fraction: float, rng=None, n_classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Give a random ``fraction`` of the labels a different class, chosen uniformly among the other classes.

    Returns ``(y_noisy, flipped)``: a new label array and a boolean mask of the changed entries, both of y's shape.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    rng = as_rng(rng)
    flipped = rng.random(y.shape) < fraction
    offsets = rng.integers(1, n_classes, size=y.shape)  # 1 .. n_classes - 1: never the true class
    y_noisy = np.where(flipped, (y + offsets) % n_classes, y).astype(y.dtype)
    return y_noisy, flipped


def dropout_run(p: float, label_noise: float = 0.2, setup: DropoutSetup = SETUP) -> DropoutRun:
    """Train ``mlp([64, width, width, 10], dropout=p)`` with Adam on ``setup.n_train`` digits.

    A fraction ``label_noise`` of the training labels is flipped (the same images for every ``p``); the initial
    weights and the order of the mini-batches are the same for every ``p``, so runs differ only by dropout.
    Cached, however the arguments are spelled (the chapter and its explorable share the runs); each call returns
    its own copy (about a millisecond), since a run holds a model and a ``History`` that cannot be frozen.
    """
    return copy.deepcopy(_dropout_run(float(p), float(label_noise), setup))


@functools.lru_cache(maxsize=48)  # the chapter trains 32 runs
def _dropout_run(p: float, label_noise: float, setup: DropoutSetup) -> DropoutRun:
    split = experiment_split(setup)
    y_train, flipped = flip_labels(split.y_train, label_noise, rng=setup.seed)
    model = models.mlp([split.X_train.shape[1], setup.width, setup.width, 10], dropout=p, rng=setup.seed)
    steps_per_epoch = -(-setup.n_train // setup.batch_size)
    true_train = []  # (loss, accuracy) on the true labels at the end of each epoch

    def record(step: int, trained: Sequential) -> None:  # with clean labels fit's own training loss is this one
        if step % steps_per_epoch == 0 and flipped.any():
            true_train.append(train.evaluate(trained, split.X_train, split.y_train))

    history = train.fit(
        model,
        split.X_train,
        y_train,
        optimizer=optim.Adam(model, lr=setup.lr),
        epochs=setup.epochs,
        batch_size=setup.batch_size,
        val_data=(split.X_val, split.y_val),
        restore_best=False,
        on_step=record,
        statistics=False,
        rng=setup.seed,
    )
    predicted = model.forward(split.X_train[flipped], training=False).argmax(axis=1)
    memorized = float(np.mean(predicted == y_train[flipped])) if flipped.any() else float("nan")
    true_train = true_train or list(zip(history.train_loss, history.train_acc, strict=True))
    losses = [float(loss) for loss, _ in true_train]
    return DropoutRun(p, label_noise, history, model, flipped, memorized, losses, float(true_train[-1][1]))


# --- dropout as an ensemble ------------------------------------------------------------------------------------------


def thinned_predictions(model: Sequential, X: np.ndarray, n_networks: int, seed: int = 0) -> np.ndarray:
    """Class probabilities of ``n_networks`` thinned networks: training-mode passes, each with fresh masks.

    Works on a copy whose dropout layers draw from ``seed``, so ``model`` is left untouched.
    Returns an array of shape (n_networks, N, n_classes).
    """
    thinned = copy.deepcopy(model)
    rng = np.random.default_rng(seed)
    for layer in thinned.layers:
        if isinstance(layer, Dropout):
            layer.rng = rng
    return np.stack([softmax(thinned.forward(X, training=True)) for _ in range(n_networks)])  # (K, N, C)


def ensemble_accuracy(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Accuracy of the average of the first k thinned networks' probabilities, for k = 1 .. K.

    ``probabilities`` has shape (K, N, C) (from ``thinned_predictions``); returns shape (K,).
    """
    return (_running_mean(probabilities).argmax(axis=2) == y).mean(axis=1)


def ensemble_loss(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cross-entropy of the average of the first k thinned networks' probabilities, for k = 1 .. K: shape (K,)."""
    return -np.log(_running_mean(probabilities)[:, np.arange(len(y)), y]).mean(axis=1)


def _running_mean(probabilities: np.ndarray) -> np.ndarray:
    """(K, N, C) -> (K, N, C): entry k - 1 is the mean of the first k networks' probabilities."""
    return np.cumsum(probabilities, axis=0) / np.arange(1, len(probabilities) + 1)[:, None, None]


def samples_to_match(accuracy_by_k: np.ndarray, target: float) -> int | None:
    """The smallest k whose k-network average is at least as accurate as ``target`` (None if no k up to K is)."""
    reached = np.flatnonzero(np.asarray(accuracy_by_k) >= target)
    return int(reached[0]) + 1 if len(reached) else None


@dataclass(frozen=True)
class EnsembleMeans:
    """Class probabilities of a whole dropout ensemble and of the weight-scaled network, each of shape (C,)."""

    arithmetic: np.ndarray  # the probability-weighted average of the thinned networks' predictions
    geometric: np.ndarray  # their probability-weighted geometric mean, renormalized to sum to 1
    weight_scaled: np.ndarray  # one pass with every unit present (inverted dropout: evaluation mode)


def _all_masks(n: int) -> np.ndarray:
    """Every keep-pattern of n units: shape (2**n, n), bool."""
    return (np.arange(2**n)[:, None] >> np.arange(n)) & 1 == 1


def exact_ensemble(
    x: np.ndarray, layers: Sequence[tuple[np.ndarray, np.ndarray]], p: float, dropped: Sequence[bool]
) -> EnsembleMeans:
    """Enumerate every thinned network of a small ReLU MLP on one input ``x`` (D,), in float64.

    ``layers`` is a list of (W (D_in, D_out), b (D_out,)); a ReLU sits between layers, softmax at the end.
    ``dropped[l]`` puts inverted dropout with drop probability ``p`` on the inputs of layer l. Each of the
    2**(number of dropped units) masks is weighted by its probability (1 - p)**kept * p**dropped.
    """
    if len(dropped) != len(layers):
        raise ValueError(f"one dropped flag per layer: {len(layers)} layers, {len(dropped)} flags")
    widths = [W.shape[0] for W, _ in layers]
    n = sum(width for width, drop in zip(widths, dropped, strict=True) if drop)
    if n > 16:
        raise ValueError(f"{n} dropped units would mean 2**{n} thinned networks; use at most 16")
    masks = _all_masks(n)  # (M, n)
    weights = np.prod(np.where(masks, 1 - p, p), axis=1)  # (M,): probability of each mask, summing to 1

    def logits(keep: np.ndarray | None) -> np.ndarray:  # keep (M, n) or None (every unit, no scaling): (M, C)
        h, start = np.tile(np.asarray(x, np.float64), (1 if keep is None else len(keep), 1)), 0
        for index, ((W, b), drop) in enumerate(zip(layers, dropped, strict=True)):
            if drop and keep is not None:
                h = h * keep[:, start : start + W.shape[0]] / (1 - p)
                start += W.shape[0]
            h = h @ W + b
            if index < len(layers) - 1:
                h = np.maximum(h, 0.0)
        return h

    z = logits(masks)  # (M, C): every thinned network's logits
    shifted = z - z.max(axis=1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (M, C)
    arithmetic = weights @ np.exp(log_probabilities)
    geometric = np.exp(weights @ log_probabilities)
    return EnsembleMeans(arithmetic, geometric / geometric.sum(), softmax(logits(None))[0])


# --- figures ---------------------------------------------------------------------------------------------------------


def thinned_masks(sizes: Sequence[int], p: float, rng=None) -> list[np.ndarray]:
    """Which units survive in one thinned network: a boolean array per layer, input and output layers kept."""
    rng = as_rng(rng)
    return [np.ones(n, bool) if i in (0, len(sizes) - 1) else rng.random(n) >= p for i, n in enumerate(sizes)]


def draw_network(ax: Axes, sizes: Sequence[int], kept: Sequence[np.ndarray] | None = None, title: str = "") -> None:
    """A fully connected network as circles and lines; units not in ``kept`` are crossed out with their edges gone."""
    kept = kept if kept is not None else [np.ones(n, bool) for n in sizes]
    height = max(sizes)
    positions = [(height - 1) / 2 + (np.arange(n) - (n - 1) / 2) for n in sizes]  # centred columns
    for layer, (left, right) in enumerate(itertools.pairwise(positions)):
        for i, y_left in enumerate(left):
            for j, y_right in enumerate(right):
                if kept[layer][i] and kept[layer + 1][j]:
                    ax.plot([layer, layer + 1], [y_left, y_right], color="0.6", linewidth=0.6, zorder=1)
    for layer, ys in enumerate(positions):
        face = PALETTE[2] if layer == 0 else PALETTE[3] if layer == len(sizes) - 1 else PALETTE[0]
        for y, alive in zip(ys, kept[layer], strict=True):
            if alive:
                ax.scatter(layer, y, s=260, color=face, edgecolor="black", linewidth=0.8, zorder=2)
            else:
                ax.scatter(layer, y, s=260, facecolor="white", edgecolor="0.7", linewidth=0.8, zorder=2)
                ax.scatter(layer, y, s=120, marker="x", color="0.45", linewidth=1.5, zorder=3)
    names = ["input"] + [f"hidden {i}" for i in range(1, len(sizes) - 1)] + ["output"]
    ax.set_xticks(range(len(sizes)), names)
    ax.set_yticks([])
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-0.8, height - 0.2)
    ax.grid(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", length=0)
    ax.set_title(title)


def draw_dropout_curves(axes: Sequence[Axes], runs: Sequence[DropoutRun]) -> None:
    """One panel per run: training loss (on the labels it was trained on, and on the true labels) and validation loss.

    ``axes`` may be a row or a grid (flattened); epoch and loss labels go on the bottom row and the left column.
    """
    axes = list(axes)
    for ax, run in zip(axes, runs, strict=True):
        epochs = np.arange(1, len(run.history.train_loss) + 1)
        ax.plot(epochs, run.history.train_loss, color=PALETTE[0], label="training loss, labels trained on")
        if run.label_noise > 0:
            ax.plot(epochs, run.true_train_loss, color=PALETTE[2], linestyle=":", label="training loss, true labels")
        ax.plot(epochs, run.history.val_loss, color=PALETTE[1], linestyle="--", label="validation loss")
        best = int(np.argmin(run.history.val_loss))
        ax.plot(best + 1, run.history.val_loss[best], "o", color=PALETTE[1], markersize=4)
        log_axis(ax, "y")
        ax.set_title(f"p = {run.p:g}")
        if ax.get_subplotspec().is_last_row():
            ax.set_xlabel("epoch")
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel("cross-entropy (log scale)")


def _draw_over_seeds(ax: Axes, ps: Sequence[float], values: np.ndarray, **style) -> None:
    """The mean over seeds (line and markers) and the lowest to highest seed (a vertical bar); values (n_p, n_seeds)."""
    mean = values.mean(axis=1)
    spread = np.stack([mean - values.min(axis=1), values.max(axis=1) - mean])
    ax.errorbar(ps, mean, yerr=spread, capsize=3, **style)


def draw_accuracy_vs_p(
    ax: Axes, runs_by_p: Sequence[Sequence[DropoutRun]], clean_by_p: Sequence[Sequence[DropoutRun]] = ()
) -> None:
    """Final training and validation accuracy against p, mean over seeds with the lowest-to-highest seed as a bar.

    ``runs_by_p[i]`` holds one run per seed for the i-th p (flipped labels); ``clean_by_p`` the same with clean labels.
    """
    ps = [runs[0].p for runs in runs_by_p]
    curves = {
        "training accuracy (flipped labels)": (runs_by_p, lambda run: run.history.train_acc[-1], "o", "-", 0),
        "validation accuracy (flipped labels)": (runs_by_p, lambda run: run.history.val_acc[-1], "s", "-", 1),
        "validation accuracy (clean labels)": (clean_by_p, lambda run: run.history.val_acc[-1], "^", ":", 2),
    }
    for label, (by_p, final, marker, line, colour) in curves.items():
        if by_p:
            values = np.array([[final(run) for run in runs] for runs in by_p])  # (n_p, n_seeds)
            _draw_over_seeds(ax, ps, values, marker=marker, linestyle=line, color=PALETTE[colour], label=label)
    correct = 1.0 - float(np.mean([np.mean(run.flipped) for run in runs_by_p[0]]))
    ax.axhline(correct, color="0.5", linewidth=1, linestyle="-.", label="share of training labels that are correct")
    ax.set_xticks(ps)
    ax.set_xlabel("drop probability p")
    ax.set_ylabel("accuracy after training")


def draw_ensemble(ax: Axes, accuracy_by_k: np.ndarray, eval_accuracy: float, single_accuracies: np.ndarray) -> None:
    """Accuracy of the average of k thinned networks against k, the single thinned networks, and eval mode."""
    k = np.arange(1, len(accuracy_by_k) + 1)
    ax.scatter(
        np.ones_like(single_accuracies),
        single_accuracies,
        s=10,
        color=PALETTE[5],
        alpha=0.6,
        label="single thinned networks",
        zorder=2,
    )
    ax.plot(k, accuracy_by_k, color=PALETTE[0], label="average of the first k thinned networks")
    ax.axhline(eval_accuracy, color=PALETTE[3], linestyle="--", label="one pass in eval mode (no dropout)")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
    ax.set_xlabel("number of thinned networks averaged, k (log scale)")
    ax.set_ylabel("validation accuracy")


# --- explorable -----------------------------------------------------------------------------------------------------
LABELS = {"20% flipped": 0.2, "clean": 0.0}
"""Training-label settings the explorable offers: name -> fraction of flipped training labels."""


def _dropout_curves_frame(fig, p: float, labels: str, setup: DropoutSetup = SETUP) -> None:
    """Training and validation loss per epoch for ``p``, the validation loss of p = 0 in grey for reference."""
    run, reference = dropout_run(p, LABELS[labels], setup), dropout_run(0.0, LABELS[labels], setup)
    ax = fig.subplots()
    epochs = np.arange(1, len(run.history.train_loss) + 1)
    if p != 0.0:
        ax.plot(epochs, reference.history.val_loss, color="0.7", linewidth=1, label="validation, p = 0")
    ax.plot(epochs, run.history.train_loss, color=PALETTE[0], label="training")
    ax.plot(epochs, run.history.val_loss, color=PALETTE[1], linestyle="--", label="validation")
    ax.set_yscale("log")
    ax.set_ylim(0.01, 3.0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (log scale)")
    ax.legend(loc="lower left")
    ax.set_title(
        f"p = {p:g}, {labels} training labels: final accuracy {run.history.train_acc[-1]:.2f} (training), "
        f"{run.history.val_acc[-1]:.2f} (validation)"
    )


def dropout_curves(setup: DropoutSetup = SETUP) -> Explorable:
    """Loss curves of the chapter's over-parameterized MLP for each p, with noisy or clean labels.

    8 frames (4 drop probabilities x 2 label settings). The 8 training runs (``dropout_run``, cached and shared with
    the chapter) are done here, a few seconds the first time, so that moving a control only redraws.
    """
    for p in P_VALUES:
        for label_noise in LABELS.values():
            dropout_run(p, label_noise, setup)
    return Explorable(
        lambda fig, p, labels: _dropout_curves_frame(fig, p, labels, setup),
        controls={"p": list(P_VALUES), "labels": list(LABELS)},
        defaults={"p": 0.5, "labels": "20% flipped"},
        figsize=(8.0, 3.5),
        alt="Training and validation loss per epoch, on a log scale, of a two-hidden-layer MLP trained on 300 digits "
        "with the chosen drop probability; the validation loss without dropout is drawn in grey for reference, "
        "and the title gives the final training and validation accuracy. Controls choose p and whether 20% of "
        "the training labels are flipped.",
    )
