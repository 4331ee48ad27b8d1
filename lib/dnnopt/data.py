"""Small datasets that need no download: synthetic sets and scikit-learn's bundled 8x8 digits.

Features are float32, class labels int64; every function is deterministic given its ``seed``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import as_rng, check_float_array

__all__ = ["Split", "digits", "regression_1d", "shift_images", "train_val_split", "true_function", "two_moons"]


class Split(NamedTuple):
    """A training set and a validation set."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray


def two_moons(n: int = 500, noise: float = 0.2, seed: int = 0):
    """Two interleaving half circles: X (n, 2) float32, y (n,) int64 in {0, 1}."""
    from sklearn.datasets import make_moons  # imported here: sklearn costs ~1 s, most users of dnnopt never need it

    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return X.astype(np.float32), y.astype(np.int64)


def true_function(x: np.ndarray) -> np.ndarray:
    """The noiseless target of ``regression_1d``: sin(2 pi x)."""
    return np.sin(2.0 * np.pi * x)


def regression_1d(n: int = 30, noise: float = 0.3, seed: int = 0):
    """Noisy samples of ``true_function`` at x ~ U(0, 1): x (n, 1), y (n, 1), float32; y = f(x) + N(0, noise**2)."""
    rng = as_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n, 1))
    y = true_function(x) + noise * rng.standard_normal((n, 1))
    return x.astype(np.float32), y.astype(np.float32)


def train_val_split(X: np.ndarray, y: np.ndarray, val_fraction: float = 0.25, seed: int = 0) -> Split:
    """Shuffle with ``seed`` and hold out ``val_fraction`` of the samples for validation."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    order = as_rng(seed).permutation(len(X))
    n_val = round(val_fraction * len(X))
    val, train = order[:n_val], order[n_val:]
    return Split(X[train], y[train], X[val], y[val])


def digits(val_fraction: float = 0.25, seed: int = 0) -> Split:
    """scikit-learn's 1797 handwritten 8x8 digits (shipped with the package), pixels scaled to [0, 1].

    Returns a ``Split`` with X of shape (n, 64) float32 and labels 0-9 int64.
    """
    from sklearn.datasets import load_digits

    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)  # (1797, 64)
    return train_val_split(X, data.target.astype(np.int64), val_fraction, seed)


def shift_images(X: np.ndarray, max_shift: int = 1, rng=None, side: int = 8) -> np.ndarray:
    """Data augmentation: shift each (side x side) image by up to ``max_shift`` pixels in x and y, zero-filled.

    X has shape (N, side * side); returns a new array of the same shape and dtype.
    """
    check_float_array(X, "X", ndim=2)
    if X.shape[1] != side * side:
        raise ValueError(f"X must have {side * side} columns ({side}x{side} images), got shape {X.shape}")
    rng = as_rng(rng)
    images = X.reshape(-1, side, side)  # (N, side, side)
    padded = np.pad(images, ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    shifts = rng.integers(-max_shift, max_shift + 1, size=(len(X), 2))  # (N, 2) row and column offsets
    out = np.empty_like(images)
    for i, (dy, dx) in enumerate(shifts):
        top, left = max_shift - dy, max_shift - dx
        out[i] = padded[i, top : top + side, left : left + side]
    return out.reshape(len(X), side * side)
