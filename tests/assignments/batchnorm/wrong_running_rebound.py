"""The running averages rebound to new arrays (`running_mean = ...`) instead of updated in place.

The caller's arrays never change, so the warm-up experiment never reaches 90% either: that answer's message names
the dependency. The variance ratio reports what this forward pass gives and keeps its point.

loses: test_batchnorm_forward_running, test_batches_to_90_percent
message: only rebinds
message: does your batchnorm_forward update running_mean on every training call
visible: only rebinds your local name
"""

import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None
    N = x.shape[0]
    if N < 2:
        raise ValueError("a batch of one sample has no variance")
    mean = x.mean(axis=0)
    centered = x - mean
    var = (centered**2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centered * inv_std
    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    return gamma * x_hat + beta, (x_hat, centered, inv_std, gamma)
