"""Batch statistics used at inference too (training only decides whether the running averages are updated).

loses: test_batchnorm_forward_inference
message: the batch's own statistics
visible: not the batch's own statistics
"""

import numpy as np


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    N = x.shape[0]
    if training and N < 2:
        raise ValueError("a batch of one sample has no variance")
    mean = x.mean(axis=0)
    centered = x - mean
    var = (centered**2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centered * inv_std
    if training:
        running_mean[:] = (1 - momentum) * running_mean + momentum * mean
        running_var[:] = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    return gamma * x_hat + beta, (x_hat, centered, inv_std, gamma)
