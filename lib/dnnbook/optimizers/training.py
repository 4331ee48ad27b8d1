"""The optimizers on a real network: a one-hidden-layer MLP on digits, trained for a few epochs with ``fit``.

One cached function, ``train_run(optimizer, lr, seed, schedule=..., ...)``, trains every configuration the chapter
needs; the learning-rate sweep, the loss curves, the schedules, the explorable and the weight-decay comparison share
its runs. Around it: ``good_range`` (how wide each optimizer's good learning rates are), ``gradient_noise``
(mini-batch gradient noise against the batch size) and ``range_test`` (Smith's learning-rate range test).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from dnnopt import optim
from dnnopt.functional import softmax_cross_entropy
from dnnopt.models import mlp
from dnnopt.train import fit

from ..experiments import experiment_split, read_only

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "SEEDS",
    "SETUP",
    "Run",
    "TrainingSetup",
    "good_range",
    "gradient_noise",
    "initial_gradient",
    "range_test",
    "schedule_factors",
    "train_run",
    "with_batch_size",
]

SEEDS = (0, 1, 2)
"""Every conclusion of the chapter rests on these three seeds (initial weights and mini-batch order)."""


@dataclass(frozen=True)
class TrainingSetup:
    """The chapter's network and data: small enough that a run is a few hundredths of a second of CPU."""

    sizes: tuple[int, ...] = (64, 64, 10)  # one hidden layer of 64 ReLU units, He initialization
    n_train: int = 1024  # training images: 16 mini-batches of 64
    val_fraction: float = 0.25  # 449 validation images
    batch_size: int = 64
    epochs: int = 3  # 48 steps at batch size 64
    seed: int = 0  # the data split (the run's own seed sets the weights and the batch order)

    @property
    def steps(self) -> int:
        """Optimizer steps in a run: mini-batches per epoch (the last one may be smaller) times epochs."""
        return math.ceil(self.n_train / self.batch_size) * self.epochs


SETUP = TrainingSetup()

OPTIMIZERS: dict[str, Callable[..., optim.Optimizer]] = {
    "SGD": lambda model, lr, weight_decay=0.0: optim.SGD(model, lr=lr, weight_decay=weight_decay),
    "momentum": lambda model, lr, weight_decay=0.0: optim.SGD(model, lr=lr, momentum=0.9, weight_decay=weight_decay),
    "Nesterov": lambda model, lr, weight_decay=0.0: optim.SGD(
        model, lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay
    ),
    "RMSprop": lambda model, lr, weight_decay=0.0: optim.RMSprop(model, lr=lr, weight_decay=weight_decay),
    "Adam": lambda model, lr, weight_decay=0.0: optim.Adam(model, lr=lr, weight_decay=weight_decay),
    "AdamW": lambda model, lr, weight_decay=0.01: optim.AdamW(model, lr=lr, weight_decay=weight_decay),
}
"""name -> factory(model, lr, weight_decay): ``dnnopt.optim`` with torch's defaults (momentum 0.9 for the SGD
variants). ``weight_decay`` is L2 through the gradient for all but AdamW, whose decay is decoupled (default 0.01)."""

SCHEDULES = ("constant", "step", "cosine", "warmup + cosine")
"""The learning-rate schedules of the chapter, as multiples of the peak rate over a run (``schedule_factors``)."""

WARMUP_FRACTION = 1 / 6  # warmup + cosine: a linear warmup over the first sixth of the steps (8 of 48)
WARMUP_START = 0.01  # ... from 1% of the peak rate


def _scheduler(name: str, optimizer: optim.Optimizer, steps: int) -> optim.LRScheduler | None:
    """The ``dnnopt.optim`` scheduler of a ``SCHEDULES`` name over ``steps`` steps (None: constant)."""
    if name == "constant":
        return None
    if name == "step":  # divide by 10 after each third of the run
        return optim.StepLR(optimizer, step_size=max(steps // 3, 1), gamma=0.1)
    if name == "cosine":
        return optim.CosineAnnealingLR(optimizer, T_max=steps)
    if name == "warmup + cosine":
        warmup = max(round(steps * WARMUP_FRACTION), 1)
        pieces = [
            optim.LinearLR(optimizer, start_factor=WARMUP_START, total_iters=warmup),
            optim.CosineAnnealingLR(optimizer, T_max=steps - warmup),
        ]
        return optim.SequentialLR(optimizer, pieces, milestones=[warmup])
    raise ValueError(f"unknown schedule {name!r}; expected one of {SCHEDULES}")


def schedule_factors(name: str, steps: int) -> np.ndarray:
    """The learning rate of each step as a multiple of the peak rate, from ``dnnopt``'s schedulers: (steps,)."""
    optimizer = optim.SGD([np.zeros(1)], lr=1.0)
    scheduler = _scheduler(name, optimizer, steps)
    factors = []
    for _ in range(steps):
        factors.append(optimizer.lr)
        if scheduler is not None:
            scheduler.step()
    return np.array(factors)


@dataclass(frozen=True)
class Run:
    """One training run (read-only arrays). Epoch statistics are on the whole training or validation set."""

    step_loss: np.ndarray  # (steps,) training-mode loss of each mini-batch
    lr: np.ndarray  # (steps,) the learning rate of each step
    train_loss: np.ndarray  # (epochs,) loss on the training set after each epoch
    val_loss: np.ndarray  # (epochs,)
    val_acc: np.ndarray  # (epochs,)
    first_weights: np.ndarray  # (64, hidden) the first layer's W at the end
    diverged: bool  # the output overflowed and training stopped

    def __post_init__(self) -> None:
        for name in ("step_loss", "lr", "train_loss", "val_loss", "val_acc", "first_weights"):
            array = np.array(getattr(self, name), dtype=np.float64)
            object.__setattr__(self, name, array)
            read_only(array)

    @property
    def final_loss(self) -> float:
        """Training loss at the end; infinite for a diverged run."""
        return math.inf if self.diverged or not len(self.train_loss) else float(self.train_loss[-1])


def _train(
    optimizer_name: str,
    lr: float,
    seed: int,
    setup: TrainingSetup,
    weight_decay: float | None,
    make_scheduler: Callable[[optim.Optimizer], optim.LRScheduler | None],
    set_lr: Callable[[int], float] | None = None,
) -> Run:
    """Train a fresh ``mlp(setup.sizes, rng=seed)`` with ``fit``; the scheduler (or ``set_lr(step)``) moves lr."""
    if optimizer_name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer_name!r}; expected one of {list(OPTIMIZERS)}")
    split = experiment_split(setup)
    model = mlp(list(setup.sizes), activation="relu", init="he_normal", rng=seed)
    decay = {} if weight_decay is None else {"weight_decay": weight_decay}
    optimizer = OPTIMIZERS[optimizer_name](model, lr, **decay)
    scheduler = make_scheduler(optimizer)
    lrs = [optimizer.lr]  # the rate of step 1; each on_step appends the rate of the next step

    def on_step(step: int, _model) -> None:
        if scheduler is not None:
            scheduler.step()
        if set_lr is not None:
            optimizer.lr = set_lr(step)
        lrs.append(optimizer.lr)

    history = fit(
        model,
        split.X_train,
        split.y_train,
        optimizer=optimizer,
        epochs=setup.epochs,
        batch_size=setup.batch_size,
        val_data=(split.X_val, split.y_val),
        on_step=on_step,
        statistics=False,  # the chapter reads losses only: a third less work per step
        rng=seed,
        progress=False,
    )
    n_steps = len(history.step_loss)
    return Run(
        step_loss=history.step_loss,
        lr=lrs[:n_steps],
        train_loss=history.train_loss,
        val_loss=history.val_loss,
        val_acc=history.val_acc,
        first_weights=model.params["0.0.W"],
        diverged=history.diverged,
    )


@functools.lru_cache(maxsize=512)
def _train_run(
    optimizer: str, lr: float, seed: int, schedule: str, weight_decay: float | None, setup: TrainingSetup
) -> Run:
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; expected one of {SCHEDULES}")
    return _train(optimizer, lr, seed, setup, weight_decay, lambda opt: _scheduler(schedule, opt, setup.steps))


def train_run(
    optimizer: str,
    lr: float,
    seed: int,
    schedule: str = "constant",
    weight_decay: float | None = None,
    setup: TrainingSetup = SETUP,
) -> Run:
    """The chapter's MLP trained with ``OPTIMIZERS[optimizer]`` at peak rate ``lr`` under ``schedule`` (cached).

    ``weight_decay=None`` keeps the optimizer's default (0, or 0.01 for AdamW).
    """
    decay = None if weight_decay is None else float(weight_decay)
    return _train_run(optimizer, float(lr), int(seed), schedule, decay, setup)


@functools.lru_cache(maxsize=16)
def range_test(optimizer: str, seed: int, lr_min: float, lr_max: float, setup: TrainingSetup = SETUP) -> Run:
    """Smith's learning-rate range test: one run whose rate grows exponentially from ``lr_min`` to ``lr_max``."""
    if not 0 < lr_min < lr_max:
        raise ValueError(f"need 0 < lr_min < lr_max, got {lr_min} and {lr_max}")
    last = setup.steps - 1
    return _train(
        optimizer, lr_min, seed, setup, None, lambda opt: None, lambda step: lr_min * (lr_max / lr_min) ** (step / last)
    )


def good_range(
    learning_rates: Sequence[float], final_losses: Sequence[float], factor: float = 2.0
) -> tuple[float, float]:
    """(low, high): the span of learning rates whose final loss is within ``factor`` of the best one.

    Between grid points the log of the loss is interpolated linearly in the log of the rate, so the span is not
    stuck to the grid; a diverged run counts as an infinite loss. A good range that reaches the end of the grid is
    cut there (its width is then a lower bound). Its width in decades is log10(high / low).
    """
    log_lr = np.log10(np.asarray(learning_rates, dtype=float))
    losses = np.asarray(final_losses, dtype=float)
    if log_lr.shape != losses.shape or len(log_lr) < 2 or np.any(np.diff(log_lr) <= 0):
        raise ValueError("need increasing learning rates and one final loss per rate")
    log_excess = np.log(np.where(np.isfinite(losses), losses, 1e30) / (factor * losses.min()))  # <= 0: good
    best = int(np.argmin(losses))
    edges = []
    for direction in (-1, 1):
        i = best
        while 0 <= i + direction < len(losses) and log_excess[i + direction] <= 0:
            i += direction
        j = i + direction
        if not 0 <= j < len(losses):
            edges.append(log_lr[i])
            continue
        fraction = log_excess[i] / (log_excess[i] - log_excess[j])  # where the interpolated excess crosses 0
        edges.append(log_lr[i] + fraction * (log_lr[j] - log_lr[i]))
    return float(10 ** edges[0]), float(10 ** edges[1])


def _flat_gradient(model, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The mini-batch gradient of the mean loss on (X, y), all parameters in one vector."""
    _, dlogits = softmax_cross_entropy(model.forward(X, training=True), y)
    model.backward(dlogits)
    return np.concatenate([g.ravel() for g in model.grads.values()]).astype(np.float64)


def initial_gradient(seed: int, batch_size: int = 64, setup: TrainingSetup = SETUP) -> tuple[np.ndarray, np.ndarray]:
    """(w, g): every initial parameter of seed ``seed``'s MLP and their gradient on the first ``batch_size``
    training images, each flattened into one float64 vector (n_params,)."""
    split = experiment_split(setup)
    model = mlp(list(setup.sizes), activation="relu", init="he_normal", rng=seed)
    gradient = _flat_gradient(model, split.X_train[:batch_size], split.y_train[:batch_size])
    return np.concatenate([p.ravel() for p in model.params.values()]).astype(np.float64), gradient


def gradient_noise(
    batch_sizes: Sequence[int], seed: int, n_draws: int = 40, setup: TrainingSetup = SETUP
) -> np.ndarray:
    """Mean squared distance between a mini-batch gradient and the full-batch gradient, per batch size.

    At the initial weights of seed ``seed``; batches drawn without replacement, as in training. Returns
    (len(batch_sizes),).
    """
    split = experiment_split(setup)
    X, y = split.X_train, split.y_train
    model = mlp(list(setup.sizes), activation="relu", init="he_normal", rng=seed)
    full = _flat_gradient(model, X, y)
    rng = np.random.default_rng(seed)
    noise = []
    for size in batch_sizes:
        if not 1 <= size <= len(X):
            raise ValueError(f"batch sizes must be between 1 and {len(X)}, got {size}")
        draws = [rng.choice(len(X), size, replace=False) for _ in range(n_draws)]
        noise.append(np.mean([np.sum((_flat_gradient(model, X[b], y[b]) - full) ** 2) for b in draws]))
    return np.array(noise)


def with_batch_size(batch_size: int, setup: TrainingSetup = SETUP) -> TrainingSetup:
    """``setup`` with another batch size and the same number of epochs (so fewer steps for larger batches)."""
    return replace(setup, batch_size=batch_size)
