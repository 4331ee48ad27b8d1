"""momentum read as the weight of the old value (Keras' convention): running = m * running + (1 - m) * batch.

The warm-up answers report what this forward pass gives, so only the forward pass loses points.

loses: test_batchnorm_forward_running
message: momentum weighs the NEW batch
visible: momentum weighs the NEW batch
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
    running_mean[:] = momentum * running_mean + (1 - momentum) * mean
    running_var[:] = momentum * running_var + (1 - momentum) * var * N / (N - 1)
    return gamma * x_hat + beta, (x_hat, centered, inv_std, gamma)
