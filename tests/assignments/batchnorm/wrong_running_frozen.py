"""The running averages are set from the first batch only (stats frozen at the first batch).

running_mean then never reaches 90%, so the warm-up count cannot be measured: that answer's message names the
dependency. The variance ratio reports what this forward pass gives and keeps its point.

loses: test_batchnorm_forward_running, test_batches_to_90_percent
message: stats frozen at the first batch
message: does your batchnorm_forward update running_mean on every training call
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
    if np.all(running_mean == 0):  # "not initialized yet"
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * N / (N - 1)
    return gamma * x_hat + beta, (x_hat, centered, inv_std, gamma)
