"""Experiments, figures and the explorable of the batch-normalization chapter (``book/batchnorm.md``).

* ``bn_run``: a deep MLP trained on digits with or without batch norm, for a network setting (activation and
  initializer) and a learning rate, keeping a read-only copy of the model after every epoch. Cached: the chapter's
  figures and its explorable share the runs.
* ``first_batch_statistics`` / ``with_statistics``: the "frozen first batch" bug, reproduced on a trained model.
* ``batch_statistic_spread``, ``train_mode_accuracy``: how noisy batch statistics are for a batch size.
* ``RandomAffine``: the noise Santurkar et al. (2018) inject after batch norm to *add* internal covariate shift.
* ``loss_along_gradient``: how much the loss varies along the gradient direction (the loss landscape's smoothness).
* figures: ``draw_step_losses``, ``draw_lr_sweep``, ``draw_statistic_spread``, ``draw_epoch_curves``.
* explorable: ``batchnorm_vs_lr``.
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from matplotlib.axes import Axes

from dnnopt import data, init, models, optim, train
from dnnopt._checks import as_rng
from dnnopt.functional import softmax_cross_entropy
from dnnopt.layers import BatchNorm, Layer, Sequential

from .experiments import experiment_split, read_only_model
from .explorable import Explorable
from .figures import PALETTE, log_axis

__all__ = [
    "LEARNING_RATES",
    "SEEDS",
    "SETTINGS",
    "SETUP",
    "BNRun",
    "BNSetup",
    "FrozenStatisticsBatchNorm",
    "IoffeRun",
    "RandomAffine",
    "batch_statistic_spread",
    "batchnorm_layers",
    "batchnorm_vs_lr",
    "bn_run",
    "build_model",
    "draw_epoch_curves",
    "draw_ioffe",
    "draw_lr_sweep",
    "draw_statistic_spread",
    "draw_step_losses",
    "first_batch_statistics",
    "input_shift",
    "ioffe_run",
    "loss_along_gradient",
    "noisy_bn_run",
    "normalized_statistics",
    "relative_update",
    "seeded",
    "smooth",
    "train_epochs",
    "train_mode_accuracy",
    "with_random_affine",
    "with_statistics",
]


def _scaled_he_normal(shape, rng=None, dtype=np.float32, gain=1.0):
    """He initialization with a standard deviation ten times too small: a poor initialization."""
    return init.he_normal(shape, rng=rng, dtype=dtype, gain=0.1 * gain)


SETTINGS: dict[str, tuple[str, object]] = {
    "ReLU, He init": ("relu", "he_normal"),
    "ReLU, He init / 10": ("relu", _scaled_he_normal),
    "sigmoid, Xavier init": ("sigmoid", "xavier_normal"),
}
"""Network settings the chapter compares: name -> (activation, initializer)."""

LEARNING_RATES = (0.03, 0.1, 0.3, 1.0)
"""Learning rates of the sweep (plain SGD)."""


@dataclass(frozen=True)
class BNSetup:
    """A deep, narrow MLP on digits, trained briefly with plain SGD."""

    depth: int = 8  # hidden layers
    width: int = 64
    epochs: int = 6
    batch_size: int = 64
    n_train: int = 1280  # 20 full mini-batches of 64 (a last, smaller batch would upset batch norm: see the chapter)
    val_fraction: float = 0.25  # 449 validation images
    drop_last: bool = False  # skip each epoch's incomplete last mini-batch (``fit(drop_last=True)``)
    seed: int = 0  # split, initial weights and shuffling


SETUP = BNSetup()
"""The setup of the chapter's experiments."""

SEEDS = (0, 1, 2)
"""The seeds every conclusion of the chapter rests on (split, initial weights and shuffling)."""


def seeded(setup: BNSetup, seed: int) -> BNSetup:
    """``setup`` with another seed: another split, other initial weights, another shuffling."""
    return replace(setup, seed=seed)


def batchnorm_layers(model: Layer) -> list[BatchNorm]:
    """Every ``BatchNorm`` inside ``model``, input side first."""
    if isinstance(model, BatchNorm):
        return [model]
    return [bn for _, child in model.named_children() for bn in batchnorm_layers(child)]


@dataclass(frozen=True)
class BNRun:
    """One training run, epoch by epoch: a value (the cache hands out the same object to every caller).

    The snapshots' parameters and buffers are read-only: evaluate them as they are, ``copy.deepcopy`` one to change it.
    """

    step_loss: tuple[float, ...] = ()  # training-mode loss of every mini-batch
    train_loss: tuple[float, ...] = ()  # evaluation-mode loss on the training set, per epoch
    val_acc: tuple[float, ...] = ()  # evaluation-mode validation accuracy, per epoch
    snapshots: tuple[Sequential, ...] = ()  # the model before training and after every epoch
    diverged: bool = False

    def __post_init__(self) -> None:
        for model in self.snapshots:
            read_only_model(model)


def build_model(setting: str, batchnorm: bool, setup: BNSetup = SETUP) -> Sequential:
    """``mlp([64] + [width] * depth + [10])`` for a ``SETTINGS`` name, with or without batch norm."""
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}; expected one of {list(SETTINGS)}")
    activation, initializer = SETTINGS[setting]
    return models.mlp(
        [64] + [setup.width] * setup.depth + [10],
        activation=activation,
        init=initializer,
        batchnorm=batchnorm,
        rng=setup.seed,
    )


def train_epochs(model: Sequential, split: data.Split, lr: float, setup: BNSetup = SETUP) -> BNRun:
    """Train ``model`` in place with SGD, one ``fit`` call per epoch, copying the model after each epoch.

    The shuffling generator and the optimizer carry over from epoch to epoch, so this is the same training as one
    ``fit(epochs=setup.epochs)`` call.
    """
    step_loss, train_loss, val_acc, snapshots = [], [], [], [copy.deepcopy(model)]
    diverged = False
    optimizer, rng = optim.SGD(model, lr=lr), np.random.default_rng(setup.seed)
    for _ in range(setup.epochs):
        history = train.fit(
            model,
            split.X_train,
            split.y_train,
            optimizer=optimizer,
            epochs=1,
            batch_size=setup.batch_size,
            drop_last=setup.drop_last,
            val_data=(split.X_val, split.y_val),
            restore_best=False,
            statistics=False,  # the per-layer statistics are not used here: a third of each step saved
            rng=rng,
        )
        step_loss += history.step_loss
        if history.diverged:
            diverged = True
            break
        train_loss += history.train_loss
        val_acc += history.val_acc
        snapshots.append(copy.deepcopy(model))
    return BNRun(tuple(step_loss), tuple(train_loss), tuple(val_acc), tuple(snapshots), diverged)


@functools.lru_cache(maxsize=64)
def _bn_run(setting: str, lr: float, batchnorm: bool, setup: BNSetup) -> BNRun:
    return train_epochs(build_model(setting, batchnorm, setup), experiment_split(setup), lr, setup)


def bn_run(setting: str, lr: float, batchnorm: bool, setup: BNSetup = SETUP) -> BNRun:
    """The MLP of ``setting`` (a ``SETTINGS`` name) trained with SGD at ``lr``, with or without batch norm (cached)."""
    return _bn_run(setting, float(lr), bool(batchnorm), setup)


# --- inference statistics ----------------------------------------------------------------------------------------


def first_batch_statistics(model: Sequential, X_batch: np.ndarray) -> dict[str, np.ndarray]:
    """The buffers a buggy layer would keep forever: every batch-norm layer's statistics of ``X_batch`` alone.

    Runs a training-mode forward pass on a copy of ``model`` with momentum 1 (running = batch); returns its buffers
    (``state_dict`` keys), ready for ``with_statistics``.
    """
    probe = copy.deepcopy(model)
    for layer in batchnorm_layers(probe):
        layer.momentum = 1.0
    probe.forward(X_batch, training=True)
    return {key: value.copy() for key, value in probe.buffers.items()}


def with_statistics(model: Sequential, buffers: Mapping[str, np.ndarray]) -> Sequential:
    """A copy of ``model`` whose batch-norm running averages are replaced by ``buffers``."""
    patched = copy.deepcopy(model)
    patched.load_state_dict({**patched.params, **buffers})
    return patched


def train_mode_accuracy(model: Sequential, X: np.ndarray, y: np.ndarray, batch_size: int, seed: int = 0) -> float:
    """Accuracy when ``model`` predicts in *training* mode, batch by batch: each prediction uses its batch's statistics.

    Works on a copy (training mode updates the running averages in place). The batches are a random partition of X;
    a last incomplete batch is dropped, so every prediction comes from a batch of exactly ``batch_size``.
    """
    if batch_size < 2:
        raise ValueError(f"batch norm needs batches of at least 2 samples, got {batch_size}")
    scratch = copy.deepcopy(model)
    order = as_rng(seed).permutation(len(X))
    n_full = len(X) // batch_size * batch_size
    correct = [
        scratch.forward(X[batch], training=True).argmax(axis=1) == y[batch]
        for batch in order[:n_full].reshape(-1, batch_size)
    ]
    return float(np.mean(correct))


def batch_statistic_spread(
    values: np.ndarray, batch_sizes: Sequence[int], n_batches: int = 1000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """How much a batch's mean and (biased) standard deviation of ``values`` (N,) vary from batch to batch.

    Draws ``n_batches`` batches (without replacement inside a batch) per batch size. Returns two arrays of shape
    (len(batch_sizes),): the standard deviation across batches of the batch mean and of the batch std, each divided
    by the std of ``values`` (so 0.1 means "10% of the feature's spread").
    """
    rng = as_rng(seed)
    scale = values.std()
    mean_spread, std_spread = [], []
    for size in batch_sizes:
        if not 2 <= size <= len(values):
            raise ValueError(f"batch sizes must be between 2 and {len(values)}, got {size}")
        keys = rng.random((n_batches, len(values)))  # (n_batches, N): a random order per batch
        batches = values[np.argpartition(keys, size - 1, axis=1)[:, :size]]  # (n_batches, size), no repeats
        mean_spread.append(batches.mean(axis=1).std() / scale)
        std_spread.append(batches.std(axis=1).std() / scale)
    return np.array(mean_spread), np.array(std_spread)


class FrozenStatisticsBatchNorm(BatchNorm):
    """A hand-written batch norm with three bugs, each of them seen in real code; the chapter shows each failing.

    1. ``forward`` stores the first batch's mean and (biased) variance and normalizes *every* later batch with them,
       in training as at inference;
    2. ``backward`` is the compact batch-norm gradient, right for batch statistics but not for the frozen ones the
       forward pass actually used, so it fails a gradient check from the second batch on;
    3. ``backward`` then updates ``gamma`` and ``beta`` itself by the raw batch sums ``dgamma`` and ``dbeta``, with
       no learning rate, and the optimizer updates them a second time.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, dtype=np.float32) -> None:
        super().__init__(num_features, eps=eps, dtype=dtype)
        self.frozen: tuple[np.ndarray, np.ndarray] | None = None  # (mean, var) of the first batch

    def forward(self, x, training=True):
        if self.frozen is None:  # BUG 1: set once, never updated
            self.frozen = (x.mean(axis=0), x.var(axis=0))
        mean, var = self.frozen
        inv_std = 1 / np.sqrt(var + x.dtype.type(self.eps))  # (D,)
        x_hat = (x - mean) * inv_std  # (N, D)
        self._cache = (x_hat, inv_std)
        return self.params["gamma"] * x_hat + self.params["beta"]

    def backward(self, dout):
        x_hat, inv_std = self._forward_cache()
        N = dout.shape[0]
        dbeta, dgamma = dout.sum(axis=0), (dout * x_hat).sum(axis=0)  # (D,), (D,)
        # BUG 2: the gradient of batch statistics, but the forward pass used constants
        dx = self.params["gamma"] * inv_std / N * (N * dout - dbeta - x_hat * dgamma)  # (N, D)
        self.grads = {"gamma": dgamma, "beta": dbeta}
        self.params["gamma"] -= dgamma  # BUG 3: an update inside backward, not scaled by any learning rate
        self.params["beta"] -= dbeta
        return dx


def normalized_statistics(model: Sequential, X: np.ndarray, training: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over the batch ``X`` of every feature at every batch-norm layer's output (before the activation).

    Runs on a copy of an ``mlp(..., batchnorm=True)``; returns two arrays of shape (n_batchnorm, width). With batch
    statistics they are beta and about gamma; with other statistics they are whatever those statistics make them.
    """
    scratch, h = copy.deepcopy(model), X
    means, stds = [], []
    for block in scratch.layers[:-1]:
        linear, norm, *rest = block.layers
        u = norm.forward(linear.forward(h, training), training)  # (N, width) the normalized pre-activation
        means.append(u.mean(axis=0))
        stds.append(u.std(axis=0))
        h = Sequential(*rest).forward(u, training)
    return np.array(means), np.array(stds)


def relative_update(model: Sequential, X: np.ndarray, y: np.ndarray, lr: float) -> np.ndarray:
    """``lr * ||dW|| / ||W||`` of every hidden ``Linear`` for one SGD step on (X, y): how far a step turns W.

    Runs on a copy in training mode. Returns an array of shape (n_hidden_linear,).
    """
    scratch = copy.deepcopy(model)
    _, dlogits = softmax_cross_entropy(scratch.forward(X, training=True), y)
    scratch.backward(dlogits)
    linears = [layer for _, layer in train.linear_layers(scratch)][:-1]
    return np.array([lr * np.linalg.norm(layer.grads["W"]) / np.linalg.norm(layer.params["W"]) for layer in linears])


# --- why does it work? -------------------------------------------------------------------------------------------


class RandomAffine(Layer):
    """Adds internal covariate shift on purpose: a random per-feature scale and shift, redrawn at every training step.

    In training, ``out = x * a + c`` with ``a ~ U(1 - scale, 1 + scale)`` and ``c ~ U(-shift, shift)`` per feature,
    new each forward pass, so the next layer's input distribution moves at every step (Santurkar et al., 2018,
    inject such noise after batch norm). The identity in evaluation mode.

    An instrument of this chapter's experiment, not a layer a network is built from: it has no parameters and no
    kernel in ``dnnopt.functional``, and no model outside this experiment uses it, so it stays here rather than in
    ``dnnopt.layers``. It keeps the ``Layer`` contract (its gradient is checked like a layer's, with
    ``dnnopt.gradcheck.check_layer``) so that it can sit inside an ``mlp``.
    """

    def __init__(self, shift: float = 0.5, scale: float = 0.5, rng=None) -> None:
        super().__init__()
        self.shift, self.scale, self.rng = shift, scale, as_rng(rng)

    def forward(self, x, training=True):
        if not training:
            self._cache = 1.0
            return x
        n_features = x.shape[1]
        a = self.rng.uniform(1 - self.scale, 1 + self.scale, n_features).astype(x.dtype)  # (D,)
        c = self.rng.uniform(-self.shift, self.shift, n_features).astype(x.dtype)  # (D,)
        self._cache = a
        return x * a + c

    def backward(self, dout):
        return dout * self._forward_cache()

    def __repr__(self) -> str:
        return f"RandomAffine(shift={self.shift}, scale={self.scale})"


def with_random_affine(model: Sequential, shift: float = 0.5, scale: float = 0.5, seed: int = 1) -> Sequential:
    """Insert a ``RandomAffine`` right after the batch norm of every hidden block of an ``mlp(..., batchnorm=True)``."""
    rng = np.random.default_rng(seed)
    for block in model.layers[:-1]:
        position = next(i for i, layer in enumerate(block.layers) if isinstance(layer, BatchNorm))
        block.layers.insert(position + 1, RandomAffine(shift, scale, rng))
    return model


def noisy_bn_run(lr: float, setting: str = "ReLU, He init", setup: BNSetup = SETUP) -> BNRun:
    """The batch-norm MLP with ``RandomAffine`` after every batch norm, trained like ``bn_run`` (cached)."""
    return _noisy_bn_run(float(lr), setting, setup)


@functools.lru_cache(maxsize=8)
def _noisy_bn_run(lr: float, setting: str, setup: BNSetup) -> BNRun:
    model = with_random_affine(build_model(setting, True, setup), seed=setup.seed + 1)
    return train_epochs(model, experiment_split(setup), lr, setup)


def loss_along_gradient(model: Sequential, X: np.ndarray, y: np.ndarray, step_sizes: Sequence[float]) -> np.ndarray:
    """Loss at ``w - eta * g`` for each step size ``eta``, with ``g`` the gradient at ``w`` on (X, y).

    Santurkar et al. (2018) measure the smoothness of the loss landscape by how much these values vary. Both the
    gradient and the losses are computed in training mode (batch statistics of X) on a copy of ``model``; a step
    that overflows gives an infinite loss.
    Returns an array of shape (len(step_sizes),).
    """
    scratch = copy.deepcopy(model)
    _, dlogits = softmax_cross_entropy(scratch.forward(X, training=True), y)
    scratch.backward(dlogits)
    start = {key: value.copy() for key, value in scratch.params.items()}
    gradient = {key: value.copy() for key, value in scratch.grads.items()}
    losses = []
    for eta in step_sizes:
        for key, param in scratch.params.items():
            param[...] = start[key] - eta * gradient[key]
        with np.errstate(over="ignore", invalid="ignore"):  # a huge step may overflow: that loss is inf
            logits = scratch.forward(X, training=True)
        losses.append(softmax_cross_entropy(logits, y)[0] if np.isfinite(logits).all() else math.inf)
    return np.array(losses)


def input_shift(run: BNRun, X_probe: np.ndarray) -> np.ndarray:
    """How much the input of every hidden ``Linear`` after the first moves from epoch to epoch.

    For each snapshot, a training-mode pass of ``X_probe`` on a copy gives each hidden block's output, the next
    ``Linear``'s input; the change of each feature's mean over ``X_probe`` from one epoch to the next, averaged over
    the features, is divided by their mean std (a dead ReLU unit has std 0), then averaged over epochs.
    Returns an array of shape (n_hidden - 1,): one value per hidden ``Linear`` input, input side first.
    """
    means, stds = [], []
    for model in run.snapshots:
        outputs = copy.deepcopy(model).forward_all(X_probe, training=True)[:-1]  # each (N, width)
        means.append([h.mean(axis=0) for h in outputs])
        stds.append([h.std(axis=0) for h in outputs])
    means, stds = np.array(means), np.array(stds)  # (epochs + 1, n_hidden, width)
    moves = np.abs(np.diff(means, axis=0)).mean(axis=2) / stds[:-1].mean(axis=2)  # (epochs, n_hidden)
    return moves.mean(axis=0)[:-1]


@dataclass(frozen=True)
class IoffeRun:
    """Ioffe & Szegedy's fig. 1 at small scale: a 3-layer sigmoid MLP, accuracy and one unit's input over steps."""

    steps: np.ndarray  # (n_points,) training steps at which the network was measured
    val_acc: np.ndarray  # (n_points,) validation accuracy
    percentiles: np.ndarray  # (n_points, 3) 15th, 50th, 85th percentile of one last-layer sigmoid's input

    def __post_init__(self) -> None:
        for array in (self.steps, self.val_acc, self.percentiles):
            array.flags.writeable = False


def _sigmoid_input(model: Sequential, X: np.ndarray, unit: int) -> np.ndarray:
    """The input of ``unit``'s sigmoid in the last hidden layer, inference mode. Shape (N,)."""
    h = X
    for block in model.layers[:-2]:
        h = block.forward(h, training=False)
    *before_sigmoid, _ = model.layers[-2].layers
    for layer in before_sigmoid:
        h = layer.forward(h, training=False)
    return h[:, unit]


@functools.lru_cache(maxsize=8)
def ioffe_run(batchnorm: bool, seed: int, steps: int = 300, every: int = 15, lr: float = 0.5) -> IoffeRun:
    """A 64-100-100-100-10 sigmoid MLP (Xavier init) trained on digits with SGD, measured every ``every`` steps.

    Like Ioffe & Szegedy (2015, fig. 1), on MNIST with three hidden layers of 100 sigmoids, at a smaller scale.
    """
    setup = replace(SETUP, seed=seed)
    split = experiment_split(setup)
    model = models.mlp([64, 100, 100, 100, 10], activation="sigmoid", init="xavier_normal", batchnorm=batchnorm,
                       rng=seed)  # fmt: skip
    record: dict[str, list] = {"steps": [], "val_acc": [], "percentiles": []}

    def measure(step: int, model: Layer) -> None:
        if step % every == 0:
            record["steps"].append(step)
            record["val_acc"].append(train.evaluate(model, split.X_val, split.y_val)[1])
            record["percentiles"].append(np.percentile(_sigmoid_input(model, split.X_val, 0), [15, 50, 85]))

    epochs = math.ceil(steps / (len(split.X_train) // setup.batch_size))
    train.fit(model, split.X_train, split.y_train, optimizer=optim.SGD(model, lr=lr), epochs=epochs,
              batch_size=setup.batch_size, on_step=measure, statistics=False, rng=seed)  # fmt: skip
    keep = np.array(record["steps"]) <= steps
    return IoffeRun(*(np.array(values)[keep] for values in record.values()))


# --- figures -----------------------------------------------------------------------------------------------------


def smooth(values: Sequence[float], window: int = 10) -> np.ndarray:
    """Moving average over ``window`` steps (shorter at the start), same length as ``values``."""
    values = np.asarray(values, dtype=float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    starts = np.maximum(np.arange(1, len(values) + 1) - window, 0)
    return (cumulative[1:] - cumulative[starts]) / (np.arange(1, len(values) + 1) - starts)


_STYLES = {
    "without batch norm": (PALETTE[0], "-"),
    "with batch norm": (PALETTE[1], "-"),
    "batch norm + random shift/scale": (PALETTE[2], "--"),
    "layer norm": (PALETTE[4], "-."),
}


def _line_style(label: str, index: int, styles: Mapping[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """(colour, linestyle) for a line: from ``styles``, else the chapter's fixed ones, else the palette in order."""
    return {**_STYLES, **(styles or {})}.get(label, (PALETTE[index % len(PALETTE)], "-"))


def draw_step_losses(ax: Axes, runs: Mapping[str, BNRun], window: int = 10) -> None:
    """Training-mode mini-batch loss against the step (moving average), one line per run; divergence marked."""
    for index, (label, run) in enumerate(runs.items()):
        color, linestyle = _line_style(label, index)
        losses = np.asarray(run.step_loss, dtype=float)
        finite = np.isfinite(losses)
        ax.plot(
            np.flatnonzero(finite) + 1,
            smooth(losses[finite], window),
            color=color,
            linestyle=linestyle,
            label=label + (" (diverged)" if run.diverged else ""),
        )
    log_axis(ax)
    ax.set_xlabel("training step")
    ax.set_ylabel(f"mini-batch loss ({window}-step average)")


def draw_lr_sweep(
    loss_ax: Axes, acc_ax: Axes, sweeps: Mapping[str, Sequence[BNRun]], learning_rates: Sequence[float]
) -> None:
    """Final training loss and validation accuracy against the learning rate; a cross marks a diverged run."""
    for index, (label, runs) in enumerate(sweeps.items()):
        color, linestyle = _line_style(label, index)
        final_loss = [run.train_loss[-1] if not run.diverged else np.nan for run in runs]
        final_acc = [run.val_acc[-1] if not run.diverged else np.nan for run in runs]
        loss_ax.plot(learning_rates, final_loss, marker="o", color=color, linestyle=linestyle, label=label)
        acc_ax.plot(learning_rates, final_acc, marker="o", color=color, linestyle=linestyle, label=label)
        for lr in [lr for lr, run in zip(learning_rates, runs, strict=True) if run.diverged]:
            loss_ax.plot(lr, 3.0, "x", color=color, markersize=9, markeredgewidth=2)
            loss_ax.annotate(
                "diverged",
                (lr, 3.0),
                xytext=(-8, 0),
                textcoords="offset points",
                ha="right",
                va="center",
                color=color,
                fontsize="small",
            )
    for ax in (loss_ax, acc_ax):
        ax.set_xscale("log")
        ax.set_xticks(learning_rates, [f"{lr:g}" for lr in learning_rates])
        ax.set_xlabel("learning rate (log scale)")
    log_axis(loss_ax)
    loss_ax.set_ylabel("final training loss (log scale)")
    acc_ax.set_ylabel("final validation accuracy")
    acc_ax.set_ylim(0.0, 1.0)


def draw_statistic_spread(
    ax: Axes, batch_sizes: Sequence[int], mean_spread: np.ndarray, std_spread: np.ndarray
) -> None:
    """Batch-to-batch spread of the batch mean and std against the batch size (log-log), with 1/sqrt(B)."""
    sizes = np.asarray(batch_sizes, dtype=float)
    ax.plot(sizes, mean_spread, marker="o", color=PALETTE[0], label="batch mean")
    ax.plot(sizes, std_spread, marker="s", color=PALETTE[1], label="batch standard deviation")
    ax.plot(sizes, 1 / np.sqrt(sizes), color="0.5", linestyle=":", label=r"$1/\sqrt{B}$")
    ax.set_xscale("log", base=2)
    log_axis(ax)
    ax.set_xticks(sizes, [f"{int(b)}" for b in sizes])
    ax.set_xlabel("batch size B (log scale)")
    ax.set_ylabel("spread across batches / feature std")


def draw_epoch_curves(
    ax: Axes, curves: Mapping[str, Sequence[float]], ylabel: str, styles: Mapping[str, tuple[str, str]] | None = None
) -> None:
    """One line per label of a per-epoch quantity, epoch 1 first; ``styles`` maps labels to (colour, linestyle)."""
    for index, (label, values) in enumerate(curves.items()):
        color, linestyle = _line_style(label, index, styles)
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", color=color, linestyle=linestyle, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)


def draw_ioffe(acc_ax: Axes, pct_axes: Sequence[Axes], runs: Mapping[str, IoffeRun]) -> None:
    """Ioffe & Szegedy's fig. 1: validation accuracy against the step (one line per run) on ``acc_ax``, and the
    15th, 50th and 85th percentiles of one sigmoid's input against the step, one run per axes of ``pct_axes``."""
    for index, ((label, run), pct_ax) in enumerate(zip(runs.items(), pct_axes, strict=True)):
        color, linestyle = _line_style(label, index)
        acc_ax.plot(run.steps, run.val_acc, color=color, linestyle=linestyle, label=label)
        for column, style in zip(range(3), (":", "-", ":"), strict=True):
            pct_ax.plot(run.steps, run.percentiles[:, column], color=color, linestyle=style)
        pct_ax.set_title(label)
        pct_ax.set_xlabel("training step")
        pct_ax.set_ylabel("sigmoid input (15/50/85%)")
    acc_ax.set_xlabel("training step")
    acc_ax.set_ylabel("validation accuracy")
    acc_ax.set_ylim(0.0, 1.0)


# --- explorable --------------------------------------------------------------------------------------------------
def _outcome(run) -> str:
    return "diverged" if run.diverged else f"validation accuracy {run.val_acc[-1]:.2f}"


def _batchnorm_vs_lr_frame(fig, lr: float, setting: str, setup: BNSetup = SETUP) -> None:
    """Mini-batch loss per step without and with batch norm; the title gives each final validation accuracy."""
    runs = {
        label: bn_run(setting, lr, batchnorm, setup)
        for label, batchnorm in (("without batch norm", False), ("with batch norm", True))
    }
    ax = fig.subplots()
    draw_step_losses(ax, runs)
    ax.set_ylim(0.02, 10.0)
    ax.legend(loc="lower left")
    plain, normalized = runs.values()
    ax.set_title(f"{setting}, lr = {lr:g}\nwithout batch norm: {_outcome(plain)}; with: {_outcome(normalized)}")


def batchnorm_vs_lr(setup: BNSetup = SETUP) -> Explorable:
    """The chapter's 8-layer MLP on digits, with and without batch norm, for each learning rate and setting.

    12 frames (4 learning rates x 3 settings). The 24 training runs (``bn_run``, cached and shared with the chapter)
    are done here, a few seconds the first time, so that moving a control only redraws.
    """
    for setting in SETTINGS:
        for lr in LEARNING_RATES:
            for batchnorm in (False, True):
                bn_run(setting, lr, batchnorm, setup)
    return Explorable(
        lambda fig, lr, setting: _batchnorm_vs_lr_frame(fig, lr, setting, setup),
        controls={"lr": list(LEARNING_RATES), "setting": list(SETTINGS)},
        defaults={"lr": 0.3, "setting": "ReLU, He init"},
        figsize=(8.0, 3.5),
        alt=f"Mini-batch training loss per step, on a log scale, of a {setup.depth}-layer MLP on digits without "
        "and with batch normalization, for the chosen learning rate and network setting (ReLU with He "
        "initialization, ReLU with a ten times too small initialization, or sigmoid with Xavier initialization). "
        "The title gives the final validation accuracy of both networks, or says that training diverged.",
    )
