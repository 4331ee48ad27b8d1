"""Explorable for the batch-normalization chapter: a deep MLP with and without batch norm, for a learning rate and a
network setting (activation and initialization)."""

from __future__ import annotations

from ..plots.batchnorm import LEARNING_RATES, SETTINGS, SETUP, BNSetup, bn_run, plot_step_losses
from ._core import Explorable

__all__ = ["batchnorm_vs_lr", "draw_batchnorm_vs_lr"]


def _outcome(run) -> str:
    return "diverged" if run.diverged else f"validation accuracy {run.val_acc[-1]:.2f}"


def draw_batchnorm_vs_lr(fig, lr: float, setting: str, setup: BNSetup = SETUP) -> None:
    """Mini-batch loss per step without and with batch norm; the title gives each final validation accuracy."""
    runs = {
        label: bn_run(setting, lr, batchnorm, setup)
        for label, batchnorm in (("without batch norm", False), ("with batch norm", True))
    }
    ax = fig.subplots()
    plot_step_losses(ax, runs)
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
        lambda fig, lr, setting: draw_batchnorm_vs_lr(fig, lr, setting, setup),
        controls={"lr": list(LEARNING_RATES), "setting": list(SETTINGS)},
        defaults={"lr": 0.3, "setting": "ReLU, He init"},
        figsize=(8.0, 3.5),
        alt=f"Mini-batch training loss per step, on a log scale, of a {setup.depth}-layer MLP on digits without "
        "and with batch normalization, for the chosen learning rate and network setting (ReLU with He "
        "initialization, ReLU with a ten times too small initialization, or sigmoid with Xavier initialization). "
        "The title gives the final validation accuracy of both networks, or says that training diverged.",
    )
