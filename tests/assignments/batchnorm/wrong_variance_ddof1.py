"""The batch variance computed with ddof=1 (np.var(x, axis=0, ddof=1)) in the normalization.

The solution's backward pass, written for the biased variance, then disagrees with this forward pass too.

loses: test_batchnorm_forward_training, test_batchnorm_backward_gradcheck, test_batchnorm_backward_reference, test_batchnorm_backward_compact
message: the variance was computed with ddof=1
"""  # noqa: E501 (the harness reads one 'loses:' line)

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
