"""Losses. Each returns ``(loss, dpred)``: a Python float and the gradient with respect to the prediction."""

from __future__ import annotations

import numpy as np

from .._checks import check_array, check_float_array, check_same_shape

__all__ = ["mse", "softmax", "softmax_cross_entropy"]


def _check_finite(x: np.ndarray, name: str) -> None:
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf; the model has probably diverged (try a lower learning rate)")


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (N, C) logits, shifted by the row maximum so exp never overflows."""
    check_float_array(logits, "logits", ndim=2)
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C), every row's max is 0
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray):
    """Mean cross-entropy of softmax(logits) against integer labels.

    Parameters
    ----------
    logits : array of shape (N, C)
    y : int array of shape (N,), labels in [0, C)

    Returns
    -------
    loss : float, mean over the batch
    dlogits : array of shape (N, C) = (softmax(logits) - one_hot(y)) / N
    """
    check_float_array(logits, "logits", ndim=2)
    check_array(y, "y")
    N, C = logits.shape
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},) to match logits {logits.shape}, got {y.shape}")
    if N and (y.min() < 0 or y.max() >= C):
        raise ValueError(f"labels must be in [0, {C}) for {C} classes, got values in [{y.min()}, {y.max()}]")
    _check_finite(logits, "logits")
    shifted = logits - logits.max(axis=1, keepdims=True)  # (N, C)
    log_sum_exp = np.log(np.exp(shifted).sum(axis=1))  # (N,)
    rows = np.arange(N)
    loss = float(np.mean(log_sum_exp - shifted[rows, y]))
    dlogits = np.exp(shifted - log_sum_exp[:, None])  # (N, C) softmax
    dlogits[rows, y] -= 1.0
    dlogits /= N
    return loss, dlogits


def mse(pred: np.ndarray, target: np.ndarray):
    """Mean squared error over all elements (PyTorch's default); returns ``(loss, dpred)``."""
    check_float_array(pred, "pred")
    check_float_array(target, "target")
    check_same_shape(pred, target, "pred", "target")
    _check_finite(pred, "pred")
    diff = pred - target
    loss = float(np.mean(diff * diff))
    return loss, diff * (2.0 / diff.size)
