"""The batch variance computed with ddof=1 (np.var(x, axis=0, ddof=1)) in the normalization.

The solution's backward passes, written for the biased variance, compute from this forward pass's cache exactly
what a correct backward pass computes from it, so they keep their points: the bug is charged to the forward pass.

loses: test_batchnorm_forward_training
message: the variance was computed with ddof=1
visible: the variance was computed with ddof=1
"""

import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    N = x.shape[0]
    if N < 2:
        raise ValueError("a batch of one sample has no variance")
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)
    centered = x - mean
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centered * inv_std
    running_mean[:] = (1 - momentum) * running_mean + momentum * mean
    running_var[:] = (1 - momentum) * running_var + momentum * var
    return gamma * x_hat + beta, (x_hat, centered, inv_std, gamma)
