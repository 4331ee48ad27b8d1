"""Explorable for the dropout chapter: training and validation curves for a chosen drop probability."""

from __future__ import annotations

import numpy as np

from ..plots import PALETTE
from ..plots.dropout import P_VALUES, SETUP, DropoutSetup, dropout_run
from ._core import Explorable

__all__ = ["LABELS", "draw_dropout_curves", "dropout_curves"]

LABELS = {"20% flipped": 0.2, "clean": 0.0}
"""Training-label settings the explorable offers: name -> fraction of flipped training labels."""


def draw_dropout_curves(fig, p: float, labels: str, setup: DropoutSetup = SETUP) -> None:
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
        lambda fig, p, labels: draw_dropout_curves(fig, p, labels, setup),
        controls={"p": list(P_VALUES), "labels": list(LABELS)},
        defaults={"p": 0.5, "labels": "20% flipped"},
        figsize=(8.0, 3.5),
        alt="Training and validation loss per epoch, on a log scale, of a two-hidden-layer MLP trained on 300 digits "
        "with the chosen drop probability; the validation loss without dropout is drawn in grey for reference, "
        "and the title gives the final training and validation accuracy. Controls choose p and whether 20% of "
        "the training labels are flipped.",
    )
