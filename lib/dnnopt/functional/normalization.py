"""Batch normalization and, for contrast, layer normalization.

Shapes: x is (N, D); gamma, beta, running_mean, running_var are (D,).
"""

from __future__ import annotations

import numbers

import numpy as np

from .._checks import check_float_array

__all__ = [
    "batchnorm_backward",
    "batchnorm_backward_compact",
    "batchnorm_forward",
    "layernorm_backward",
    "layernorm_forward",
]


def _check_feature_vector(v, name: str, x: np.ndarray) -> None:
    check_float_array(v, name, ndim=1)
    if v.shape != (x.shape[1],):
        raise ValueError(f"{name} must have shape ({x.shape[1]},) for x of shape {x.shape}, got {v.shape}")


def _check_scalar(value, name: str, low: float, high: float) -> None:
    if not isinstance(value, numbers.Real) or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}], got {value!r}")


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    r"""Normalize each feature, then scale by ``gamma`` and shift by ``beta``.

    In training the current batch's mean and *biased* variance normalize ``x``, and the running averages are
    updated **in place** (PyTorch's convention; the running variance uses the unbiased batch variance):

    .. math:: \text{running} \leftarrow (1 - \text{momentum})\,\text{running} + \text{momentum}\cdot\text{batch}

    When not training the running averages normalize ``x`` and nothing is updated.

    Returns
    -------
    out : array of shape (N, D)
    cache : (x_hat, gamma, inv_std), or None when not training (no backward through inference)
    """
    check_float_array(x, "x", ndim=2)
    for name, v in (("gamma", gamma), ("beta", beta), ("running_mean", running_mean), ("running_var", running_var)):
        _check_feature_vector(v, name, x)
    _check_scalar(momentum, "momentum", 0.0, 1.0)
    _check_scalar(eps, "eps", 0.0, np.inf)
    if not isinstance(training, bool | np.bool_):
        raise TypeError(f"training must be True or False, got {training!r}")
    dtype = x.dtype.type
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + dtype(eps))  # (N, D)
        return gamma * x_hat + beta, None

    N = x.shape[0]
    if N < 2:
        raise ValueError(
            "batch norm in training needs at least 2 samples per batch to estimate a variance, got a batch of "
            f"{N}; use a larger batch or call it with training=False"
        )
    mean = x.mean(axis=0)  # (D,)
    centered = x - mean  # (N, D)
    var = (centered * centered).mean(axis=0)  # (D,) biased: divide by N
    inv_std = 1.0 / np.sqrt(var + dtype(eps))  # (D,)
    x_hat = centered * inv_std  # (N, D)

    m = dtype(momentum)
    running_mean *= 1 - m
    running_mean += m * mean
    running_var *= 1 - m
    running_var += m * var * dtype(N / (N - 1))  # unbiased, as PyTorch's running_var
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)


def _check_backward(dout, cache):
    if cache is None:
        raise ValueError("batchnorm_backward needs the cache of a training-mode forward (inference has no backward)")
    x_hat = cache[0]
    check_float_array(dout, "dout", ndim=2)
    if dout.shape != x_hat.shape:
        raise ValueError(f"dout must have shape {x_hat.shape}, got {dout.shape}")


def batchnorm_backward(dout, cache):
    """Backward pass, step by step through the graph x -> mean -> centered -> var -> inv_std -> x_hat -> out.

    Returns ``(dx, dgamma, dbeta)``. Nothing is updated here: an optimizer applies dgamma and dbeta.
    """
    _check_backward(dout, cache)
    x_hat, gamma, inv_std = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)  # (D,)
    dgamma = (dout * x_hat).sum(axis=0)  # (D,)
    dx_hat = dout * gamma  # (N, D)
    centered = x_hat / inv_std  # (N, D) = x - mean
    # x_hat = centered * inv_std, inv_std = (var + eps) ** -1/2, var = mean(centered ** 2)
    dinv_std = (dx_hat * centered).sum(axis=0)  # (D,)
    dvar = -0.5 * inv_std**3 * dinv_std  # (D,)
    dcentered = dx_hat * inv_std + dvar * (2.0 / N) * centered  # (N, D)
    # centered = x - mean, mean = x.mean(axis=0)
    dx = dcentered - dcentered.mean(axis=0)  # (N, D)
    return dx, dgamma, dbeta


def batchnorm_backward_compact(dout, cache):
    r"""The same gradients in one line: dx = inv_std / N * (N dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)).

    Returns ``(dx, dgamma, dbeta)``.
    """
    _check_backward(dout, cache)
    x_hat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)  # (D,)
    dgamma = (dout * x_hat).sum(axis=0)  # (D,)
    # with dx_hat = dout * gamma, the two sums over the batch are gamma * dbeta and gamma * dgamma
    dx = (gamma * inv_std) * (dout - dbeta / dout.shape[0] - x_hat * (dgamma / dout.shape[0]))  # (N, D)
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """Normalize each *sample* over its features (no batch statistics, no running averages; same in eval).

    Returns ``(out, cache)`` with out of shape (N, D).
    """
    check_float_array(x, "x", ndim=2)
    _check_feature_vector(gamma, "gamma", x)
    _check_feature_vector(beta, "beta", x)
    centered = x - x.mean(axis=1, keepdims=True)  # (N, D)
    inv_std = 1.0 / np.sqrt((centered * centered).mean(axis=1, keepdims=True) + x.dtype.type(eps))  # (N, 1)
    x_hat = centered * inv_std  # (N, D)
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)


def layernorm_backward(dout, cache):
    """Batch norm's compact backward with the roles of samples and features swapped. Returns (dx, dgamma, dbeta)."""
    x_hat, gamma, inv_std = cache
    check_float_array(dout, "dout", ndim=2)
    if dout.shape != x_hat.shape:
        raise ValueError(f"dout must have shape {x_hat.shape}, got {dout.shape}")
    dbeta = dout.sum(axis=0)  # (D,)
    dgamma = (dout * x_hat).sum(axis=0)  # (D,)
    dx_hat = dout * gamma  # (N, D)
    dx = inv_std * (
        dx_hat - dx_hat.mean(axis=1, keepdims=True) - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True)
    )  # (N, D)
    return dx, dgamma, dbeta
