"""Elementwise activations. Each derivative sits right under its forward.

Backward functions take ``dout`` of the forward output's shape and return ``dx`` of the same shape and dtype.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_float_array, check_same_shape

__all__ = [
    "leaky_relu_backward",
    "leaky_relu_forward",
    "prelu_backward",
    "prelu_forward",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "tanh_backward",
    "tanh_forward",
]


def _check_dout(dout, like: np.ndarray) -> np.ndarray:
    check_float_array(dout, "dout")
    check_same_shape(dout, like, "dout", "the forward input")
    return dout


def relu_forward(x: np.ndarray):
    """max(0, x). Returns ``(out, cache)``; the cache is the boolean mask ``x > 0``."""
    check_float_array(x, "x")
    return np.maximum(x, 0), x > 0


def relu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """d relu / dx = 1 where x > 0, else 0 (ReLU is not differentiable at 0; like every framework we use 0)."""
    positive = cache
    _check_dout(dout, positive)
    return dout * positive


def _slope(positive: np.ndarray, alpha, dtype) -> np.ndarray:
    """1 where ``positive``, else ``alpha`` (broadcast): the derivative of every leaky ReLU variant."""
    slope = positive.astype(dtype)
    slope *= 1 - alpha
    slope += alpha
    return slope


def leaky_relu_forward(x: np.ndarray, alpha: float = 0.01):
    """x where x > 0, else ``alpha * x``: a small slope keeps gradients flowing for negative inputs."""
    check_float_array(x, "x")
    slope = _slope(x > 0, x.dtype.type(alpha), x.dtype)
    return x * slope, slope


def leaky_relu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """1 where x > 0, else ``alpha``: the slope the forward pass cached."""
    slope = cache
    _check_dout(dout, slope)
    return dout * slope


def prelu_forward(x: np.ndarray, alpha: np.ndarray):
    """Leaky ReLU with a learnable slope ``alpha`` of shape (D,) (one per feature of x (N, D)) or ()."""
    check_float_array(x, "x")
    check_float_array(alpha, "alpha")
    if alpha.ndim > 1 or (alpha.ndim == 1 and alpha.shape[0] != x.shape[-1]):
        raise ValueError(f"alpha must have shape () or ({x.shape[-1]},) for x of shape {x.shape}, got {alpha.shape}")
    positive = x > 0
    slope = _slope(positive, alpha, x.dtype)
    return x * slope, (x, alpha, positive, slope)


def prelu_backward(dout: np.ndarray, cache):
    """Returns ``(dx, dalpha)``: dx = dout * slope; dalpha sums dout * x over the entries where x <= 0."""
    x, alpha, positive, slope = cache
    _check_dout(dout, x)
    dalpha_full = dout * x * ~positive
    dalpha = dalpha_full.reshape(-1, *alpha.shape).sum(axis=0)  # shape of alpha
    return dout * slope, dalpha


def sigmoid_forward(x: np.ndarray):
    """1 / (1 + exp(-x)), computed from z = exp(-|x|) <= 1 so nothing overflows and tiny outputs keep their digits.

    For x >= 0 it is 1 / (1 + z); for x < 0 it is z / (1 + z) (the same function, written without exp(+|x|)).
    """
    check_float_array(x, "x")
    z = np.exp(-np.abs(x))
    out = 1.0 / (1.0 + z)
    np.multiply(out, z, out=out, where=x < 0)
    return out, out


def sigmoid_backward(dout: np.ndarray, cache) -> np.ndarray:
    """sigma'(x) = sigma(x) (1 - sigma(x)) <= 1/4: every sigmoid layer shrinks the gradient by at least 4x."""
    out = cache
    _check_dout(dout, out)
    return dout * out * (1.0 - out)


def tanh_forward(x: np.ndarray):
    """Hyperbolic tangent; the cache is its output."""
    check_float_array(x, "x")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout: np.ndarray, cache) -> np.ndarray:
    """tanh'(x) = 1 - tanh(x)**2, which is at most 1 (at x = 0): tanh can shrink gradients, never amplify them."""
    out = cache
    _check_dout(dout, out)
    return dout * (1.0 - out * out)
