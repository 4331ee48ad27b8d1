"""Inverted dropout. ``p`` is the probability of DROPPING a unit (PyTorch's convention, not Keras' keep_prob)."""

from __future__ import annotations

import numpy as np

from .._checks import as_rng, check_float_array, check_probability, check_same_shape

__all__ = ["dropout_backward", "dropout_forward"]


def dropout_forward(x: np.ndarray, p: float, training: bool, rng=None):
    """Zero each unit with probability ``p`` and scale the survivors by ``1 / (1 - p)``.

    The scaling keeps every unit's expected value unchanged, E[out] = x, so nothing needs rescaling at
    inference: when not ``training`` (or when ``p == 0``) this is the identity.

    Parameters
    ----------
    x : array of any shape
    p : drop probability in [0, 1)
    training : bool
    rng : np.random.Generator or int seed, used only when training

    Returns
    -------
    out : array of x's shape and dtype
    cache : the scaled mask (0 or 1/(1-p), x's dtype), or None when nothing was dropped
    """
    check_float_array(x, "x")
    p = check_probability(p)
    if not isinstance(training, bool | np.bool_):
        raise TypeError(f"training must be True or False, got {training!r}")
    if not training or p == 0.0:
        return x.copy(), None
    draw_dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.float64
    keep = as_rng(rng).random(x.shape, dtype=draw_dtype) >= p  # each unit kept with probability 1 - p
    scaled_mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * scaled_mask, scaled_mask


def dropout_backward(dout: np.ndarray, cache) -> np.ndarray:
    """Gradient through the SAME mask the forward pass drew (never draw a new one here)."""
    check_float_array(dout, "dout")
    scaled_mask = cache
    if scaled_mask is None:
        return dout
    check_same_shape(dout, scaled_mask, "dout", "the forward input")
    return dout * scaled_mask
