"""The chapter's two explorables: momentum on a 2-D quadratic, and learning-rate schedules on digits.

Every frame has the same axes at the same place (fixed margins, limits and ticks), so moving a control changes the
data and nothing else.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure

from ..explorable import Explorable
from ..figures import log_axis
from .drawing import draw_contours, draw_over_seeds, draw_path
from .quadratic import descend, sgd, spectral_rate, two_d
from .training import SCHEDULES, SEEDS, SETUP, train_run

__all__ = ["PEAK_RATES", "momentum_on_quadratic", "momentum_path", "schedule_explorer"]

KAPPAS = (10, 100)
LR_TIMES_H_MAX = (1.0, 1.9)
MOMENTA = (0.0, 0.5, 0.9)
START = (-0.9, 0.8)  # far out along the flat axis, and off the steep one
STEPS = 150


@functools.lru_cache(maxsize=64)
def momentum_path(kappa: float, lr: float, momentum: float, steps: int = STEPS) -> np.ndarray:
    """SGD with momentum (torch's form, via ``dnnopt.optim.SGD``) on ``two_d(kappa)`` from ``START``: (steps + 1, 2).

    ``lr`` is in units of 1 / h_max (h_max = 1 here)."""
    return descend(two_d(kappa), sgd(lr, momentum), np.array(START), steps)


def _momentum_frame(fig: Figure, kappa: float, lr: float, momentum: float) -> None:
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.82, wspace=0.25)
    path_ax, loss_ax = fig.subplots(1, 2)
    problem = two_d(kappa)
    path = momentum_path(kappa, lr, momentum)
    draw_contours(path_ax, problem, extent=1.0)
    draw_path(path_ax, path, "path")
    path_ax.set(xlabel="flat direction (curvature 1/κ)", ylabel="steep direction (curvature 1)")
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.minimum(problem.loss(path), 1e3)
    loss_ax.plot(np.arange(len(loss)), np.where(np.isfinite(loss), loss, 1e3), color="C0")
    log_axis(loss_ax, decades=(-12, 2))
    loss_ax.set(xlim=(0, STEPS), xlabel="step", ylabel="loss (log scale)")
    rate = spectral_rate(lr, momentum, problem.curvatures)
    verdict = "diverges" if rate > 1 else f"error x {rate:.3f} per step"
    fig.suptitle(f"κ = {kappa:g}, lr = {lr:g} / h_max, momentum β = {momentum:g}: {verdict}", fontsize="medium")


def momentum_on_quadratic() -> Explorable:
    """Gradient descent with heavy-ball momentum on the 2-D quadratic with curvatures (1/κ, 1).

    12 frames (2 condition numbers x 2 learning rates x 3 momenta); each path is 150 steps, microseconds.
    """
    return Explorable(
        _momentum_frame,
        controls={"kappa": list(KAPPAS), "lr": list(LR_TIMES_H_MAX), "momentum": list(MOMENTA)},
        defaults={"kappa": 100, "lr": 1.0, "momentum": 0.9},
        figsize=(7.0, 3.3),
        layout="none",  # fixed margins (subplots_adjust in each frame): one draw per frame, no layout pass
        alt="Left: the path of gradient descent with momentum on the elliptical contours of a two-dimensional "
        "quadratic; right: its loss per step on a log scale, for the chosen condition number, learning rate and "
        "momentum. The title gives the theoretical rate at which the error shrinks per step, or says it diverges.",
    )


PEAK_RATES = (0.1, 0.3)
"""The peak learning rates of the schedule explorer (Adam)."""


def _schedule_frame(fig: Figure, schedule: str, lr: float) -> None:
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.82, wspace=0.32)
    lr_ax, loss_ax = fig.subplots(1, 2)
    runs = [train_run("Adam", lr, seed, schedule) for seed in SEEDS]
    steps = np.arange(1, SETUP.steps + 1)
    lr_ax.plot(steps, runs[0].lr, color="C1")
    log_axis(lr_ax, decades=(-4, 0))
    lr_ax.set(xlabel="step", ylabel="learning rate (log scale)", xlim=(0, SETUP.steps))
    draw_over_seeds(loss_ax, steps, {"mini-batch loss": np.stack([run.step_loss for run in runs])}, "")
    log_axis(loss_ax, decades=(-2, 2))
    loss_ax.set(xlabel="step", ylabel="mini-batch loss (log scale)", xlim=(0, SETUP.steps))
    final = [run.final_loss for run in runs]
    fig.suptitle(
        f"Adam, {schedule}, peak lr {lr:g}: final training loss {np.mean(final):.2f} "
        f"({min(final):.2f} to {max(final):.2f}), highest batch loss {max(r.step_loss.max() for r in runs):.1f}",
        fontsize="medium",
    )


def schedule_explorer() -> Explorable:
    """The chapter's MLP trained with Adam under each schedule and peak rate: the schedule and the training curve.

    8 frames; the 24 runs (3 seeds each, cached and shared with the chapter) are trained when the explorable is built.
    """
    for schedule in SCHEDULES:
        for lr in PEAK_RATES:
            for seed in SEEDS:
                train_run("Adam", lr, seed, schedule)
    return Explorable(
        _schedule_frame,
        controls={"schedule": list(SCHEDULES), "lr": list(PEAK_RATES)},
        defaults={"schedule": "warmup + cosine", "lr": 0.3},
        figsize=(7.0, 3.3),
        layout="none",  # fixed margins (subplots_adjust in each frame): one draw per frame, no layout pass
        alt="Left: the learning rate of each step under the chosen schedule and peak rate, on a log scale; right: "
        "the mini-batch training loss per step of Adam on digits, mean of three seeds with their range, on a log "
        "scale. The title gives the final training loss and the highest mini-batch loss.",
    )
