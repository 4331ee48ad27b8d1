"""Mini-batch training with validation, early stopping and the statistics the book plots.

``fit`` records, per epoch, the train/validation loss and accuracy, each ``Linear`` layer's gradient norm and the
mean/std of each top-level layer's output: enough to plot vanishing and exploding gradients straight from a run.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import functional as F
from ._checks import as_rng, check_float_array
from .layers import Layer, Linear, Sequential
from .optim import SGD, Optimizer, clip_grad_norm

__all__ = ["History", "Probe", "evaluate", "fit", "linear_layers", "probe"]

LOSSES = {"cross_entropy": F.softmax_cross_entropy, "mse": F.mse}


def _loss_function(name: str):
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[name]


def linear_layers(model: Layer, prefix: str = "") -> list[tuple[str, Linear]]:
    """Every ``Linear`` inside ``model``, depth first, with its parameter-name prefix (e.g. ``"2.0"``)."""
    if isinstance(model, Linear):
        return [(prefix.rstrip("."), model)]
    return [pair for name, child in model.named_children() for pair in linear_layers(child, f"{prefix}{name}.")]


def _outputs(model: Layer, X: np.ndarray, training: bool) -> list[np.ndarray]:
    """Each top-level layer's output (for a ``Sequential``), or just the model's output."""
    if isinstance(model, Sequential):
        return model.forward_all(X, training)
    return [model.forward(X, training)]


def _accuracy(logits: np.ndarray, y: np.ndarray, loss: str) -> float:
    return float(np.mean(logits.argmax(axis=1) == y)) if loss == "cross_entropy" else math.nan


def _check_data(X, y, loss: str) -> None:
    check_float_array(X, "X", ndim=2)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if len(X) == 0:
        raise ValueError("cannot train or evaluate on an empty dataset")
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or inf; clean or impute the data first")
    _loss_function(loss)


def evaluate(model: Layer, X: np.ndarray, y: np.ndarray, loss: str = "cross_entropy") -> tuple[float, float]:
    """Loss and accuracy (NaN for ``mse``) in inference mode (dropout off, batch norm's running averages)."""
    _check_data(X, y, loss)
    prediction = model.forward(X, training=False)
    if not np.isfinite(prediction).all():
        return math.nan, math.nan
    value, _ = _loss_function(loss)(prediction, y)
    return value, _accuracy(prediction, y, loss)


@dataclass
class Probe:
    """One forward and backward pass, no update: gradients and activations at a glance."""

    loss: float
    grad_norms: np.ndarray  # (n_linear,) ||dW|| of each Linear, input side first
    activations: list[np.ndarray]  # each top-level layer's output
    output_grads: list[np.ndarray]  # dL/d(each top-level layer's output), same shapes as activations
    linear_names: list[str]

    @property
    def act_mean(self) -> np.ndarray:
        return np.array([a.mean() for a in self.activations])

    @property
    def act_std(self) -> np.ndarray:
        return np.array([a.std() for a in self.activations])


def _weight_grad_norms(linears: list[tuple[str, Linear]]) -> np.ndarray:
    return np.array([math.sqrt(float(np.vdot(layer.grads["W"], layer.grads["W"]))) for _, layer in linears])


def probe(model: Layer, X: np.ndarray, y: np.ndarray, loss: str = "cross_entropy", training: bool = True) -> Probe:
    """Run one forward and backward pass on (X, y) and report per-layer gradient norms and activations."""
    _check_data(X, y, loss)
    outputs = _outputs(model, X, training)
    value, dprediction = _loss_function(loss)(outputs[-1], y)
    if isinstance(model, Sequential):
        output_grads = [*model.backward_all(dprediction)[1:], dprediction]  # input grad of layer i+1 = output grad of i
    else:
        model.backward(dprediction)
        output_grads = [dprediction]
    linears = linear_layers(model)
    return Probe(value, _weight_grad_norms(linears), outputs, output_grads, [name for name, _ in linears])


@dataclass
class History:
    """What ``fit`` measured. Epochs are 0-based; per-epoch lists have one entry per epoch trained.

    Per-epoch statistics are means over the epoch's mini-batches. ``act_std`` is the std of all of a layer's outputs
    in a batch (spread across units *and* examples); ``unit_std`` is the mean over units of each unit's std across
    the batch's examples: near 0 when every input gives the same activations, whatever the units do.
    """

    train_loss: list[float] = field(default_factory=list)  # inference-mode loss on the training set, end of epoch
    val_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)  # training-mode loss of every mini-batch
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (epochs, n_linear): mean ||dW||
    act_mean: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (epochs, n_layers): output means
    act_std: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (epochs, n_layers): std over the batch
    unit_std: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (epochs, n_layers): see below
    linear_names: list[str] = field(default_factory=list)
    best_epoch: int | None = None  # epoch with the lowest validation loss (None without validation data)
    stopped_epoch: int = -1  # last epoch trained
    diverged: bool = False  # the loss became NaN or inf and training stopped


class _EarlyStopping:
    """Tracks the best validation loss; says stop after ``patience`` epochs without an improvement > min_delta."""

    def __init__(self, patience: int | None, min_delta: float) -> None:
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.waited = math.inf, None, 0

    def update(self, epoch: int, val_loss: float) -> bool:
        """Record an epoch; return True when it is the new best."""
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.waited = val_loss, epoch, 0
            return True
        self.waited += 1
        return False

    @property
    def should_stop(self) -> bool:
        return self.patience is not None and self.waited >= self.patience


def _batches(n_samples: int, batch_size: int, drop_last: bool, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's shuffled mini-batches of sample indices (without the short last one if ``drop_last``)."""
    order = rng.permutation(n_samples)
    batches = [order[start : start + batch_size] for start in range(0, n_samples, batch_size)]
    return batches[:-1] if drop_last and len(batches[-1]) < batch_size else batches


@dataclass
class _Trainer:
    """The parts of a ``fit`` call that stay fixed while it runs, and one training step."""

    model: Layer
    loss_function: Callable
    optimizer: Optimizer
    clip_norm: float | None
    on_step: Callable[[int, Layer], None] | None
    history: History
    linears: list[tuple[str, Linear]]
    statistics: bool

    def step(self, X_batch: np.ndarray, y_batch: np.ndarray) -> dict[str, list] | None:
        """One update on a mini-batch; returns its statistics (``History`` field -> one value per layer), or None
        when the network's output is no longer finite (diverged)."""
        outputs = _outputs(self.model, X_batch, training=True)
        if not np.isfinite(outputs[-1]).all():
            return None
        value, dprediction = self.loss_function(outputs[-1], y_batch)
        self.history.step_loss.append(value)
        self.model.backward(dprediction)
        stats = (
            {}
            if not self.statistics
            else {
                "grad_norms": _weight_grad_norms(self.linears),
                "act_mean": [h.mean() for h in outputs],
                "act_std": [h.std() for h in outputs],
                "unit_std": [h.std(axis=0).mean() for h in outputs],
            }
        )
        if self.clip_norm is not None:
            clip_grad_norm(self.model.grads, self.clip_norm)
        self.optimizer.step()
        if self.on_step is not None:
            self.on_step(len(self.history.step_loss), self.model)
        return stats


def fit(
    model: Layer,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: str = "cross_entropy",
    optimizer: Optimizer | None = None,
    epochs: int = 10,
    batch_size: int = 64,
    val_data=None,
    patience: int | None = None,
    min_delta: float = 0.0,
    restore_best: bool = True,
    clip_norm: float | None = None,
    drop_last: bool = False,
    on_step: Callable[[int, Layer], None] | None = None,
    statistics: bool = True,
    rng=None,
    progress: bool | None = None,
) -> History:
    """Train ``model`` on (X, y) with mini-batches and return its ``History``.

    Parameters
    ----------
    X, y : training data, X of shape (N, D); y int labels (N,) for ``cross_entropy`` or targets for ``mse``
    optimizer : default ``SGD(model, lr=0.1)``
    val_data : optional (X_val, y_val), evaluated after every epoch
    patience : stop after this many epochs in a row without a validation improvement larger than ``min_delta``
    restore_best : with early stopping (``patience``), load the weights of the best epoch when training ends
    clip_norm : clip the global gradient norm to this value before every step
    drop_last : skip each epoch's last mini-batch when it is smaller than ``batch_size`` (with batch norm a tiny
        last batch gives noisy statistics that also pollute the running averages)
    on_step : called as ``on_step(step, model)`` after every update, ``step`` counted from 1: step a learning-rate
        scheduler there, or record anything about the model
    statistics : record each step's gradient norms and activation statistics; False leaves those History arrays
        empty and saves about a third of a small network's step
    rng : shuffles the training set each epoch
    progress : show a progress bar; None shows one only on a terminal (quiet in tests and book builds)
    """
    _check_data(X, y, loss)
    if val_data is not None:
        _check_data(*val_data, loss)
    if patience is not None and val_data is None:
        raise ValueError("early stopping (patience) needs val_data to watch")
    if not (isinstance(epochs, int) and epochs >= 1 and isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"epochs and batch_size must be positive ints, got {epochs!r} and {batch_size!r}")
    if drop_last and batch_size > len(X):
        raise ValueError(f"drop_last with batch_size {batch_size} > {len(X)} samples would train on nothing")
    rng = as_rng(rng)
    linears = linear_layers(model)
    history = History(linear_names=[name for name, _ in linears])
    optimizer = optimizer or SGD(model, lr=0.1)
    trainer = _Trainer(model, _loss_function(loss), optimizer, clip_norm, on_step, history, linears, statistics)
    stopper = _EarlyStopping(patience, min_delta)
    best_state = None
    epoch_stats = []  # per epoch: the mean over its steps of each statistic ``_Trainer.step`` returns

    from tqdm.auto import tqdm  # imported here: it pulls in IPython machinery that plain imports of dnnopt don't need

    # None: a bar only on a terminal (tqdm's own detection would show one in every notebook and book page)
    show_progress = sys.stderr.isatty() if progress is None else progress
    # a diverging run overflows on its way to inf/NaN; the trainer detects that instead of warning on every op
    with (
        np.errstate(over="ignore", invalid="ignore"),
        tqdm(total=epochs, disable=not show_progress, leave=False) as bar,
    ):
        for epoch in range(epochs):
            step_stats = []
            for batch in _batches(len(X), batch_size, drop_last, rng):
                stats = trainer.step(X[batch], y[batch])
                if stats is None:
                    history.diverged = True
                    break
                step_stats.append(stats)
            if history.diverged:
                break
            epoch_stats.append({name: np.mean([step[name] for step in step_stats], axis=0) for name in step_stats[0]})
            history.stopped_epoch = epoch
            train_loss, train_acc = evaluate(model, X, y, loss=loss)
            history.train_loss.append(train_loss)
            history.train_acc.append(train_acc)
            bar.update()
            if val_data is None:
                continue
            val_loss, val_acc = evaluate(model, *val_data, loss=loss)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            if stopper.update(epoch, val_loss) and restore_best and patience is not None:
                best_state = model.state_dict()
            if stopper.should_stop:
                break

    history.best_epoch = stopper.best_epoch
    if best_state is not None:
        model.load_state_dict(best_state)
    n_layers = len(model.layers) if isinstance(model, Sequential) else 1
    widths = {"grad_norms": len(linears), "act_mean": n_layers, "act_std": n_layers, "unit_std": n_layers}
    for name, width in widths.items() if statistics else ():
        setattr(history, name, np.array([epoch[name] for epoch in epoch_stats]).reshape(-1, width))  # (epochs, width)
    return history
