"""Affine layer ``out = x @ W + b``."""

from __future__ import annotations

import numpy as np

from .._checks import check_float_array

__all__ = ["linear_backward", "linear_forward"]


def linear_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray | None):
    """Affine map.

    Parameters
    ----------
    x : array of shape (N, D_in)
    W : array of shape (D_in, D_out), i.e. (fan_in, fan_out)
    b : array of shape (D_out,) or None

    Returns
    -------
    out : array of shape (N, D_out)
    cache : (x, W, has_bias)
    """
    check_float_array(x, "x", ndim=2)
    check_float_array(W, "W", ndim=2)
    if x.shape[1] != W.shape[0]:
        raise ValueError(f"x has {x.shape[1]} features but W expects {W.shape[0]} (W has shape {W.shape})")
    if x.dtype != W.dtype:
        raise TypeError(f"x is {x.dtype} but W is {W.dtype}; cast one so both have the same dtype")
    out = x @ W  # (N, D_out)
    if b is not None:
        check_float_array(b, "b", ndim=1)
        if b.shape != (W.shape[1],):
            raise ValueError(f"b must have shape ({W.shape[1]},) to match W {W.shape}, got {b.shape}")
        out += b
    return out, (x, W, b is not None)


def linear_backward(dout: np.ndarray, cache):
    """Gradients of the affine map.

    Returns ``(dx, dW, db)`` with the shapes of ``x``, ``W`` and ``b`` (``db`` is None without a bias).
    """
    x, W, has_bias = cache
    check_float_array(dout, "dout", ndim=2)
    if dout.shape != (x.shape[0], W.shape[1]):
        raise ValueError(f"dout must have shape {(x.shape[0], W.shape[1])}, got {dout.shape}")
    dx = dout @ W.T  # (N, D_in)
    dW = x.T @ dout  # (D_in, D_out)
    db = dout.sum(axis=0) if has_bias else None  # (D_out,)
    return dx, dW, db
