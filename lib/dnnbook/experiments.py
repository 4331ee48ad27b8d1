"""What the chapters' experiments share: the digits subset they train on, and read-only results.

Experiments are values. A chapter caches its experiments (the page and its explorable share the runs), so a result
is handed out either read-only, as a frozen dataclass whose arrays (and trained models' parameters and buffers)
have ``writeable = False``, or as a fresh copy, when it holds something that cannot be frozen (a ``dnnopt.train
.History`` keeps lists). Either way no caller can change what the next caller gets; writing into a read-only result
raises ``ValueError: assignment destination is read-only``.
"""

from __future__ import annotations

import functools
from typing import Protocol

import numpy as np

from dnnopt import data
from dnnopt.layers import Layer

__all__ = ["DigitsSetup", "experiment_split", "read_only", "read_only_model"]


def read_only(*arrays: np.ndarray) -> None:
    """Make every array read-only in place (a frozen dataclass calls it on its arrays in ``__post_init__``)."""
    for array in arrays:
        array.flags.writeable = False


def read_only_model(model: Layer) -> Layer:
    """Make every parameter and buffer of ``model`` read-only in place and return ``model``.

    Inference (``training=False``) still works; training it, or a training-mode forward pass through batch norm
    (which updates the running averages in place), raises. ``copy.deepcopy`` gives a writeable model again.
    """
    read_only(*model.params.values(), *model.buffers.values())
    return model


class DigitsSetup(Protocol):
    """What ``experiment_split`` reads from a chapter's experiment setup (a frozen dataclass)."""

    n_train: int  # training images: the first n_train of the split
    val_fraction: float  # share of the 1797 digits held out for validation
    seed: int  # the split


@functools.lru_cache(maxsize=8)
def experiment_split(setup: DigitsSetup) -> data.Split:
    """The digits of an experiment: the first ``setup.n_train`` training images and all the validation images.

    Cached per setup; the arrays are read-only.
    """
    full = data.digits(val_fraction=setup.val_fraction, seed=setup.seed)
    if setup.n_train > len(full.X_train):
        raise ValueError(f"n_train={setup.n_train} but the split has only {len(full.X_train)} training images")
    split = data.Split(full.X_train[: setup.n_train], full.y_train[: setup.n_train], full.X_val, full.y_val)
    read_only(*split)
    return split
